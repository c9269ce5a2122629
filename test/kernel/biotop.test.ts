/**
 * biotop against ground truth, on the tier the ladder picks here: a loop device backed by a file in /dev/shm, O_DIRECT
 * writes and reads of known counts and sizes by processes the test starts (so their pids are known), a discard, and
 * /proc/diskstats for the device over the same window. Every other tier: test/kernel/tiers.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { biotopGroundTruth, withLoopDevice } from '../helpers/ground-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('biotop: exact requests and bytes per process and operation; await within 10 % of diskstats', async (t) => {
  if (!needsBpf(t)) return;
  const want = await expectedTier(biotopPanel);
  // raw_tp_legacy attributes requests at block_rq_insert, which the none scheduler skips: it runs with mq-deadline.
  const legacy = want === 'raw_tp_legacy';
  await withLoopDevice(legacy ? 'mq-deadline' : 'none', async (loop) => {
    const engine = new Engine({ panels: [biotopPanel], intervalMs: 1000 });
    try {
      await settled();
      await engine.open();
      const p = engine.store.getSnapshot().panels[0]!;
      assert.equal(p.status, 'ok', p.reason ?? '');
      assert.equal(p.tier, want, 'the first tier this kernel supports');
      t.diagnostic(await biotopGroundTruth(engine, loop, legacy));
    } finally {
      engine.close();
    }
  });
});
