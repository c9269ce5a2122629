// tcptop at scale: thousands of busy connections (one byte each way per second, test/fixtures/conns.c), and a big transfer
// that starts later. For each size it reports, per 1 s interval, the engine's read + model time and the CPU time of
// read + model + render (the console drawn by Ink at 120×40 into a fake terminal), the RSS, and whether the big
// transfer was counted to the byte; then the real console (scripts/sixty in tmux at 120×40): CPU % and RSS.
// Usage (root, after npm run build): node bench/tcptop-scale.mjs [connections=9500,10000,50000] [seconds=20]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { below } from './lib.mjs';

// React must load in production mode, as the launcher runs it: set before the (dynamic) imports.
process.env.NODE_ENV = 'production';
const { createElement } = await import('react');
const { render } = await import('ink');
const { Engine } = await import('../build/js/src/engine.js');
const { CATALOG } = await import('../build/js/src/panels/registry.js');
const { tcptopPanel } = await import('../build/js/src/panels/tcptop.js');
const { App } = await import('../build/js/views/App.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const SIZES = (process.argv[2] ?? '9500,10000,50000').split(',').map(Number);
const SECONDS = Number(process.argv[3] ?? 20);
const BIG = 50 << 20;
const PER_PROCESS = 9000; // pairs per process: two descriptors each, under the open-file limit (20000 here)

const bin = path.join(here, '..', 'build', 'bench', 'conns');
if (!existsSync(bin)) {
  execFileSync('mkdir', ['-p', path.dirname(bin)]);
  execFileSync('gcc', ['-O2', '-Wall', '-pthread', '-o', bin, path.join(here, '..', 'test', 'fixtures', 'conns.c')], { stdio: 'inherit' });
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y),
    m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};
