// filetop at scale: one process writes 1 byte to each of N open files, ROUNDS times, while the engine reads filetop
// every second. Reports the CPU time per interval for read + model (the engine's tick; wall time beside it), RSS, and whether every write was
// counted (the interval totals, every process's writes, against N × ROUNDS: the machine's other writes come on top).
// Usage (root, after npm run build): node bench/filetop-scale.mjs [files=10000] [rounds=8]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../build/js/src/engine.js';
import { filetopPanel } from '../build/js/src/panels/filetop.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 10000);
const ROUNDS = Number(process.argv[3] ?? 8);
mkdirSync(path.join(here, '..', 'tmp'), { recursive: true });
const dir = mkdtempSync(path.join(here, '..', 'tmp', 'filetop-scale-'));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
};

const py = `
import os, sys, time
d, first, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
fds = [os.open(os.path.join(d, f'f{i}'), os.O_CREAT | os.O_WRONLY, 0o600) for i in range(first, first + n)]
sys.stdout.write('ready\\n'); sys.stdout.flush()
sys.stdin.readline()
for r in range(rounds):
    t = time.monotonic()
    for fd in fds: os.write(fd, b'x')
    time.sleep(max(0, 0.5 - (time.monotonic() - t)))
`;
// The files are open all at once, PER_PROCESS to a writer (under the descriptor limit, 20000 here).
const PER_PROCESS = 15000;
const workers = [];
for (let first = 0; first < N; first += PER_PROCESS) {
  const w = spawn('python3', ['-c', py, dir, String(first), String(Math.min(PER_PROCESS, N - first)), String(ROUNDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  workers.push({ w, ready: new Promise((r) => w.stdout.once('data', r)), exited: new Promise((r) => w.on('exit', r)) });
}
await Promise.all(workers.map((x) => x.ready));
// filetop attaches when it is shown, on a host whose files are already open: its map is sized from them then.
const engine = new Engine({ panels: [filetopPanel], intervalMs: 1000, requested: new Set(['filetop']) });
await engine.open();
const pids = new Set(workers.map((x) => x.w.pid));
const exited = Promise.all(workers.map((x) => x.exited));
engine.tick();
for (const x of workers) x.w.stdin.write('go\n');
let done = false;
exited.then(() => (done = true));
const ticks = [];
const cpuTicks = [];
let writes = 0;
let mine = 0;
let maxRows = 0;
for (let i = 0; i < ROUNDS * 2 + 10 && !(done && ticks.length > 2); i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const f = engine.tick();
  ticks.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const c = process.cpuUsage(c0);
  cpuTicks.push((c.user + c.system) / 1000);
  const p = f.panels[0];
  // The listed rows stop at the busiest 2000; the stats' totals cover every file (and every process: the few writes
  // of other processes on the machine come on top).
  writes += p.stats.writes;
  mine += p.rows.filter((r) => pids.has(r.pid)).reduce((s, r) => s + r.writes, 0);
  maxRows = Math.max(maxRows, p.rows.length);
}
await exited;
const last = engine.tick();
writes += last.panels[0].stats.writes;
mine += last.panels[0].rows.filter((r) => pids.has(r.pid)).reduce((s, r) => s + r.writes, 0);
const stats = last.panels[0].stats;
engine.close();
rmSync(dir, { recursive: true, force: true });
const rss = process.memoryUsage().rss / 1048576;
// The first interval meets every file at once (names decoded, rows made); the steady ones after it are the figure.
// CPU time is sixty's cost; the writers keep both cores busy, so the wall time includes waiting for a core.
const busy = ticks.slice(1, ROUNDS);
const busyCpu = cpuTicks.slice(1, ROUNDS);
console.log(
  `filetop ${N} files × ${ROUNDS} rounds: the writers' listed rows ${mine} of ${N * ROUNDS} writes${N > 2000 ? ' (only the busiest 2000 files are listed per interval)' : ''}, all processes ${writes} (rows listed per interval at most ${maxRows}); read + model ${median(busyCpu).toFixed(1)} ms of CPU per interval (median, max ${Math.max(...busyCpu).toFixed(1)}; wall ${median(busy).toFixed(1)} ms; first interval ${cpuTicks[0].toFixed(1)} ms); RSS ${rss.toFixed(0)} MB; map of ${stats.capacity}; evicted ${stats.lru_evicted_total}, map-full drops ${stats.map_full_drops_total}`,
);
console.log(
  JSON.stringify({
    bench: 'filetop-scale',
    kernel: os.release(),
    files: N,
    rounds: ROUNDS,
    writes,
    writerListed: mine,
    expected: N * ROUNDS,
    msPerInterval: median(busyCpu),
    wallMsPerInterval: median(busy),
    firstIntervalMs: cpuTicks[0],
    rssMB: rss,
    evicted: stats.lru_evicted_total,
    mapFull: stats.map_full_drops_total,
    capacity: stats.capacity,
    intervals: ticks.length,
  }),
);
