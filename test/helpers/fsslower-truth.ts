/**
 * fsslower's ground truth, on an ext4 of the test's own (a loop device on /dev/shm): a Python driver opens a file,
 * writes 32 MiB in 1 MiB writes, fsyncs it (the slow operation, made slow on purpose: 32 MiB to the device), and reads
 * it back with 16 preads of 1 MiB, timing each call itself. With the threshold at 0 every one of them is listed once,
 * with its op, file (directory and name), bytes and offset, and a latency inside the driver's own timing of the call
 * (entry to return happens between the driver's two clock reads), the fsync's within 50 ms of it; the histogram rows
 * count at least them (the host's own ext4 may add). Then, at a threshold of a second, 16 reads of the cached file
 * are counted in the histogram and none is listed. The file's name tells the driver's operations from the host's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Engine } from '../../src/engine.js';
import type { FsslowerRow, SlowOp } from '../../src/models/fsslower.js';
import { DEFAULT_THRESHOLD_MS, fsslowerView } from '../../src/panels/fsslower.js';
import { withExt4 } from './ground-truth.js';
import { sleep } from './kernel.js';

const DRIVER = `
import os, sys, time, json
d, phase = sys.argv[1], sys.argv[2]
ops = []
def timed(op, f, *a):
    t0 = time.monotonic_ns(); r = f(*a); t1 = time.monotonic_ns()
    ops.append({'op': op, 'ns': t1 - t0, 'ret': r if isinstance(r, int) else (len(r) if r is not None else 0)})
    return r
path = os.path.join(d, 'sub', 'data.bin')
MB = 1 << 20
if phase == 'write':
    os.mkdir(os.path.join(d, 'sub'))
    fd = timed('open', os.open, path, os.O_CREAT | os.O_RDWR, 0o644)
    buf = b'x' * MB
    for i in range(32): timed('write', os.write, fd, buf)
    timed('fsync', os.fsync, fd)
    for i in range(16): timed('read', os.pread, fd, MB, i * MB)
else:
    fd = os.open(path, os.O_RDONLY)
    for i in range(16): timed('read', os.pread, fd, MB, i * MB)
os.close(fd)
print(json.dumps({'pid': os.getpid(), 'ops': ops}))
`;

interface Made {
  pid: number;
  ops: { op: string; ns: number; ret: number }[];
}

function run(dir: string, phase: 'write' | 'read'): Made {
  return JSON.parse(execFileSync('python3', ['-c', DRIVER, dir, phase], { encoding: 'utf8' })) as Made;
}

const MB = 1 << 20;

export async function fsslowerGroundTruth(engine: Engine): Promise<string> {
  try {
    return await withExt4(async (dir) => {
      fsslowerView.thresholdMs = 0;
      engine.tick(); // the threshold reaches the kernel
      const made = run(dir, 'write');
      await sleep(200);
      let f = engine.tick();
      let p = f.panels[0]!;
      assert.equal(p.status, 'ok', p.reason ?? '');
      assert.equal((p.stats.ring_full_drops ?? 0) + (p.stats.rate_drops ?? 0), 0, 'no slow operation lost');
      const mine = ((p.events ?? []) as SlowOp[]).filter((e) => e.file === 'sub/data.bin').sort((a, b) => a.seq - b.seq);
      assert.deepEqual(
        mine.map((e) => e.op),
        made.ops.map((o) => o.op),
        'every operation of the driver, once, in its order',
      );
      let fsyncGap = 0;
      mine.forEach((e, i) => {
        const m = made.ops[i]!;
        assert.equal(e.pid, made.pid);
        assert.equal(e.fs, 'ext4');
        assert.equal(e.ret, m.ret, `${e.op} ${i}: what it returned`);
        if (e.op === 'write') assert.equal(e.offset, (i - 1) * MB, `write ${i}: its offset`);
        if (e.op === 'read') assert.equal(e.offset, (i - 34) * MB, `read ${i}: its offset`);
        assert.ok(e.lat_ns > 0 && e.lat_ns <= m.ns, `${e.op} ${i}: ${e.lat_ns} ns, inside the driver's ${m.ns} ns`);
        if (e.op === 'fsync') {
          fsyncGap = m.ns - e.lat_ns;
          assert.ok(fsyncGap <= 50e6, `fsync: ${e.lat_ns} ns against the driver's ${m.ns} ns`);
        }
      });
      const rows = p.rows as FsslowerRow[];
      const count = (op: string): number => rows.find((r) => r.fs === 'ext4' && r.op === op)?.ops ?? 0;
      for (const [op, n] of [
        ['open', 1],
        ['write', 32],
        ['fsync', 1],
        ['read', 16],
      ] as const) {
        assert.ok(count(op) >= n, `the (ext4, ${op}) row counts the driver's ${n} (${count(op)})`);
        assert.ok((rows.find((r) => r.fs === 'ext4' && r.op === op)?.slow ?? 0) >= n, `and lists them as slow at a threshold of 0`);
      }
      const fsync = mine.find((e) => e.op === 'fsync')!;

      // A second: nothing the driver does is that slow; its reads are counted, not listed.
      fsyncGap = Math.max(0, fsyncGap);
      fsslowerView.thresholdMs = 1000;
      engine.tick();
      const again = run(dir, 'read');
      await sleep(200);
      f = engine.tick();
      p = f.panels[0]!;
      // The list is the scrollback: what came after the first phase's.
      const last = Math.max(...mine.map((e) => e.seq));
      assert.equal(((p.events ?? []) as SlowOp[]).filter((e) => e.file === 'sub/data.bin' && e.seq > last).length, 0, 'none over a second');
      const reads = (p.rows as FsslowerRow[]).find((r) => r.fs === 'ext4' && r.op === 'read')?.ops ?? 0;
      assert.ok(reads >= again.ops.length, `the reads are counted still (${reads})`);
      assert.equal(p.stats.threshold_ms, 1000);
      return `open, 32 writes, fsync, 16 reads: each listed once with its bytes and offset, inside the driver's timing (fsync ${(fsync.lat_ns / 1e6).toFixed(2)} ms, ${(fsyncGap / 1e3).toFixed(0)} µs under the driver's); at 1 s none listed, ${reads} reads counted`;
    });
  } finally {
    fsslowerView.thresholdMs = DEFAULT_THRESHOLD_MS;
  }
}
