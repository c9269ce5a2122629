import { test } from 'node:test';
import { cgroupsPanel } from '../../src/panels/cgroups.js';
import { cgroupSamples, DOCKER_ID } from '../helpers/cgroup-samples.js';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/paths.js';
import { MetricsState, NAME_IDLE_NS, OTHER, type Family, type HistogramSample, type Sample } from '../../src/metrics/families.js';
import { MAX_CONNECTIONS, MAX_PIPELINED, MetricsEndpoint } from '../../src/metrics/server.js';
import { UserError } from '../../src/errors.js';
import { PANELS } from '../../src/panels/registry.js';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { EMPTY_SUMMARY } from '../../src/frame.js';

const S = 1e9;
function panel(id: string, rows: object[], stats: Record<string, number> = {}, status: PanelFrame['status'] = 'ok'): PanelFrame {
  return {
    id,
    status,
    tier: 'tp_btf',
    hooks: null,
    reason: null,
    attempts: [],
    attachedAt: null,
    rows: rows as PanelFrame['rows'],
    summary: EMPTY_SUMMARY,
    stats,
    history: {},
  };
}
let clock = Date.parse('2026-12-01T12:00:00Z');
function frame(panels: PanelFrame[], elapsedNs = S, self = { cpuPct: 2, rssBytes: 90e6 }): Frame {
  clock += elapsedNs / 1e6;
  return { time: new Date(clock).toISOString(), elapsedNs, panels, self };
}
const fam = (st: MetricsState, key: string): Family => st.family(key);
const value = (st: MetricsState, key: string, labels: Record<string, string>): number | undefined =>
  (fam(st, key).samples as Sample[]).find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
const tcp = (comm: string, rx: number, tx: number) => ({ id: comm, pid: 1, comm, rx_bytes: rx, tx_bytes: tx });

test('tcptop: bytes per process name are summed over frames; what the listing left out is counted as other', () => {
  const st = new MetricsState(PANELS, 20);
  st.update(frame([panel('tcptop', [tcp('nginx', 100, 1000), tcp('nginx', 5, 50), tcp('curl', 7, 0)], { rx_bytes: 112 + 9, tx_bytes: 1050 + 3 })]));
  st.update(frame([panel('tcptop', [tcp('nginx', 1, 2)], { rx_bytes: 1, tx_bytes: 2 })]));
  assert.equal(value(st, 'tcptop.rx', { comm: 'nginx' }), 106);
  assert.equal(value(st, 'tcptop.tx', { comm: 'nginx' }), 1052);
  assert.equal(value(st, 'tcptop.rx', { comm: 'curl' }), 7);
  assert.equal(value(st, 'tcptop.rx', { comm: OTHER }), 9, 'beyond the 2000 listed: in the totals, not the rows');
  assert.equal(value(st, 'tcptop.tx', { comm: OTHER }), 3);
  assert.equal(value(st, 'frames', {}), 2);
  assert.equal(value(st, 'cpu', {}), 0.04, '2 % of a core for two seconds');
});

test('tcptop and filetop: per-process totals over every key (not only the listed rows) when the panel gives them', () => {
  const st = new MetricsState(PANELS, 20);
  const listed = [tcp('nginx', 10, 10)];
  const tp = {
    ...panel('tcptop', listed, { rx_bytes: 5000, tx_bytes: 7000 }),
    byProcess: [
      { comm: 'nginx', values: { rx_bytes: 4990, tx_bytes: 6990 } },
      { comm: 'curl', values: { rx_bytes: 10, tx_bytes: 10 } },
    ],
  };
  const fp = {
    ...panel('filetop', [], { reads: 9, writes: 0, read_bytes: 900, write_bytes: 0 }),
    byProcess: [
      { comm: 'cat', type: 'R', values: { reads: 8, writes: 0, read_bytes: 800, write_bytes: 0 } },
      { comm: 'cat', type: 'S', values: { reads: 1, writes: 0, read_bytes: 100, write_bytes: 0 } },
    ],
  };
  st.update(frame([tp, fp]));
  assert.equal(value(st, 'tcptop.rx', { comm: 'nginx' }), 4990, 'all of nginx, not its listed row');
  assert.equal(value(st, 'tcptop.tx', { comm: 'curl' }), 10);
  assert.equal(value(st, 'tcptop.rx', { comm: OTHER }), undefined, 'nothing left over');
  assert.equal(value(st, 'filetop.readBytes', { comm: 'cat', type: 'regular' }), 800);
  assert.equal(value(st, 'filetop.reads', { comm: 'cat', type: 'socket' }), 1);
});

