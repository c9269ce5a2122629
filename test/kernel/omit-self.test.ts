/**
 * The always-on sixty (--serve) leaves its own process out of opensnoop and filetop in the kernel (bpf/common.h's
 * omit_tgid): its scan of /proc is hundreds of opens and reads each interval, which it would otherwise carry through a
 * ring buffer and a map only to leave them out of what it records. Two engines in this process, one leaving it out and
 * one not: this process opens and reads a file of its own, a child another, a known number of times each. The child's
 * are exact in both; this process's are exact in the one that counts it and absent, with everything else this process
 * did, from the one that leaves it out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import type { FiletopRow } from '../../src/models/filetop.js';
import type { OpenEvent, OpensnoopRow } from '../../src/models/opensnoop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { opensnoopPanel } from '../../src/panels/opensnoop.js';
import type { Frame } from '../../src/frame.js';
import { needsBpf, scaled, settled, sleep } from '../helpers/kernel.js';

const MINE = 37;
const CHILD = 23;
const BYTES = 100;

const CHILD_PY = `
import os, sys
for _ in range(int(sys.argv[2])):
    fd = os.open(sys.argv[1], os.O_RDONLY)
    assert len(os.read(fd, 4096)) == ${BYTES}
    os.close(fd)
print(os.getpid(), flush=True)
sys.stdin.readline()
`;

function panel(f: Frame, id: string): Frame['panels'][number] {
  const p = f.panels.find((x) => x.id === id);
  assert.ok(p, `${id} in the frame`);
  assert.equal(p.status, 'ok', `${id}: ${p.reason ?? ''}`);
  return p;
}

test("--serve's own process is left out of opensnoop and filetop in the kernel; a child's opens and reads stay exact", async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const dir = mkdtempSync('/tmp/sixty-omit-self-');
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  writeFileSync(mine, 'm'.repeat(BYTES));
  writeFileSync(theirs, 't'.repeat(BYTES));
  const opts = { panels: [opensnoopPanel, filetopPanel], intervalMs: 1000, requested: new Set(['opensnoop', 'filetop']) };
  const omitting = new Engine({ ...opts, omitSelf: true });
  const counting = new Engine(opts);
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await omitting.open();
    await counting.open();
    omitting.tick();
    counting.tick();
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < MINE; i++) {
      const fd = openSync(mine, 'r');
      assert.equal(readSync(fd, buf), BYTES);
      closeSync(fd);
    }
    child = spawn('python3', ['-c', CHILD_PY, theirs, String(CHILD)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    assert.equal(pid, child.pid);
    // Read while the child is alive (its rows are named from /proc), tick after tick until the child's opens are all
    // through (a ring buffer's thread hands events over a little after they happen), summed over the ticks.
    type Seen = {
      theirOpens: number;
      theirReads: number;
      theirBytes: number;
      ownOpens: Map<string, number>;
      ownFiles: Map<string, [number, number]>;
      ownEvents: number;
    };
    const seen = (): Seen => ({ theirOpens: 0, theirReads: 0, theirBytes: 0, ownOpens: new Map(), ownFiles: new Map(), ownEvents: 0 });
    const sums = { omitting: seen(), counting: seen() };
    const add = (s: Seen, f: Frame): void => {
      const op = panel(f, 'opensnoop');
      for (const r of op.rows as OpensnoopRow[]) {
        if (r.pid === pid && r.path === theirs) s.theirOpens += r.opens;
        if (r.pid === process.pid) s.ownOpens.set(r.path, (s.ownOpens.get(r.path) ?? 0) + r.opens);
      }
      s.ownEvents += ((op.events ?? []) as OpenEvent[]).filter((e) => e.pid === process.pid).length;
      for (const r of panel(f, 'filetop').rows as FiletopRow[]) {
        if (r.pid === pid && r.path === theirs) {
          s.theirReads += r.reads;
          s.theirBytes += r.read_bytes;
        }
        if (r.pid === process.pid) {
          const [n, b] = s.ownFiles.get(r.path) ?? [0, 0];
          s.ownFiles.set(r.path, [n + r.reads, b + r.read_bytes]);
        }
      }
    };
    const deadline = Date.now() + scaled(20_000);
    do {
      add(sums.omitting, omitting.tick());
      add(sums.counting, counting.tick());
      if (sums.omitting.theirOpens >= CHILD && sums.counting.theirOpens >= CHILD) break;
      await sleep(100);
    } while (Date.now() < deadline);
    for (const [name, s] of Object.entries(sums)) {
      assert.equal(s.theirOpens, CHILD, `${name}: the child's opens of its file`);
      assert.deepEqual([s.theirReads, s.theirBytes], [CHILD, CHILD * BYTES], `${name}: the child's reads of its file`);
    }
    const c = sums.counting;
    assert.equal(c.ownOpens.get(mine), MINE, "this process's opens of its file, where it is counted");
    assert.deepEqual(c.ownFiles.get(mine), [MINE, MINE * BYTES], "this process's reads of its file, where it is counted");
    const o = sums.omitting;
    assert.deepEqual([...o.ownOpens.keys()], [], "no open of this process where it is left out (its file, the other engine's reads of /proc)");
    assert.deepEqual([...o.ownFiles.keys()], [], 'no read of this process where it is left out');
    assert.equal(o.ownEvents, 0, 'and no event of it');
    t.diagnostic(`child ${pid}: ${CHILD} opens and reads in both; this process's ${MINE} only where it is counted`);
  } finally {
    child?.kill();
    omitting.close();
    counting.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
