/**
 * runqlat against the kernel: the all-CPU row's waits and their total against every task's schedstat (pcount and
 * run_delay) over the same window (test/helpers/procs-truth.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { runqlatPanel } from '../../src/panels/runqlat.js';
import { runqlatGroundTruth } from '../helpers/procs-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('runqlat: the waits counted and their sum agree with every task schedstat over the same window', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [runqlatPanel], intervalMs: 1000, requested: new Set(['runqlat']) });
  try {
    await engine.open();
    const p = engine.store.getSnapshot().panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal(p.tier, await expectedTier(runqlatPanel), 'the first tier this kernel supports');
    t.diagnostic(await runqlatGroundTruth(engine));
  } finally {
    engine.close();
  }
});
