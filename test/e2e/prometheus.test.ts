/**
 * A real Prometheus scrapes sixty. sixty runs with --serve; Prometheus (Debian's, from scripts/test-tools.sh) scrapes it
 * every second; a known TCP workload moves N bytes each way under a process name of its own, and Prometheus's HTTP
 * API must then give exactly N for that name's sent and received counters. promtool accepts the exposition, and the
 * three queries of docs/prometheus.md run, the checklist's verdicts are there for every step, and every query of the Grafana
 * dashboard (docs/grafana/sixty-checklist.json) runs, its checklist panels with data. Bad input: a port in use and a bad address are one line and exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../src/paths.js';
import { STEP_IDS } from '../../src/models/checklist.js';
import { AS_NOBODY, lines, needsBpf, scaled, sleep, spawnCli, freePort } from '../helpers/kernel.js';

const N = 3_000_017; // bytes each way: odd, so a count off by a segment shows

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function query(promPort: number, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
  const j = (await r.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  assert.equal(j.status, 'success', `${q}: ${j.error ?? ''}`);
  return j.data.result;
}

test('a real Prometheus scrapes sixty --serve and finds the bytes moved, to the byte', async (t) => {
  if (!needsBpf(t)) return;
  const bin = execFileSync('bash', [join(ROOT, 'scripts', 'test-tools.sh')], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'sixty-prom-'));
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    const child = spawnCli(['--serve', '--metrics-listen', `127.0.0.1:${port}`, '--panels', 'home,tcptop,softirqs,runqlen,runqlat,biotop', '--interval', '1']);
    children.push(child);
    const sixty = lines(child);
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const first = await waitFor(
      'sixty to serve a frame',
      async () => {
        const r = await fetch(metricsUrl);
        const text = await r.text();
        return /^sixty_frames_total [1-9]/m.test(text) ? text : undefined;
      },
      scaled(20_000),
    );
    assert.match(sixty.stderr(), new RegExp(`^sixty: serving metrics on http://127\\.0\\.0\\.1:${port}/metrics$`, 'm'));
    // promtool's lint of the exposition.
    const check = spawnSync(join(bin, 'promtool'), ['check', 'metrics'], { input: first, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);

    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: sixty\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    );
    const prom = spawn(
      join(bin, 'prometheus'),
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(prom);
    let promErr = '';
    prom.stderr!.on('data', (d: Buffer) => (promErr = (promErr + d.toString()).slice(-4000)));
    await waitFor(
      'Prometheus to scrape sixty',
      async () => ((await query(promPort, 'up{job="sixty"}'))[0]?.value[1] === '1' ? true : undefined),
      scaled(30_000),
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\nprometheus: ${promErr}`);
    });

    // The workload: N bytes each way over 127.0.0.1, in one process named for this test.
    const comm = `sxprom${process.pid % 100000}`;
    const py = `import socket, threading
open('/proc/self/comm', 'w').write(${JSON.stringify(comm)})
n = ${N}
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
def echo():
    left = n
    while left:
        b = a.recv(min(65536, left)); a.sendall(b); left -= len(b)
threading.Thread(target=echo).start()
buf = bytes(n); c.sendall(buf)
got = 0
while got < n: got += len(c.recv(65536))
c.close(); a.close()
print(got)`;
    const w = spawnSync('python3', ['-c', py], { encoding: 'utf8', timeout: scaled(30_000) });
    assert.equal(w.stdout.trim(), String(N), w.stderr);
    // Each side of the connection sent N and received N: 2N each way for the process name.
    const want = String(2 * N);
    const got = await waitFor(
      'Prometheus to hold the bytes moved',
      async () => {
        const sent = (await query(promPort, `sixty_tcp_sent_bytes_total{comm="${comm}"}`))[0]?.value[1];
        const received = (await query(promPort, `sixty_tcp_received_bytes_total{comm="${comm}"}`))[0]?.value[1];
        return sent === want && received === want ? { sent, received } : undefined;
      },
      scaled(30_000),
    ).catch(async (e: unknown) => {
      const sent = (await query(promPort, `sixty_tcp_sent_bytes_total{comm="${comm}"}`))[0]?.value[1];
      throw new Error(`${String(e)} (sent ${sent ?? 'no series'}, want ${want})`);
    });
    assert.deepEqual(got, { sent: want, received: want });

    // The softirqs the workload raised, and the three queries of docs/prometheus.md.
    const netRx = await query(promPort, 'sum(sixty_softirqs_total{vector="net_rx"})');
    assert.ok(Number(netRx[0]?.value[1]) > 0, 'net_rx softirqs counted');
    const busiest = await query(promPort, 'topk(1, sum by (cpu) (rate(sixty_softirq_seconds_total[1m])))');
    assert.equal(busiest.length, 1);
    assert.match(busiest[0]!.metric.cpu ?? '', /^\d+$/);
    // The doc's query ranks by rate; a series that appeared with its bytes has no rate yet (Prometheus counts an
    // increase from a series' first sample), so here the totals rank them.
    await query(promPort, 'topk(5, sum by (comm) (rate(sixty_tcp_sent_bytes_total[1m]) + rate(sixty_tcp_received_bytes_total[1m])))');
    const talkers = await query(promPort, 'topk(5, sum by (comm) (sixty_tcp_sent_bytes_total + sixty_tcp_received_bytes_total))');
    assert.ok(
      talkers.some((r) => r.metric.comm === comm),
      'the workload among the top talkers',
    );
    await query(promPort, 'histogram_quantile(0.99, sum by (le, disk) (rate(sixty_disk_io_latency_seconds_bucket[5m])))');
    // The checklist as metrics: a verdict for every step (as root, dmesg's too), and the readings behind them.
    const verdicts = await query(promPort, 'sixty_check_verdict');
    assert.deepEqual(verdicts.map((r) => r.metric.step).sort(), [...STEP_IDS].sort());
    assert.ok(
      verdicts.every((r) => ['0', '1', '2'].includes(r.value[1])),
      JSON.stringify(verdicts.map((r) => r.value[1])),
    );
    const vm = await query(promPort, 'sum(sixty_check_reading{step="vmstat",field=~"us|sy|id|wa|st"})');
    assert.ok(Math.abs(Number(vm[0]?.value[1]) - 100) <= 1.5, `vmstat's us+sy+id+wa+st ${vm[0]?.value[1]}`);
    // The Grafana dashboard's every query runs in this Prometheus, on one host's series; the checklist's return data.
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana', 'sixty-checklist.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const empty: string[] = [];
    for (const panel of dashboard.panels)
      for (const target of panel.targets) {
        const expr = target.expr.replaceAll('$instance', `127.0.0.1:${port}`).replaceAll('$__rate_interval', '1m');
        if ((await query(promPort, expr)).length === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    const mustHaveData = empty.filter((e) => /sixty_check_verdict|step="(uptime|vmstat|free|mpstat)"/.test(e));
    assert.deepEqual(mustHaveData, [], 'the checklist panels of the dashboard show data');
    if (empty.length) t.diagnostic(`dashboard queries without data here: ${empty.length} (${empty.map((e) => e.split(':')[0]).join('; ')})`);
    const series = await query(promPort, 'scrape_samples_scraped{job="sixty"}');
    const took = await query(promPort, 'scrape_duration_seconds{job="sixty"}');
    t.diagnostic(
      `series per scrape ${series[0]?.value[1]}, scrape ${(Number(took[0]?.value[1]) * 1000).toFixed(1)} ms, busiest softirq CPU ${busiest[0]!.metric.cpu}, top talker ${talkers[0]?.metric.comm}`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--metrics-listen: a port in use, a bad address, a privileged port without root: one line, exit 2', async (t) => {
  if (!needsBpf(t)) return;
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const port = (holder.address() as { port: number }).port;
  try {
    const cases: [string[], RegExp][] = [
      [['--serve', '--metrics-listen', `127.0.0.1:${port}`], new RegExp(`^sixty: cannot serve metrics on 127\\.0\\.0\\.1:${port}: the port is in use\\n$`)],
      [['--serve', '--metrics-listen', '192.0.2.1:9100'], /^sixty: cannot serve metrics on 192\.0\.2\.1:9100: no such address on this host\n$/],
      [['--serve', '--metrics-listen', '300.1.2.3:x'], /^sixty: invalid --metrics-listen '300\.1\.2\.3:x': the port is not a number/],
    ];
    for (const [args, want] of cases) {
      const out = lines(spawnCli([...args, '--panels', 'softirqs']));
      const { code } = await out.exit;
      assert.equal(code, 2, args.join(' '));
      assert.match(out.stderr(), want);
    }
    // Without root (nobody, as the other exit-path tests run it): a port below ip_unprivileged_port_start is refused.
    const unprivileged = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (unprivileged <= 80) return t.diagnostic(`this host lets anyone bind port 80 (ip_unprivileged_port_start ${unprivileged})`);
    const out = spawnSync(
      'setpriv',
      [
        ...AS_NOBODY,
        process.execPath,
        join(ROOT, 'build', 'js', 'src', 'main.js'),
        '--batch',
        '--count',
        '1',
        '--panels',
        'mpstat',
        '--metrics-listen',
        '127.0.0.1:80',
      ],
      { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' }, timeout: scaled(20_000) },
    );
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /^sixty: cannot serve metrics on 127\.0\.0\.1:80: permission denied \(ports below 1024 need root\)\n$/);
  } finally {
    holder.close();
  }
});
