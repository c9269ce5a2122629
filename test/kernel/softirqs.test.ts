/** softirqs against ground truth: /proc/softirqs deltas over the same interval, while softirqs are generated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { needsBpf, sleep } from '../helpers/kernel.js';

/** Per-vector totals over all CPUs, keyed by the lower-case name. */
function procSoftirqs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync('/proc/softirqs', 'utf8').split('\n').slice(1)) {
    const m = /^\s*([A-Z_]+):\s+(.*)$/.exec(line);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!.trim().split(/\s+/).reduce((s, v) => s + Number(v), 0));
  }
  return out;
}

function makeSoftirqs(): void {
  // NET_RX and NET_TX from loopback traffic, BLOCK from direct I/O, TIMER/SCHED/RCU from the rest.
  spawnSync('python3', ['-c', `
import socket, threading
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
def sink():
    c, _ = s.accept()
    while c.recv(65536): pass
threading.Thread(target=sink).start()
c = socket.create_connection(s.getsockname())
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(20000): c.send(b'x' * 100)
c.close()
`]);
  const file = join(process.cwd(), `.softirqs-test-${process.pid}`);
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4k', 'count=256', 'oflag=direct,sync'], { stdio: 'ignore' });
  } finally {
    execFileSync('rm', ['-f', file]);
  }
}

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