test('process names are capped at the top N; a name quiet for 10 minutes gives its place (and its series) to another', () => {
  const st = new MetricsState(PANELS, 2);
  st.update(frame([panel('tcptop', [tcp('a', 300, 0), tcp('b', 200, 0), tcp('c', 100, 0)], { rx_bytes: 600, tx_bytes: 0 })]));
  assert.deepEqual((fam(st, 'tcptop.rx').samples as Sample[]).map((s) => [s.labels.comm, s.value]).sort(), [
    [OTHER, 100],
    ['a', 300],
    ['b', 200],
  ]);
  // A fork storm of new names: still two names and other.
  st.update(
    frame([
      panel(
        'tcptop',
        Array.from({ length: 500 }, (_, i) => tcp(`w${i}`, 1, 0)),
        { rx_bytes: 500, tx_bytes: 0 },
      ),
    ]),
  );
  assert.equal(fam(st, 'tcptop.rx').samples.length, 3);
  assert.equal(value(st, 'tcptop.rx', { comm: OTHER }), 600);
  // b stays busy; a is quiet for 10 minutes of frames, then c gets its place.
  for (let t = 0; t < NAME_IDLE_NS / (60 * S); t++) st.update(frame([panel('tcptop', [tcp('b', 1, 0)], { rx_bytes: 1, tx_bytes: 0 })], 60 * S));
  st.update(frame([panel('tcptop', [tcp('c', 50, 0), tcp('b', 1, 0)], { rx_bytes: 51, tx_bytes: 0 })]));
  assert.equal(value(st, 'tcptop.rx', { comm: 'a' }), undefined, 'a left');
  assert.equal(value(st, 'tcptop.rx', { comm: 'c' }), 50);
  assert.equal(value(st, 'tcptop.rx', { comm: 'b' }), 200 + 10 + 1);
});

test('softirqs per vector and CPU; runqlen a real histogram per CPU; biotop latency buckets from log2 slots', () => {
  const st = new MetricsState(PANELS);
  const hist = Array.from({ length: 32 }, () => 0);
  hist[0] = 90;
  hist[2] = 6;
  hist[5] = 3;
  const lat = Array.from({ length: 40 }, () => 0);
  lat[9] = 4; // 512–1023 ns: under 1.024 µs
  lat[10] = 2; // 1024–2047 ns: above 1.024 µs, under 4.096 µs
  lat[20] = 1; // about 1 ms
  st.update(
    frame([
      panel('softirqs', [{ id: 'net_rx', vector: 'net_rx', count: 30, time_ns: 3000, cpu_counts: [10, 20], cpu_time_ns: [1000, 2000] }]),
      panel('runqlen', [
        { id: 'cpu0', cpu: 0, samples: 99, hist, occupancy_pct: 9.09 },
        { id: 'all', cpu: 'all', samples: 99, hist },
      ]),
      panel('biotop', [{ id: 'x', disk: 'vda', op: 'read', io: 7, bytes: 28672, avg_lat_ns: 1000, lat_hist: lat }]),
    ]),
  );
  assert.equal(value(st, 'softirqs.count', { vector: 'net_rx', cpu: '1' }), 20);
  assert.equal(value(st, 'softirqs.seconds', { vector: 'net_rx', cpu: '0' }), 1e-6);
  const rq = fam(st, 'runqlen.length').samples as HistogramSample[];
  assert.equal(rq.length, 1, 'per CPU, not the all row');
  assert.deepEqual(rq[0]!.labels, { cpu: '0' });
  assert.deepEqual(
    rq[0]!.buckets.map((b) => [b.le, b.count]),
    [
      [0, 90],
      [1, 90],
      [2, 96],
      [3, 96],
      [4, 96],
      [6, 99],
      [8, 99],
      [12, 99],
      [16, 99],
      [24, 99],
    ],
  );
  assert.equal(rq[0]!.count, 99);
  assert.equal(rq[0]!.sum, 2 * 6 + 5 * 3);
  assert.equal(value(st, 'runqlen.occupancy', { cpu: '0' }), 0.0909);
  const d = (fam(st, 'biotop.latency').samples as HistogramSample[])[0]!;
  assert.deepEqual(d.labels, { disk: 'vda', op: 'read' });
  assert.equal(d.buckets[0]!.le, 1.024e-6);
  assert.deepEqual(
    d.buckets.slice(0, 2).map((b) => b.count),
    [4, 6],
  );
  assert.equal(d.buckets.at(-1)!.count, 7);
  assert.equal(d.count, 7);
  assert.equal(d.sum, 7e-6);
  assert.equal(value(st, 'biotop.bytes', { disk: 'vda', op: 'read' }), 28672);
});

