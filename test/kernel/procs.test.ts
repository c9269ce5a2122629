/**
 * The process panel against ground truth (test/helpers/procs-truth.ts): busy loops' CPU and pinned loops' waits
 * against their own /proc/PID/schedstat, a known allocation's RSS, and a burst of short processes' CPU and statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { procsPanel } from '../../src/panels/procs.js';
import { procsGroundTruth } from '../helpers/procs-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('procs: CPU and run-queue waits agree with schedstat, RSS with a known allocation, ended processes with what they burned', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [procsPanel], intervalMs: 1000 });
  try {
    await engine.open();
    const p = engine.store.getSnapshot().panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal(p.tier, await expectedTier(procsPanel), 'the first tier this kernel supports');
    t.diagnostic(await procsGroundTruth(engine));
  } finally {
    engine.close();
  }
});
