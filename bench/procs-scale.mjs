// The process panel at scale: its /proc scan + model (the reader without BPF, then derive) once a second on the quiet
// host, then with PROCESSES more processes of TASKS tasks each (procload.c: all blocked), by processes (the default)
// and by threads (H), beside htop (-d 10, in a 200×50 tmux pane) on the same host in the same run.
// sixty: CPU time per interval of reader() + derive() (process.cpuUsage around them: the engine's tick without stats,
// sort and render), the median of the steady intervals, the first (every command line read, no rates yet) apart; RSS
// of this process after each mode. htop: utime + stime of its process over a 10 s window after 3 s to warm up, as ms
// per second of wall time (= per 1 s interval; its whole cost: scan, sort and drawing the screen). Each is measured
// alone, one after the other. htop's defaults read every thread (its header counts them: "Tasks: N, M thr"), so
// sixty by threads is the like-for-like figure; sixty by processes is what the panel costs as it opens.
// Usage (root, after npm run build; htop, tmux and cc installed):
//   node bench/procs-scale.mjs [processes=5000] [tasks=4] [intervals=10]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// The build is one level up.
const ROOT = path.join(here, '..');
const build = (p) => import(path.join(ROOT, 'build', 'js', 'src', p));
const { createProcsReader, procsPanel, procsView } = await build('panels/procs.js');
const { procsTotals } = await build('models/procs.js');
const { readProcText } = await build('sources/proc.js');
const { addonReadFiles } = await build('engine.js');
const { loadAddon } = await build('native.js');
const { onlineCpus } = await build('kernel/cpus.js');
const { HZ, below, sleep, statusKb, ticks } = await import(path.join(ROOT, 'bench', 'lib.mjs'));

const PROCESSES = Number(process.argv[2] ?? 5000);
const TASKS = Number(process.argv[3] ?? 4);
const INTERVALS = Number(process.argv[4] ?? 10);
const HTOP_WARMUP_S = 3;
const HTOP_WINDOW_S = 10;
const SOCK = 'benchprocs';
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
};
const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

if (process.getuid?.() !== 0) {
  console.error('procs-scale: run it as root (it reads every process and may raise kernel.pid_max)');
  process.exit(77);
}
execFileSync('which', ['htop', 'tmux', 'cc'], { stdio: 'ignore' });

// ---- the load: procload (in bench/, built into build/bench as readloop and pingsend are; beside the script elsewhere) ----
const src = path.join(here, 'procload.c');
const binDir = ROOT === path.join(here, '..') ? path.join(ROOT, 'build', 'bench') : here;
const bin = path.join(binDir, 'procload');
mkdirSync(binDir, { recursive: true });
if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) execFileSync('cc', ['-O2', '-Wall', '-pthread', '-o', bin, src], { stdio: 'inherit' });

