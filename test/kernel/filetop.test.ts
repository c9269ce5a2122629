/**
 * filetop against ground truth, on the tier the ladder picks here: known calls and bytes through all ten read/write
 * system calls to two named files, a pipe and a socket pair (test/helpers/ground-truth.ts). And its observation
 * budget: unless asked for, it is attached only while on screen. Every other tier: test/kernel/tiers.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { filetopGroundTruth } from '../helpers/ground-truth.js';
import { bpfIds, needsBpf, settled, until, waitForBaseline } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('filetop: exact calls and bytes per process and file, with full paths, pipes and sockets', async (t) => {
  if (!needsBpf(t)) return;
  await settled(0);
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

test('filetop attaches only while on screen, unless asked for; its programs go when it leaves the screen', async (t) => {
  if (!needsBpf(t)) return;
  await settled(0);
  const base = bpfIds();
  const engine = new Engine({ panels: [softirqsPanel, filetopPanel], intervalMs: 1000 });
  const status = (): string => engine.store.getSnapshot().panels[1]!.status;
  try {
    await engine.open();
    const standby = engine.store.getSnapshot().panels[1]!;
    assert.equal(standby.status, 'standby');
    assert.match(standby.reason!, /only while on screen.*--panels filetop/);
    const softirqsOnly = bpfIds().progs.size;
    engine.show('filetop');
    await until(() => status() === 'ok', 'filetop to attach when shown');
    const shown = engine.store.getSnapshot().panels[1]!;
    assert.ok(shown.attachedAt && Date.parse(shown.attachedAt) > 0);
    assert.ok(bpfIds().progs.size > softirqsOnly, "filetop's programs are loaded");
    // Its first interval starts at its own first read, not at the engine's previous tick.
    t.diagnostic(filetopGroundTruth(engine));
    engine.show('softirqs');
    assert.equal(status(), 'standby');
    assert.deepEqual(engine.store.getSnapshot().panels[1]!.rows, [], 'its rows go with it');
    await until(() => bpfIds().progs.size === softirqsOnly, "filetop's programs to be unloaded");
    // Shown and hidden again at once (a fast Tab through it): nothing stays attached.
    engine.show('filetop');
    engine.show('softirqs');
    await until(() => status() === 'standby', 'standby again');
    await until(() => bpfIds().progs.size === softirqsOnly, 'nothing of filetop left loaded');
  } finally {
    engine.close();
  }
  const left = await waitForBaseline(base);
  assert.deepEqual(left, { progs: [], links: [] });
});
