/** softirqs against ground truth: /proc/softirqs deltas over the same interval, while softirqs are generated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { Engine } from '../../src/engine.js';
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { needsBpf, settled, sleep } from '../helpers/kernel.js';
import { bracketed, checkAgainstProc, makeSoftirqs } from '../helpers/softirqs.js';

test('softirqs: counts match /proc/softirqs deltas within the number of CPUs per vector', async (t) => {
  if (!needsBpf(t)) return;
  const engine = new Engine({ panels: [softirqsPanel], intervalMs: 1000 });
  try {
    await engine.open();
    const panel = engine.store.getSnapshot().panels[0]!;
    assert.equal(panel.status, 'ok', panel.reason ?? '');
    assert.equal(panel.tier, 'tp_btf');
    await settled(2);
    const start = bracketed(() => engine.tick());
    makeSoftirqs();
    await sleep(200);
    const end = bracketed(() => engine.tick());
    const frame = end.value;
    const rows = frame.panels[0]!.rows as SoftirqsRow[];
    t.diagnostic(checkAgainstProc(rows, start, end, availableParallelism()).join(', '));
    t.diagnostic(`programs skipped by the kernel (recursion misses) in the interval: ${frame.panels[0]!.stats.bpf_missed_drops}`);
    const netRx = rows.find((r) => r.vector === 'net_rx')!;
    assert.ok(netRx.count! > 1000, `the workload raised NET_RX (${netRx.count})`);
    assert.ok(netRx.time_ns! > 0 && netRx.cpu_pct! > 0);
    assert.ok(frame.elapsedNs > 1e8);
  } finally {
    engine.close();
  }
});