const p95 = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.95)] ?? NaN;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kb = (pid, key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** Starts the crowd: `conns` connections over as many processes as the fd limit needs; the first also runs the transfer. */
async function crowd(conns) {
  const n = Math.ceil(conns / PER_PROCESS);
  const procs = [];
  const big = { done: null };
  for (let i = 0; i < n; i++) {
    const pairs = Math.round(conns / n);
    const child = spawn(bin, i === 0 ? [String(pairs), String(BIG), '4'] : [String(pairs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    const ready = new Promise((resolve) =>
      child.stdout.on('data', (d) => {
        buf += d;
        if (buf.includes('ready')) resolve();
        const m = /^big (\d+) (\d+) (\d+) (\d+) (\d+)$/m.exec(buf);
        if (m) big.done = { pid: +m[1], client: +m[2], server: +m[3], sent: +m[4], received: +m[5] };
      }),
    );
    procs.push({ child, ready });
  }
  await Promise.all(procs.map((p) => p.ready));
  return { big, stop: () => procs.forEach((p) => p.child.kill('SIGKILL')) };
}

async function inProcess(conns) {
  const c = await crowd(conns);
  await sleep(1500);
  const engine = new Engine({ panels: [tcptopPanel], intervalMs: 1000 });
  await engine.open();
  const out = new PassThrough();
  Object.assign(out, { columns: 120, rows: 40, isTTY: true });
  let writes = 0;
  out.on('data', () => writes++);
  const ink = render(createElement(App, { store: engine.store, catalog: CATALOG, width: 120, height: 40, hostname: 'bench', intervalS: 1, onQuit: () => {} }), {
    stdout: out,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const readMs = [],
    cpuMs = [],
    rows = [];
  // Bytes per connection, summed over frames, for the ones that moved more than the crowd's two bytes a second.
  const moved = new Map();
  for (let s = 0; s < SECONDS; s++) {
    await sleep(1000);
    const w0 = writes;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const f = engine.tick();
    readMs.push(performance.now() - t0);
    for (let i = 0; i < 50 && writes === w0; i++) await sleep(10); // until Ink has drawn the frame
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    const p = f.panels[0];
    rows.push(p.rows.length);
    for (const r of p.rows) {
      if ((r.rx_bytes ?? 0) + (r.tx_bytes ?? 0) <= 100 && !moved.has(r.id)) continue;
      const m = moved.get(r.id) ?? { pid: r.pid, lport: r.lport, rport: r.rport, rx: 0, tx: 0 };
      m.rx += r.rx_bytes ?? NaN;
      m.tx += r.tx_bytes ?? NaN;
      moved.set(r.id, m);
    }
  }
  const b = c.big.done;
  const sums = { tx: 0, rx: 0 };
  for (const m of moved.values()) {
    if (b && m.pid === b.pid && m.lport === b.client && m.rport === b.server) sums.tx += m.tx;
    if (b && m.pid === b.pid && m.lport === b.server && m.rport === b.client) sums.rx += m.rx;
  }
  // Frames before the transfer finished carry its bytes too: sum every frame's rows for it.
  const last = engine.store.getSnapshot().panels[0];
  ink.unmount();
  engine.close();
  c.stop();
  return { readMs, cpuMs, rows, last, big: c.big.done, sums, rss: kb(process.pid, 'VmRSS'), hwm: kb(process.pid, 'VmHWM') };
}

/** The real console in tmux at 120×40: CPU % over the run, and RSS. */
async function realConsole(conns) {
  const c = await crowd(conns);
  await sleep(1500);
  const sock = `sixty-bench-${process.pid}`;
  const tmux = (...a) => execFileSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 's', '-x', '120', '-y', '40', `env -u CI ${path.join(here, '..', 'scripts', 'sixty')} --panels tcptop`);
  try {
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      await sleep(100);
      pid = below(Number(tmux('display-message', '-p', '-t', 's', '#{pane_pid}').trim()), 'node');
    }
    await sleep(3000); // attached and settled
    const ticks = (p) => {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    };
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    const t0 = ticks(pid),
      w0 = performance.now();
    await sleep(SECONDS * 1000);
    const cpuPct = ((ticks(pid) - t0) / hz / ((performance.now() - w0) / 1000)) * 100;
    const screen = tmux('capture-pane', '-p', '-t', 's');
    return { cpuPct, rss: kb(pid, 'VmRSS'), hwm: kb(pid, 'VmHWM'), summary: screen.split('\n').find((l) => /active/.test(l)) ?? '' };
  } finally {
    try {
      tmux('kill-server');
    } catch {
      /* gone */
    }
    c.stop();
  }
}

console.log(
  `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, kernel ${os.release()}, node ${process.version}; ${SECONDS} s per size`,
);
const results = [];
for (const n of SIZES) {
  const r = await inProcess(n);
  const ok = r.big ? r.sums.tx === r.big.sent && r.sums.rx === r.big.received : null;
  console.log(
    `${n} connections (${2 * n} sockets): rows per frame median ${median(r.rows)}; read + model ${median(r.readMs).toFixed(1)} ms median, ${p95(r.readMs).toFixed(1)} ms p95; read + model + render CPU ${median(r.cpuMs).toFixed(1)} ms median, ${p95(r.cpuMs).toFixed(1)} ms p95 per interval; RSS ${(r.rss / 1024).toFixed(0)} MB (peak ${(r.hwm / 1024).toFixed(0)} MB)`,
  );
  console.log(`  ${r.last.summary.text}`);
  if (r.big)
    console.log(
      `  50 MiB transfer started 4 s in: sixty counted tx ${r.sums.tx} of ${r.big.sent}, rx ${r.sums.rx} of ${r.big.received}: ${ok ? 'exact' : 'NOT EXACT'}`,
    );
  const real = await realConsole(n);
  console.log(
    `  the console (scripts/sixty, tmux 120×40, 1 s): ${real.cpuPct.toFixed(1)} % of a core, RSS ${(real.rss / 1024).toFixed(0)} MB (peak ${(real.hwm / 1024).toFixed(0)} MB)`,
  );
  results.push({
    connections: n,
    rows: median(r.rows),
    readModelMs: median(r.readMs),
    readModelP95: p95(r.readMs),
    cpuMsPerInterval: median(r.cpuMs),
    cpuP95: p95(r.cpuMs),
    benchRssMb: r.rss / 1024,
    exact: ok,
    consoleCpuPct: real.cpuPct,
    consoleRssMb: real.rss / 1024,
    consolePeakMb: real.hwm / 1024,
  });
}
console.log(JSON.stringify({ bench: 'tcptop-scale', results }));
