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
    await settled();
    const { rows, report, missed } = await softirqsGroundTruth(engine);
    t.diagnostic(report.join(', '));
    t.diagnostic(`programs skipped by the kernel (recursion misses) in the interval: ${missed}`);
    const netRx = rows.find((r) => r.vector === 'net_rx')!;
    // The workload's 20,000 sends raise NET_RX once per batch of packets the loopback backlog takes in one run: fewer
    // runs the busier the host (982 in the 6.1 guest beside a loaded host, 7944 here when quiet, under 100 beside two
    // busy loops). What matters is that the vector was exercised; the comparison with /proc/softirqs above is the
    // exact part.
    assert.ok(netRx.count! > 0, `the workload raised NET_RX (${netRx.count})`);
    assert.ok(netRx.time_ns! > 0 && netRx.cpu_pct! > 0);
  } finally {
    engine.close();
  }
});

test('in-kernel cost: with kernel.bpf_stats_enabled, two program runs per softirq counted (entry and exit), and their time', async (t) => {
  if (!needsBpf(t)) return;
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { onlineCpus } = await import('../../src/kernel/cpus.js');
  const knob = '/proc/sys/kernel/bpf_stats_enabled';
  const before = readFileSync(knob, 'utf8').trim();
  writeFileSync(knob, '1');
  const engine = new Engine({ panels: [softirqsPanel], intervalMs: 1000 });
  try {
    await engine.open();
    await settled();
    engine.tick();
    await new Promise((r) => setTimeout(r, 1000));
    const f = engine.tick();
    const p = f.panels[0]!;
    const count = (p.rows as unknown as { count: number | null }[]).reduce((s, r) => s + (r.count ?? 0), 0);
    const runs = p.stats.bpf_runs!;
    const ns = p.stats.bpf_run_ns!;
    t.diagnostic(`${count} softirqs, ${runs} program runs, ${ns} ns in the kernel (${(ns / runs).toFixed(0)} ns a run)`);
    assert.ok(count > 10, `softirqs happened (${count})`);
    // Both are read at nearly the same moment: a softirq in flight on each CPU, and those between the two reads, differ.
    const slack = 0.05 * 2 * count + 4 * onlineCpus() + 10;
    assert.ok(Math.abs(runs - 2 * count) <= slack, `runs ${runs} vs 2 × ${count} softirqs (± ${slack.toFixed(0)})`);
    assert.ok(ns / runs > 10 && ns / runs < 100_000, `${ns / runs} ns a run`);
  } finally {
    engine.close();
    writeFileSync(knob, before);
  }
});