// ---- limits: every task takes a pid; raised for the run if short, put back after ----
const tasksNow = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .reduce((n, d) => n + (Number(/^Threads:\s+(\d+)/m.exec(safeRead(`/proc/${d}/status`))?.[1]) || 0), 0);
function safeRead(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
const restore = [];
const need = PROCESSES * TASKS + tasksNow() + 2000;
for (const key of ['pid_max', 'threads-max']) {
  const file = `/proc/sys/kernel/${key}`;
  const was = Number(readFileSync(file, 'utf8'));
  if (was < need) {
    writeFileSync(file, String(Math.max(need, 2 * PROCESSES * TASKS)));
    restore.push([file, was]);
    console.log(`kernel.${key} ${was} raised to ${readFileSync(file, 'utf8').trim()} for the run`);
  }
}
// RLIMIT_NPROC counts the user's tasks (root passes it with CAP_SYS_RESOURCE; raised in procload's shell if short).
const nproc = /^Max processes\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 'unlimited';
const raiseNproc = nproc !== 'unlimited' && Number(nproc) < need;

let load = null;
function cleanup() {
  if (load) {
    try {
      process.kill(-load.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    load = null;
  }
  try {
    execFileSync('tmux', ['-L', SOCK, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* no server */
  }
  for (const [file, was] of restore.splice(0)) writeFileSync(file, String(was));
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });

async function startLoad() {
  const cmd = raiseNproc ? ['bash', ['-c', `ulimit -u unlimited && exec "${bin}" ${PROCESSES} ${TASKS}`]] : [bin, [String(PROCESSES), String(TASKS)]];
  // Its own process group (it calls setpgid too): killed as a group.
  const c = spawn(cmd[0], cmd[1], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  load = c;
  const t0 = performance.now();
  const line = await new Promise((resolve, reject) => {
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    c.on('exit', (code) => reject(new Error(`procload exited ${code}: ${out}`)));
  });
  console.log(`load: ${line} (processes, tasks) in ${f((performance.now() - t0) / 1000, 1)} s`);
  await sleep(2000); // the fork storm settles
}

async function stopLoad() {
  const pid = load.pid;
  const exited = new Promise((r) => load.once('exit', r));
  process.kill(-pid, 'SIGKILL');
  await exited;
  load = null;
  // Its children are reaped by init once killed: wait until none is left.
  for (let i = 0; i < 100; i++) {
    if (!readdirSync('/proc').some((d) => /^\d+$/.test(d) && safeRead(`/proc/${d}/comm`) === 'procload\n')) return;
    await sleep(100);
  }
  console.log('warning: procload processes still present after 10 s');
}

// ---- htop: CPU over the window, from /proc/PID/stat ----
async function htopCost() {
  execFileSync('tmux', ['-L', SOCK, 'new-session', '-d', '-x', '200', '-y', '50', 'htop -d 10']);
  try {
    const panePid = Number(execFileSync('tmux', ['-L', SOCK, 'display-message', '-p', '#{pane_pid}'], { encoding: 'utf8' }).trim());
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      pid = below(panePid, 'htop');
      if (!pid) await sleep(100);
    }
    if (!pid) throw new Error('htop did not start in its pane');
    await sleep(HTOP_WARMUP_S * 1000);
    const t = [ticks(pid)];
    const w0 = performance.now();
    for (let i = 0; i < HTOP_WINDOW_S; i++) {
      await sleep(1000);
      t.push(ticks(pid));
    }
    const seconds = (performance.now() - w0) / 1000;
    // What htop says it counts (its header: "Tasks: N, M thr"), to show it saw the load.
    const tasksLine = /Tasks:[^\n│]*/.exec(execFileSync('tmux', ['-L', SOCK, 'capture-pane', '-p'], { encoding: 'utf8' }))?.[0]?.trim() ?? '';
    const perSecond = t.slice(1).map((x, i) => ((x - t[i]) / HZ) * 1000);
    return {
      msPerInterval: (((t.at(-1) - t[0]) / HZ) * 1000) / seconds,
      medianPerSecondMs: median(perSecond),
      rssMB: statusKb(pid, 'VmRSS') / 1024,
      tasksLine,
    };
  } finally {
    execFileSync('tmux', ['-L', SOCK, 'kill-server'], { stdio: 'ignore' });
    await sleep(500);
  }
}

// ---- sixty: reader() + derive() per interval, as the engine's tick does them ----
// As the engine gives it: the addon reads a scan's files in one call.
const host = {
  onlineCpus,
  nowNs: () => Number(process.hrtime.bigint()),
  readText: readProcText,
  listDir: (p) => readdirSync(p),
  readFiles: addonReadFiles(loadAddon),
};
const cpuMs = (c) => (c.user + c.system) / 1000;

async function sixtyCost(threads) {
  procsView.threads = threads;
  const reader = createProcsReader(host, null, null);
  const read = [];
  const model = [];
  const total = [];
  const wall = [];
  let prev;
  let rows = 0;
  let totals = {};
  let windowStart;
  let w0 = 0;
  for (let i = 0; i <= INTERVALS; i++) {
    if (i > 0) await sleep(1000);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const sample = reader();
    const c1 = process.cpuUsage(c0);
    const r = procsPanel.derive(sample, prev, prev ? sample.nowNs - prev.nowNs : 0);
    const c2 = process.cpuUsage(c0);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    read.push(cpuMs(c1));
    total.push(cpuMs(c2));
    model.push(cpuMs(c2) - cpuMs(c1));
    rows = r.length;
    totals = procsTotals(sample);
    prev = sample;
    if (i === 0) {
      // The steady window: INTERVALS × (1 s of sleep + a tick) from here.
      windowStart = process.cpuUsage();
      w0 = performance.now();
    }
  }
  // This whole process over the steady intervals (the idle node between the ticks and GC threads included), per
  // interval (an interval here is 1 s of sleep after each tick, as filetop-scale paces them).
  const wholeMs = cpuMs(process.cpuUsage(windowStart)) / INTERVALS;
  const periodS = (performance.now() - w0) / 1000 / INTERVALS;
  procsView.threads = false;
  const steady = (a) => a.slice(1);
  return {
    msPerInterval: median(steady(total)),
    maxMs: Math.max(...steady(total)),
    readMs: median(steady(read)),
    modelMs: median(steady(model)),
    wallMs: median(steady(wall)),
    firstIntervalMs: total[0],
    wholeProcessMsPerInterval: wholeMs,
    intervalS: periodS,
    rssMB: process.memoryUsage().rss / 1048576,
    processes: totals.processes,
    threads: totals.threads,
    rows,
  };
}

async function measureHost(label) {
  const htop = await htopCost();
  console.log(
    `${label}: htop ${f(htop.msPerInterval)} ms of CPU per 1 s interval (median second ${f(htop.medianPerSecondMs)}), RSS ${f(htop.rssMB, 0)} MB; its header: ${htop.tasksLine || '?'}`,
  );
  const out = { htop };
  for (const [mode, threads] of [
    ['processes', false],
    ['threads', true],
  ]) {
    const r = await sixtyCost(threads);
    out[mode] = r;
    console.log(
      `${label}: sixty procs by ${mode} (${r.processes} processes, ${r.threads} threads, ${r.rows} rows): read + model ${f(r.msPerInterval)} ms of CPU per interval ` +
        `(median of ${INTERVALS}, max ${f(r.maxMs)}; read ${f(r.readMs)}, model ${f(r.modelMs)}; wall ${f(r.wallMs)} ms; first interval ${f(r.firstIntervalMs)} ms; ` +
        `whole process ${f(r.wholeProcessMsPerInterval)} ms per interval of ${f(r.intervalS, 2)} s), RSS ${f(r.rssMB, 0)} MB; ${f(r.msPerInterval / htop.msPerInterval, 2)}× htop`,
    );
    await sleep(500);
  }
  return out;
}

console.log(
  `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model?.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, kernel ${os.release()}, node ${process.version}, ${execFileSync('htop', ['--version'], { encoding: 'utf8' }).trim()}; ` +
    `USER_HZ ${HZ}; load ${PROCESSES} processes × ${TASKS} tasks; ${INTERVALS} intervals of 1 s per sixty mode, htop ${HTOP_WINDOW_S} s after ${HTOP_WARMUP_S} s`,
);
const results = {};
try {
  results.quiet = await measureHost('quiet host');
  await startLoad();
  results.load = await measureHost(`${PROCESSES} processes × ${TASKS} tasks`);
  await stopLoad();
} finally {
  cleanup();
}
const ratio = (r, mode) => r[mode].msPerInterval / r.htop.msPerInterval;
for (const k of ['quiet', 'load'])
  console.log(
    `${k === 'quiet' ? 'quiet host' : `${PROCESSES} processes × ${TASKS} tasks`}: htop ${f(results[k].htop.msPerInterval)} ms/interval; sixty ${f(results[k].processes.msPerInterval)} ms by processes (${f(ratio(results[k], 'processes'), 2)}× htop), ${f(results[k].threads.msPerInterval)} ms by threads (${f(ratio(results[k], 'threads'), 2)}× htop)`,
  );
console.log(
  JSON.stringify({
    bench: 'procs-scale',
    kernel: os.release(),
    cpus: os.cpus().length,
    processes: PROCESSES,
    tasksPerProcess: TASKS,
    intervals: INTERVALS,
    results,
  }),
);
