/**
 * The fallback tiers against the same ground truth as the default one: each tier that attaches on this kernel is
 * forced in turn (the panel with only that tier), so raw_tp and the classic tracepoints are exact too. The classic
 * tier needs tracefs: it is unmounted first, to check that sixty mounts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import { tracefsMounted } from '../../src/kernel/tracefs.js';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { withTier } from '../../src/panels/registry.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { softirqsGroundTruth } from '../helpers/softirqs.js';

async function opened(def: AnyPanelDef, tier: string): Promise<Engine> {
  const engine = new Engine({ panels: [withTier(def, tier)], intervalMs: 1000 });
  await engine.open();
  const p = engine.store.getSnapshot().panels[0]!;
  assert.equal(p.status, 'ok', `${def.id}/${tier}: ${p.reason}`);
  assert.equal(p.tier, tier);
  return engine;
}

for (const tier of ['raw_tp', 'tracepoint']) {
  test(`tcptop, tier ${tier}: exact bytes for IPv4, IPv6, sendfile and MSG_PEEK`, async (t) => {
    if (!needsBpf(t)) return;
    if (tier === 'tracepoint' && tracefsMounted()) spawnSync('umount', ['/sys/kernel/tracing']);
    const engine = await opened(tcptopPanel, tier);
    if (tier === 'tracepoint') assert.ok(tracefsMounted(), 'sixty mounted tracefs');
    try {
      await settled(2);
      const workload = JSON.parse(execFileSync('python3', [join(import.meta.dirname, '..', 'fixtures', 'tcp_workload.py')], { encoding: 'utf8' })) as {
        pid: number;
        runs: { client_port: number; server_port: number; up: number; down: number }[];
      };
      const rows = engine.tick().panels[0]!.rows as TcptopRow[];
      const find = (l: number, r: number): TcptopRow | undefined => rows.find((x) => x.pid === workload.pid && x.lport === l && x.rport === r);
      for (const run of workload.runs) {
        const client = find(run.client_port, run.server_port);
        const server = find(run.server_port, run.client_port);
        assert.deepEqual([client?.tx_bytes, client?.rx_bytes, server?.rx_bytes, server?.tx_bytes], [run.up, run.down, run.up, run.down]);
      }
    } finally {
      engine.close();
    }
  });

  test(`softirqs, tier ${tier}: counts match /proc/softirqs`, async (t) => {
    if (!needsBpf(t)) return;
    const engine = await opened(softirqsPanel, tier);
    try {
      await settled(2);
      const { rows, report, missed } = await softirqsGroundTruth(engine);
      t.diagnostic(`recursion misses ${missed}; ${report.join(', ')}`);
      assert.ok(rows.find((r) => r.vector === 'net_rx')!.count! > 1000, 'the workload raised NET_RX');
    } finally {
      engine.close();
    }
  });
}