test('panel status, tier and drop counters; a panel in error adds no rows', () => {
  const st = new MetricsState(PANELS);
  st.update(
    frame([
      panel('tcptop', [tcp('x', 5, 5)], { map_full_drops_total: 3, lru_evicted_total: 12, bpf_missed_drops_total: 1, rx_bytes: 5, tx_bytes: 5 }),
      panel('biotop', [{ disk: 'vda', op: 'read', io: 1 }], {}, 'error'),
    ]),
  );
  assert.equal(value(st, 'panelUp', { panel: 'tcptop' }), 1);
  assert.equal(value(st, 'panelUp', { panel: 'biotop' }), 0);
  assert.equal(value(st, 'panelInfo', { panel: 'biotop', status: 'error', tier: 'tp_btf' }), 1);
  assert.equal(value(st, 'dropped', { panel: 'tcptop', reason: 'map_full_drops' }), 3);
  assert.equal(value(st, 'dropped', { panel: 'tcptop', reason: 'lru_evicted' }), 12);
  assert.equal(value(st, 'dropped', { panel: 'tcptop', reason: 'bpf_missed_drops' }), 1);
  assert.equal(fam(st, 'biotop.ios').samples.length, 0);
});

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function get(port: number, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the endpoint: Prometheus text by default, OpenMetrics when asked; one formatting per frame, however many scrape', async () => {
  const ep = await MetricsEndpoint.listen({ host: '127.0.0.1', port: 0 }, PANELS, 20);
  try {
    const port = Number(ep.address.split(':').pop());
    ep.update(frame([panel('tcptop', [tcp('nginx', 100, 1000)], { rx_bytes: 100, tx_bytes: 1000 }), panel('runqlen', [{ cpu: 0, samples: 2, hist: [1, 1] }])]));
    const p = await get(port);
    assert.equal(p.status, 200);
    assert.match(p.type, /^text\/plain; version=0\.0\.4/);
    assert.match(p.body, /^# HELP sixty_tcp_sent_bytes_total .+\n# TYPE sixty_tcp_sent_bytes_total counter\nsixty_tcp_sent_bytes_total\{comm="nginx"\} 1000$/m);
    assert.match(p.body, /^sixty_runqueue_length_bucket\{cpu="0",le="0"\} 1$/m);
    assert.match(p.body, /^sixty_runqueue_length_bucket\{cpu="0",le="\+Inf"\} 2$/m);
    assert.match(p.body, /^sixty_runqueue_length_count\{cpu="0"\} 2$/m);
    const om = await get(port, { Accept: 'application/openmetrics-text; version=1.0.0' });
    assert.match(om.type, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.match(om.body, /^# TYPE sixty_tcp_sent_bytes counter\nsixty_tcp_sent_bytes_total\{comm="nginx"\} 1000$/m);
    assert.ok(om.body.endsWith('# EOF\n'));
    // After an OpenMetrics scrape the Prometheus names are unchanged (the registries do not share metric objects).
    assert.match((await get(port)).body, /^# TYPE sixty_tcp_sent_bytes_total counter$/m);
    const before = ep.served.formats;
    const many = await Promise.all(Array.from({ length: 200 }, () => get(port)));
    assert.ok(
      many.every((r) => r.status === 200 && r.body === many[0]!.body),
      '200 concurrent scrapes, all served, the same frame',
    );
    assert.equal(ep.served.formats, before, 'formatted once for that frame, not 200 times');
    ep.update(frame([panel('tcptop', [tcp('nginx', 1, 1)], { rx_bytes: 1, tx_bytes: 1 })]));
    assert.match((await get(port)).body, /sixty_tcp_sent_bytes_total\{comm="nginx"\} 1001/);
  } finally {
    ep.close();
  }
});

test('the endpoint under hostile clients: a 1 MB request line, more connections than allowed, a port in use', async () => {
  const ep = await MetricsEndpoint.listen({ host: '127.0.0.1', port: 0 }, PANELS, 20);
  const held: Socket[] = [];
  try {
    const port = Number(ep.address.split(':').pop());
    ep.update(frame([]));
    // A 1 MB request line: refused with 400 (or the connection closed) without reading it all.
    const reply = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.write(`GET /${'a'.repeat(1 << 20)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    assert.ok(reply === '' || /^HTTP\/1\.1 4\d\d/.test(reply), reply.slice(0, 80));
    // More connections than allowed, held open and idle: the oldest make room for the newcomers at once, and a scrape
    // while they are all held is served (it takes the place of the oldest idle one).
    const closed: boolean[] = [];
    const open = (): Promise<void> =>
      new Promise((r) => {
        const i = held.length;
        const s = connect(port, '127.0.0.1', () => r());
        held.push(s);
        closed[i] = false;
        s.on('error', () => {});
        s.on('data', () => {});
        s.on('close', () => (closed[i] = true));
      });
    for (let i = 0; i < 20; i++) await open(); // the oldest, admitted first
    await new Promise((r) => setTimeout(r, 50)); // and accepted
    await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
    await until(() => closed.slice(0, 20).every(Boolean), 'the 20 oldest closed to make room');
    assert.equal(ep.served.evicted, 20);
    assert.equal(closed.filter(Boolean).length, 20, 'only the 20 oldest were closed');
    assert.equal((await get(port)).status, 200, 'a scrape with the endpoint full of idle connections');
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await get(port)).status, 200);
    // The same port again: one line, exit status 2.
    await assert.rejects(
      MetricsEndpoint.listen({ host: '127.0.0.1', port }, PANELS, 20),
      (e: unknown) => e instanceof UserError && e.exitCode === 2 && /127\.0\.0\.1:\d+: the port is in use$/.test(e.message),
    );
    await assert.rejects(
      MetricsEndpoint.listen({ host: '192.0.2.1', port: 9 }, PANELS, 20),
      (e: unknown) => e instanceof UserError && /no such address on this host/.test(e.message),
    );
  } finally {
    for (const s of held) s.destroy();
    ep.close();
  }
});

test('the endpoint under pipelining: a few requests at once are answered in order; a flood that does not read is closed', async (t) => {
  const ep = await MetricsEndpoint.listen({ host: '127.0.0.1', port: 0 }, PANELS, 20);
  const held: Socket[] = [];
  try {
    const port = Number(ep.address.split(':').pop());
    ep.update(frame([panel('tcptop', [tcp('nginx', 100, 1000)], { rx_bytes: 100, tx_bytes: 1000 })]));
    // MAX_PIPELINED requests in one write, read as they come: every answer, in order.
    const paths = ['/metrics', '/nope', '/', '/metrics'].slice(0, MAX_PIPELINED);
    const replies = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      held.push(s);
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if ((got.match(/^HTTP\/1\.1 /gm) ?? []).length === paths.length && got.endsWith('\n')) resolve(got);
      });
      s.on('error', reject);
      s.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    });
    assert.deepEqual(replies.match(/^HTTP\/1\.1 \d+/gm), ['HTTP/1.1 200', 'HTTP/1.1 404', 'HTTP/1.1 200', 'HTTP/1.1 200'].slice(0, MAX_PIPELINED));
    // 1000 pipelined requests from each of 50 clients that never read: each is closed, at most MAX_PIPELINED of its
    // requests answered (none when its requests come in one chunk: it is closed before they are parsed), and a scrape
    // meanwhile is answered.
    const scrapes = ep.served.scrapes;
    const flood = Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(1000));
    for (let i = 0; i < 50; i++) {
      const s = connect(port, '127.0.0.1', () => s.write(flood));
      s.pause();
      s.on('error', () => {});
      held.push(s);
    }
    await until(() => ep.served.flooded === 50, 'the 50 flooding clients closed');
    assert.ok(ep.served.scrapes - scrapes <= 50 * MAX_PIPELINED, `${ep.served.scrapes - scrapes} flood requests answered`);
    t.diagnostic(`flood requests answered: ${ep.served.scrapes - scrapes} of 50,000`);
    assert.equal((await get(port)).status, 200);
  } finally {
    for (const s of held) s.destroy();
    ep.close();
  }
});

test('docs/prometheus.md lists every metric with its help, as served', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'prometheus.md'), 'utf8');
  for (const f of new MetricsState(PANELS).families()) {
    assert.ok(doc.includes(`| ${f.name} | ${f.help} |`), `${f.name}: its help in the doc`);
    assert.match(doc, new RegExp(`^\\| ${f.name} \\| ${f.type} \\|`, 'm'), `${f.name}: its type and cardinality in the doc`);
  }
});

test('a process named like the rest\'s label is itself: "other" gets its own series, apart from the processes beyond the top', () => {
  const st = new MetricsState(PANELS, 2);
  st.update(frame([panel('tcptop', [tcp('other', 300, 0), tcp('b', 200, 0), tcp('c', 100, 0)], { rx_bytes: 600, tx_bytes: 0 })]));
  assert.equal(value(st, 'tcptop.rx', { comm: 'other' }), 300);
  assert.equal(value(st, 'tcptop.rx', { comm: OTHER }), 100);
});

test('cgroups: the busiest cgroups by CPU each have their seconds of CPU, throttling and pressure, and their memory; the rest none', () => {
  const [a, b] = cgroupSamples().slice(1);
  const rows = cgroupsPanel.derive(b!, a!, 1e9);
  const stats = cgroupsPanel.stats(b!, a!);
  const st = new MetricsState(PANELS, 3);
  st.update(frame([panel(cgroupsPanel.id, rows, stats)]));
  const batch = { cgroup: '/system.slice/batch.service', workload: 'batch.service' };
  // The three busiest by CPU, the root left out: system.slice (90 %), the container (45 %), the pod slice (30 %)…
  assert.equal(value(st, 'cgroups.cpu', { cgroup: '/system.slice', workload: 'system.slice' }), 0.9);
  assert.equal(value(st, 'cgroups.memory', { cgroup: `/system.slice/docker-${DOCKER_ID}.scope`, workload: 'docker:web' }), 900 * 1048576);
  // …and not batch.service (25 %): no series at all, rather than an "other" that would count it twice.
  assert.equal(value(st, 'cgroups.cpu', batch), undefined);
  assert.equal(
    (fam(st, 'cgroups.cpu').samples as Sample[]).some((s) => s.labels.cgroup === '/'),
    false,
  );
  const wide = new MetricsState(PANELS, 20);
  wide.update(frame([panel(cgroupsPanel.id, rows, stats)]));
  assert.ok(Math.abs(value(wide, 'cgroups.cpu', batch)! - 0.25) < 1e-9);
  assert.ok(Math.abs(value(wide, 'cgroups.throttled', batch)! - 0.42) < 1e-9);
  assert.ok(Math.abs(value(wide, 'cgroups.stalled', { ...batch, resource: 'memory', kind: 'full' })! - 0.2) < 1e-9);
});
