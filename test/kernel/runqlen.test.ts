/**
 * runqlen against ground truth: /proc/stat's procs_running, sampled over the same window, at rest and with busy loops
 * added (test/helpers/ground-truth.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { runqlenPanel } from '../../src/panels/runqlen.js';
import { runqlenGroundTruth } from '../helpers/ground-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('runqlen: CPUs × runnable mean agrees with procs_running; both hold k busy loops, as their schedstat says', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [runqlenPanel], intervalMs: 1000 });
  try {
    await engine.open();
    const p = engine.store.getSnapshot().panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal(p.tier, await expectedTier(runqlenPanel), 'the first tier this kernel supports');
    t.diagnostic(await runqlenGroundTruth(engine));
  } finally {
    engine.close();
  }
});
