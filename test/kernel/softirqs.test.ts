/** softirqs against ground truth: /proc/softirqs deltas over the same interval, while softirqs are generated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { Engine } from '../../src/engine.js';
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { needsBpf, sleep } from '../helpers/kernel.js';
import { makeSoftirqs, procSoftirqs } from '../helpers/softirqs.js';

test('softirqs: counts match /proc/softirqs deltas within the number of CPUs per vector', async (t) => {
  if (!needsBpf(t)) return;
  const engine = new Engine({ panels: [softirqsPanel], intervalMs: 1000 });
  try {
    await engine.open();
    const panel = engine.store.getSnapshot().panels[0]!;
    assert.equal(panel.status, 'ok', panel.reason ?? '');
    assert.equal(panel.tier, 'tp_btf');
    const before = procSoftirqs();
    engine.tick();
    makeSoftirqs();
    await sleep(200);
    const frame = engine.tick();
    const after = procSoftirqs();
    const rows = frame.panels[0]!.rows as SoftirqsRow[];
    const ncpu = availableParallelism();
    const report: string[] = [];
    for (const row of rows) {
      const truth = (after.get(row.vector) ?? 0) - (before.get(row.vector) ?? 0);
      report.push(`${row.vector}: sixty ${row.count} /proc ${truth}`);
      assert.ok(row.count !== null, row.vector);
      assert.ok(Math.abs(row.count - truth) <= ncpu, `${row.vector}: sixty ${row.count}, /proc/softirqs ${truth} (tolerance ${ncpu})`);
    }
    t.diagnostic(report.join(', '));
    const netRx = rows.find((r) => r.vector === 'net_rx')!;
    assert.ok(netRx.count! > 1000, `the workload raised NET_RX (${netRx.count})`);
    assert.ok(netRx.time_ns! > 0 && netRx.cpu_pct! > 0);
    assert.ok(frame.elapsedNs > 1e8);
  } finally {
    engine.close();
  }
});
