/**
 * The fallback tiers against the same ground truth as the default one: each tier that attaches on this kernel is
 * forced in turn (the panel with only that tier), so raw_tp and the classic tracepoints are exact too. The classic
 * tier needs tracefs: it is unmounted first, to check that sixty mounts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import { tracefsMounted } from '../../src/kernel/tracefs.js';
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { needsBpf, settled, sleep } from '../helpers/kernel.js';
import { bracketed, checkAgainstProc, makeSoftirqs } from '../helpers/softirqs.js';

function only(def: AnyPanelDef, tier: string): AnyPanelDef {
  return { ...def, tiers: def.tiers.filter((t) => t.name === tier) };
}

async function opened(def: AnyPanelDef): Promise<Engine> {
  const engine = new Engine({ panels: [def], intervalMs: 1000 });
  await engine.open();
  const p = engine.store.getSnapshot().panels[0]!;
  assert.equal(p.status, 'ok', `${def.id}/${def.tiers[0]?.name}: ${p.reason}`);
  assert.equal(p.tier, def.tiers[0]!.name);
  return engine;
}

for (const tier of ['raw_tp', 'tracepoint']) {
  test(`tcptop, tier ${tier}: exact bytes for IPv4, IPv6, sendfile and MSG_PEEK`, async (t) => {
    if (!needsBpf(t)) return;
    if (tier === 'tracepoint' && tracefsMounted()) spawnSync('umount', ['/sys/kernel/tracing']);
    const engine = await opened(only(tcptopPanel, tier));
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
    const engine = await opened(only(softirqsPanel, tier));
    try {
      await settled(2);
      const start = bracketed(() => engine.tick());
      makeSoftirqs();
      await sleep(200);
      const end = bracketed(() => engine.tick());
      const rows = end.value.panels[0]!.rows as SoftirqsRow[];
      const missed = end.value.panels[0]!.stats.bpf_missed_drops ?? 0;
      const tolerance = availableParallelism() + missed;
      t.diagnostic(`tolerance ${tolerance} (missed ${missed})`);
      t.diagnostic(checkAgainstProc(rows, start, end, tolerance).join(', '));
      assert.ok(rows.find((r) => r.vector === 'net_rx')!.count! > 1000, 'the workload raised NET_RX');
    } finally {
      engine.close();
    }
  });
}
