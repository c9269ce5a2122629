/**
 * cachetop against ground truth, on the tier the ladder picks here: a process the test starts writes a new 64 MiB file
 * on a disk-backed file system, drops it from the page cache and reads it twice (cold, then warm). Every other tier:
 * test/kernel/tiers.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { cachetopPanel } from '../../src/panels/cachetop.js';
import { cachetopGroundTruth } from '../helpers/ground-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('cachetop: dirtied pages within 2 % of a buffered write; cold read under 10 % hits, warm over 90 %', async (t) => {
  if (!needsBpf(t)) return;
  const want = await expectedTier(cachetopPanel);
  await settled();
  const engine = new Engine({ panels: [cachetopPanel], intervalMs: 1000, requested: new Set(['cachetop']) });
  try {
    await engine.open();
    const p = engine.store.getSnapshot().panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal(p.tier, want, 'the first tier this kernel supports');
    t.diagnostic(await cachetopGroundTruth(engine));
  } finally {
    engine.close();
  }
});
