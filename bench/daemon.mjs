// The always-on sixty beside Debian's node_exporter, in one run: `sixty --serve --record DIR` (every panel, 1 s, as
// scripts/sixty.service runs it) and prometheus-node-exporter (its default collectors), each scraped every 5 s as a
// Prometheus would. After a warm-up, each one's CPU (utime + stime over the window, % of one core) and RSS (sampled
// every 5 s: median and most) are taken from /proc; the recording's growth over the window gives its size per day.
// Then `--replay DIR --at` (the middle of the window) is timed to its first frame printed.
// Usage (root, after npm run build): node bench/daemon.mjs [seconds=300] [warmup=60]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HZ, sleep, statusKb, ticks } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 300);
const WARMUP = Number(process.argv[3] ?? 60);
const EXPORTER = '/usr/bin/prometheus-node-exporter';
if (!existsSync(EXPORTER)) {
  console.log('installing prometheus-node-exporter for the comparison');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus-node-exporter'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'sixty-daemon-bench-'));
const rec = path.join(dir, 'rec');
const sixtyPort = 19000 + (process.pid % 500);
const nePort = sixtyPort + 500;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const dirBytes = () => readdirSync(rec).reduce((n, f) => n + statSync(path.join(rec, f)).size, 0);

// The launcher execs node when its output is not a terminal: the child is sixty itself.
const sixty = spawn(
  path.join(here, '..', 'scripts', 'sixty'),
  ['--serve', '--record', `${rec}/`, '--metrics-listen', `127.0.0.1:${sixtyPort}`, '--interval', '1'],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let sixtyErr = '';
sixty.stderr.on('data', (d) => (sixtyErr += d));
const ne = spawn(EXPORTER, [`--web.listen-address=127.0.0.1:${nePort}`], { stdio: 'ignore' });
const scrape = setInterval(() => {
  for (const port of [sixtyPort, nePort])
    fetch(`http://127.0.0.1:${port}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
}, 5000);
try {
  await sleep(WARMUP * 1000);
  if (sixty.exitCode !== null) throw new Error(`sixty ended: ${sixtyErr}`);
  const t0 = { s: ticks(sixty.pid), n: ticks(ne.pid), at: performance.now(), bytes: dirBytes(), wall: Date.now() };
  const rss = { s: [], n: [] };
  for (let waited = 0; waited < SECONDS; waited += 5) {
    await sleep(5000);
    rss.s.push(statusKb(sixty.pid, 'VmRSS') / 1024);
    rss.n.push(statusKb(ne.pid, 'VmRSS') / 1024);
  }
  const secs = (performance.now() - t0.at) / 1000;
  const cpu = (p, from) => ((ticks(p) - from) / HZ / secs) * 100;
  const result = {
    seconds: Math.round(secs),
    sixtyCpuPct: cpu(sixty.pid, t0.s),
    exporterCpuPct: cpu(ne.pid, t0.n),
    sixtyRssMb: median(rss.s),
    sixtyRssMaxMb: Math.max(...rss.s),
    exporterRssMb: median(rss.n),
    exporterRssMaxMb: Math.max(...rss.n),
    recordingMbPerDay: (((dirBytes() - t0.bytes) / secs) * 86400) / 1e6,
  };
  // A moment in the middle of the window, opened from the directory: the time to the first frame printed.
  const at = new Date(t0.wall + (secs / 2) * 1000).toISOString();
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = spawnSync(path.join(here, '..', 'scripts', 'sixty'), ['--replay', rec, '--at', at, '--batch', '--format', 'json', '--count', '1'], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`replay: ${r.stderr}`);
    times.push(performance.now() - t);
  }
  result.replayAtMs = median(times);
  console.log(
    `sixty --serve --record: ${result.sixtyCpuPct.toFixed(2)} % of a core, RSS ${result.sixtyRssMb.toFixed(0)} MB (most ${result.sixtyRssMaxMb.toFixed(0)}); ` +
      `node_exporter ${result.exporterCpuPct.toFixed(2)} %, ${result.exporterRssMb.toFixed(0)} MB; recording ${result.recordingMbPerDay.toFixed(0)} MB a day; ` +
      `--replay DIR --at: ${result.replayAtMs.toFixed(0)} ms to the first frame (${result.seconds} s measured after ${WARMUP} s)`,
  );
  console.log(JSON.stringify({ bench: 'daemon', ...result }));
} finally {
  clearInterval(scrape);
  sixty.kill('SIGTERM');
  ne.kill('SIGTERM');
  await sleep(1000);
  rmSync(dir, { recursive: true, force: true });
}
