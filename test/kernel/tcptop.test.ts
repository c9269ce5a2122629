/**
 * tcptop against ground truth: a Python workload moves known byte counts over 127.0.0.1 and ::1 (send and
 * sendfile, with a MSG_PEEK that must not count) while `sixty --batch --format json` runs; the bytes summed over
 * its frames must match exactly on both ends of every connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { AttachProber } from '../../src/kernel/attach-types.js';
import { loadAddon } from '../../src/native.js';
import { createTcptopReader, tcptopPanel } from '../../src/panels/tcptop.js';
import { bpfObjectPath } from '../../src/paths.js';
import { resolveLayout } from '../../src/records/layout.js';
import { TCPTOP_RECORDS } from '../../src/records/tcptop.js';
import type { BpfSource } from '../../src/panels/types.js';
import { lines, needsBpf, settled, sleep, spawnCli } from '../helpers/kernel.js';

const source = tcptopPanel.source as BpfSource<unknown>;

interface Run {
  family: 'IPv4' | 'IPv6';
  client_port: number;
  server_port: number;
  up: number;
  down: number;
  client_rx: number;
  server_rx: number;
  peeked: number;
  sendfile: boolean;
}

test('tcptop: exact bytes on both ends, IPv4 and IPv6, send and sendfile, MSG_PEEK left out', async (t) => {
  if (!needsBpf(t)) return;
  // The tier must be the first whose attach types pass their trial on this kernel.
  const prober = new AttachProber(loadAddon());
  let expectedTier = '';
  for (const tier of source.tiers) {
    if ((await Promise.all(tier.types.map((ty) => prober.probe(ty)))).every((r) => r.ok)) {
      expectedTier = tier.name;
      break;
    }
  }

  await settled(0);
  const child = spawnCli(['--batch', '--format', 'json', '--interval', '0.25', '--panels', 'tcptop']);
  const out = lines(child);
  try {
    await out.first;
    const workload = JSON.parse(
      execFileSync('python3', [join(import.meta.dirname, '..', 'fixtures', 'tcp_workload.py')], { encoding: 'utf8' }),
    ) as { pid: number; runs: Run[] };
    // Every byte is in a frame once two frames have started after the workload ended (the first may have begun
    // reading before the end): wait for them however long they take, then stop.
    const seen = out.all.length;
    while (out.all.length < seen + 2) await sleep(50);
    child.kill('SIGTERM');
    await out.exit;

    const frames = out.all.map((l) => JSON.parse(l) as { panels: { tcptop: { status: string; tier: string; rows: TcptopRow[]; stats: Record<string, number> } } });
    const totals = new Map<string, { rx: number; tx: number; family: string; comm: string; laddr: string; raddr: string }>();
    for (const f of frames) {
      const p = f.panels.tcptop;
      assert.equal(p.status, 'ok');
      assert.equal(p.tier, expectedTier);
      assert.equal(p.stats.map_full_drops, 0);
      for (const r of p.rows) {
        if (r.pid !== workload.pid) continue;
        const k = `${r.lport}>${r.rport}`;
        const cur = totals.get(k) ?? { rx: 0, tx: 0, family: r.family, comm: r.comm, laddr: r.laddr, raddr: r.raddr };
        cur.rx += r.rx_bytes ?? Number.NaN;
        cur.tx += r.tx_bytes ?? Number.NaN;
        totals.set(k, cur);
      }
    }
    const report: string[] = [];
    for (const run of workload.runs) {
      assert.equal(run.server_rx, run.up);
      assert.equal(run.client_rx, run.down);
      const client = totals.get(`${run.client_port}>${run.server_port}`);
      const server = totals.get(`${run.server_port}>${run.client_port}`);
      const name = `${run.family}${run.sendfile ? ' sendfile' : ''}${run.peeked ? ' peek' : ''}`;
      assert.ok(client && server, `${name}: both ends have rows`);
      report.push(`${name}: client tx ${client.tx}/${run.up} rx ${client.rx}/${run.down}, server rx ${server.rx}/${run.up} tx ${server.tx}/${run.down}`);
      assert.deepEqual({ tx: client.tx, rx: client.rx }, { tx: run.up, rx: run.down }, `${name}: client`);
      assert.deepEqual({ tx: server.tx, rx: server.rx }, { tx: run.down, rx: run.up }, `${name}: server`);
      assert.equal(client.family, run.family);
      assert.equal(client.comm, 'python3');
      assert.equal(client.laddr, run.family === 'IPv4' ? '127.0.0.1' : '::1');
      assert.equal(server.raddr, run.family === 'IPv4' ? '127.0.0.1' : '::1');
    }
    t.diagnostic(report.join('; '));
  } finally {
    child.kill('SIGKILL');
  }
});

test('tcptop: a full map counts the events it could not hold, and the panel shows them', async (t) => {
  if (!needsBpf(t)) return;
  const tier = source.tiers.find((x) => x.name === 'tp_btf')!;
  const obj = await loadAddon().load(bpfObjectPath('tcptop'), [...tier.programs], { mapSizes: { tcptop_conns: 2 } });
  try {
    obj.attach();
    const read = createTcptopReader(obj, {
      key: resolveLayout(TCPTOP_RECORDS.key, obj.layout('tcptop_key')),
      val: resolveLayout(TCPTOP_RECORDS.val, obj.layout('tcptop_val')),
      stat: resolveLayout(TCPTOP_RECORDS.stat, obj.layout('tcptop_stats_val')),
    });
    const before = read();
    // Four connections, both ends in this process: eight entries wanted, room for two.
    execFileSync('python3', ['-c', `
import socket
for i in range(4):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
    c = socket.create_connection(s.getsockname()); a, _ = s.accept()
    c.sendall(b'x' * 1000); a.recv(1000); a.sendall(b'y' * 10); c.recv(10)
    c.close(); a.close(); s.close()
`]);
    const after = read();
    const stats = tcptopPanel.stats(after, before);
    assert.equal(after.entries, 2);
    assert.ok(stats.map_full_drops! >= 10, `drops counted: ${stats.map_full_drops}`);
    const { statusLine } = await import('../../views/text.js');
    const line = statusLine(tcptopPanel, { id: 'tcptop', status: 'ok', tier: 'tp_btf', hooks: tier.hooks, reason: null, attempts: [], rows: [], summary: { text: '', values: {} }, stats, history: {} });
    assert.match(line, new RegExp(`map full drops: ${stats.map_full_drops}`));
  } finally {
    obj.close();
  }
});
