/**
 * filetop against ground truth, on the tier the ladder picks here: known calls and bytes through all ten read/write
 * system calls to two named files, a pipe and a socket pair (test/helpers/ground-truth.ts). And its observation
 * budget: unless asked for, it is attached only while on screen. Every other tier: test/kernel/tiers.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import type { FiletopRow } from '../../src/models/filetop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { ROOT } from '../../src/paths.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { readProcText } from '../../src/sources/proc.js';
import { filetopGroundTruth } from '../helpers/ground-truth.js';
import { heldOf, kernelBpf, needsBpf, settled, until } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('filetop: exact calls and bytes per process and file, with full paths, pipes and sockets', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [filetopPanel], intervalMs: 1000, requested: new Set(['filetop']) });
  try {
    await engine.open();
    const p = engine.store.getSnapshot().panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal(p.tier, await expectedTier(filetopPanel), 'the first tier this kernel supports');
    assert.ok(p.attachedAt, 'says when it was attached');
    t.diagnostic(filetopGroundTruth(engine));
  } finally {
    engine.close();
  }
});

test("filetop: a path is as the process sees it: from its chroot, not from the mount namespace's root; the map is sized from the files open", async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', 'filetop-chroot-'));
  // A host with 20,000 file handles open: room for twice as many rows, 65536.
  const readText = (path: string): string => (path === '/proc/sys/fs/file-nr' ? '20000\t0\t2466165\n' : readProcText(path));
  const engine = new Engine({ panels: [filetopPanel], intervalMs: 1000, requested: new Set(['filetop']), deps: { readText } });
  try {
    await engine.open();
    assert.equal(engine.tick().panels[0]!.stats.capacity, 65536, "the kernel map's size, as the loaded object reports it");
    const py = `import os, sys\nos.chroot(sys.argv[1])\nfd = os.open('/inside.dat', os.O_CREAT | os.O_WRONLY, 0o600)\nassert os.write(fd, b'x' * 123) == 123\nprint(os.getpid())`;
    const pid = Number(execFileSync('python3', ['-c', py, dir], { encoding: 'utf8' }).trim());
    const rows = engine.tick().panels[0]!.rows as FiletopRow[];
    const row = rows.find((r) => r.pid === pid && r.write_bytes === 123);
    assert.ok(row, JSON.stringify(rows.filter((r) => r.pid === pid).map((r) => [r.path, r.write_bytes])));
    assert.equal(row.path, '/inside.dat');
  } finally {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('filetop attaches only while on screen, unless asked for; its programs go when it leaves the screen', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [softirqsPanel, filetopPanel], intervalMs: 1000 });
  const status = (): string => engine.store.getSnapshot().panels[1]!.status;
  try {
    await engine.open();
    const standby = engine.store.getSnapshot().panels[1]!;
    assert.equal(standby.status, 'standby');
    assert.match(standby.reason!, /only while on screen.*--panels filetop/);
    assert.equal(heldOf('filetop').size, 0, 'nothing of filetop is loaded in standby');
    engine.show('filetop');
    await until(() => status() === 'ok', 'filetop to attach when shown');
    const shown = engine.store.getSnapshot().panels[1]!;
    assert.ok(shown.attachedAt && Date.parse(shown.attachedAt) > 0);
    const loaded = heldOf('filetop');
    assert.ok(loaded.size > 0, "filetop's programs are loaded");
    // Its first interval starts at its own first read, not at the engine's previous tick.
    t.diagnostic(filetopGroundTruth(engine));
    engine.show('softirqs');
    assert.equal(status(), 'standby');
    assert.deepEqual(engine.store.getSnapshot().panels[1]!.rows, [], 'its rows go with it');
    await until(() => [...loaded].every((id) => !kernelBpf().progs.has(id)), `filetop's programs to be unloaded (of ${[...loaded].join(' ')})`);
    // Shown and hidden again at once (a fast Tab through it): nothing stays attached.
    engine.show('filetop');
    engine.show('softirqs');
    await until(() => status() === 'standby', 'standby again');
    await until(() => heldOf('filetop').size === 0, 'nothing of filetop left loaded');
  } finally {
    engine.close();
  }
  // Everything this test loaded is freed (settled fails after 10 s otherwise).
  await settled();
});
