/**
 * --ring-size and --serve's smaller rings (EngineOptions.ringBytes): every event panel's ring buffer map is loaded at
 * the size asked for, as the kernel reports it for the maps this process holds (fdinfo), and each panel's own size
 * without it. A ring that small still loses nothing uncounted: a child's burst of opens through a 64 KiB ring is seen,
 * or counted as lost (ring full, or over the rate), open for open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import type { OpensnoopRow } from '../../src/models/opensnoop.js';
import { biosnoopPanel } from '../../src/panels/biosnoop.js';
import { execsnoopPanel } from '../../src/panels/execsnoop.js';
import { fsslowerPanel } from '../../src/panels/fsslower.js';
import { opensnoopPanel } from '../../src/panels/opensnoop.js';
import { tcplifePanel } from '../../src/panels/tcplife.js';
import { tcpretransPanel } from '../../src/panels/tcpretrans.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { needsBpf, ringsHeldBy, sleep } from '../helpers/kernel.js';

const EVENT_PANELS: AnyPanelDef[] = [opensnoopPanel, execsnoopPanel, biosnoopPanel, fsslowerPanel, tcplifePanel, tcpretransPanel];
const SMALL = 64 * 1024;
/** Each panel's own ring (bpf/<panel>.h): opensnoop and biosnoop 8 MiB; execsnoop, fsslower and tcplife 4; tcpretrans 1. */
const OWN = [1, 4, 4, 4, 8, 8].map((m) => m * 1024 * 1024);
const OPENS = 20_000;

const BURST_PY = `
import os, sys
sys.stdin.readline()
for _ in range(int(sys.argv[2])):
    try:
        os.close(os.open(sys.argv[1], os.O_RDONLY))
    except OSError:
        sys.exit(1)
print(os.getpid(), flush=True)
sys.stdin.readline()
`;

/** The rings this process loaded since `before` (the map ids it held then), sizes in order. */
function newRings(before: ReadonlyMap<number, number>): number[] {
  return [...ringsHeldBy(process.pid)]
    .filter(([id]) => !before.has(id))
    .map(([, size]) => size)
    .sort((a, b) => a - b);
}

async function opened(opts: { ringBytes?: number }): Promise<Engine> {
  const engine = new Engine({ panels: EVENT_PANELS, intervalMs: 1000, requested: new Set(EVENT_PANELS.map((p) => p.id)), ...opts });
  await engine.open();
  const f = engine.tick();
  // Every event panel has a tier that attaches here (tiers.test.ts): none may be missing from what is counted.
  assert.deepEqual(
    f.panels.filter((p) => p.status !== 'ok').map((p) => `${p.id}: ${p.status} ${p.reason ?? ''}`),
    [],
    'every event panel loaded',
  );
  return engine;
}

test('--ring-size: each event panel loads its ring buffer at the size asked for, and at its own without it', async (t) => {
  if (!needsBpf(t)) return;
  const before = ringsHeldBy(process.pid);
  const small = await opened({ ringBytes: SMALL });
  try {
    assert.deepEqual(
      newRings(before),
      EVENT_PANELS.map(() => SMALL),
      'six rings of 64 KiB',
    );
  } finally {
    small.close();
  }
  assert.deepEqual(newRings(before), [], 'closed with the engine');
  const own = await opened({});
  try {
    assert.deepEqual(newRings(before), OWN, "each panel's own");
  } finally {
    own.close();
  }
  t.diagnostic(`rings: ${EVENT_PANELS.length} × 64 KiB asked; own ${OWN.map((b) => `${b / 1024 ** 2} MiB`).join(', ')}`);
});

test('a 64 KiB ring loses no open uncounted: a burst of 20,000 is seen or counted as lost, open for open', async (t) => {
  if (!needsBpf(t)) return;
  const dir = mkdtempSync('/tmp/sixty-ring-size-');
  // A long name: each event carries its path, so fewer fit in the ring.
  const file = join(dir, 'f'.repeat(200));
  writeFileSync(file, '');
  const engine = new Engine({ panels: [opensnoopPanel], intervalMs: 1000, requested: new Set(['opensnoop']), ringBytes: SMALL });
  const child = spawn('python3', ['-c', BURST_PY, file, String(OPENS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  try {
    await engine.open();
    engine.tick();
    child.stdin!.write('\n');
    const pid = Number((await lines.next()).value);
    assert.equal(pid, child.pid, 'the burst ran whole');
    // Every open was submitted (or counted as lost) before the child said its pid; a take drains the ring itself.
    let seen = 0;
    let lost = 0;
    for (let i = 0; i < 4; i++) {
      await sleep(40);
      const p = engine.tick().panels[0]!;
      assert.equal(p.status, 'ok', p.reason ?? '');
      seen += (p.rows as OpensnoopRow[]).filter((r) => r.pid === pid && r.path === file).reduce((a, r) => a + r.opens, 0);
      lost += (p.stats['ring_full_drops'] ?? 0) + (p.stats['rate_drops'] ?? 0);
    }
    assert.ok(seen <= OPENS, `no open counted twice: ${seen} seen of ${OPENS}`);
    // What was lost is counted (other processes' opens may be among the lost too, never fewer than the child's).
    assert.ok(seen + lost >= OPENS, `${seen} seen + ${lost} counted as lost covers the child's ${OPENS} opens`);
    t.diagnostic(`${OPENS} opens through a 64 KiB ring: ${seen} seen, ${lost} counted as lost`);
  } finally {
    child.kill();
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
