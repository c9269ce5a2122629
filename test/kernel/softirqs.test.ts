/** softirqs against ground truth: /proc/softirqs deltas over the same interval, while softirqs are generated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { softirqsGroundTruth } from '../helpers/softirqs.js';
import { expectedTier } from '../helpers/tiers.js';

test('softirqs: counts match /proc/softirqs deltas (one in flight per CPU, and what the kernel says it skipped)', async (t) => {
  if (!needsBpf(t)) return;
  const engine = new Engine({ panels: [softirqsPanel], intervalMs: 1000 });
  try {
    await engine.open();
    const panel = engine.store.getSnapshot().panels[0]!;
    assert.equal(panel.status, 'ok', panel.reason ?? '');
    assert.equal(panel.tier, await expectedTier(softirqsPanel), 'the first tier this kernel supports');
    await settled(2);
    const { rows, report, missed } = await softirqsGroundTruth(engine);
    t.diagnostic(report.join(', '));
    t.diagnostic(`programs skipped by the kernel (recursion misses) in the interval: ${missed}`);
    const netRx = rows.find((r) => r.vector === 'net_rx')!;
    assert.ok(netRx.count! > 1000, `the workload raised NET_RX (${netRx.count})`);
    assert.ok(netRx.time_ns! > 0 && netRx.cpu_pct! > 0);
  } finally {
    engine.close();
  }
});
