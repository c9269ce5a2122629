// The console's own cost, beside the tools people compare it with, in one run: sixty on home, a bare Ink app drawing
// the same lines (bench/bare-ink.mjs), btop and htop, each in a 120×40 tmux pane at a 1 s interval, measured over the
// same SECONDS: CPU % of a core (user + system, every thread) and RSS. Then sixty alone under --cpu-prof for the same
// time: where each millisecond of a frame goes (its engine, its views, React, Ink and yoga, the garbage collector).
// Usage (root, after npm run build; htop and btop installed): node bench/console-cost.mjs [seconds=60]
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HZ, Pane, sleep, statusKb, ticks } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const SECONDS = Number(process.argv[2] ?? 60);
const SETTLE_MS = 8000;
/** the profile's last seconds hold the exit (detaching, unloading): left out */
const TAIL_MS = 3000;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sixty-cost-'));
const screenFile = path.join(scratch, 'screen.txt');
// btop's interval is 2 s unless its configuration says otherwise: 1 s, as the others.
mkdirSync(path.join(scratch, 'btop'));
writeFileSync(path.join(scratch, 'btop', 'btop.conf'), 'update_ms = 1000\n');

const panes = [];
const stop = () => {
  for (const p of panes) p.kill();
  rmSync(scratch, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (stop(), process.exit(130)));

try {
  // ---- side by side ----
  const tools = [
    { name: 'sixty', cmd: `env -u CI ${path.join(root, 'scripts', 'sixty')}`, exe: 'node' },
    { name: 'bare Ink', cmd: `env -u CI NODE_ENV=production node ${path.join(here, 'bare-ink.mjs')} ${screenFile}`, exe: 'node' },
    { name: 'btop', cmd: `env XDG_CONFIG_HOME=${scratch} btop --utf-force`, exe: 'btop' },
    { name: 'htop', cmd: 'htop -d 10', exe: 'htop' },
  ];
  for (const t of tools) {
    t.pane = new Pane(t.name.replace(/\W/g, ''), t.cmd);
    panes.push(t.pane);
    t.pid = await t.pane.find(t.exe);
    if (!t.pid) throw new Error(`${t.name}: not running (${t.cmd})`);
  }
  // The bare app draws what sixty shows, with its colours, refreshed every second.
  const mirror = setInterval(() => writeFileSync(screenFile, tools[0].pane.screen(true)), 1000);
  await sleep(SETTLE_MS);
  const t0 = tools.map((t) => ticks(t.pid));
  const w0 = performance.now();
  await sleep(SECONDS * 1000);
  const wall = (performance.now() - w0) / 1000;
  const side = tools.map((t, i) => ({ name: t.name, cpuPct: ((ticks(t.pid) - t0[i]) / HZ / wall) * 100, rssMb: statusKb(t.pid, 'VmRSS') / 1024 }));
  clearInterval(mirror);
  for (const p of panes.splice(0)) p.kill();
  console.log(
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), kernel ${os.release()}, node ${process.version}; ${SECONDS} s side by side, 120×40, 1 s`,
  );
  for (const r of side) console.log(`${r.name.padEnd(9)} ${r.cpuPct.toFixed(2).padStart(5)} % of a core, RSS ${r.rssMb.toFixed(0)} MB`);

  // ---- where a frame's time goes ----
  const profDir = path.join(scratch, 'prof');
  mkdirSync(profDir);
  const flags = `--max-semi-space-size=2 --cpu-prof --cpu-prof-dir=${profDir} --cpu-prof-interval 250`;
  const prof = new Pane(
    'prof',
    `env -u CI NODE_ENV=production MALLOC_ARENA_MAX=1 MALLOC_TRIM_THRESHOLD_=131072 node ${flags} ${path.join(root, 'build', 'js', 'src', 'main.js')}`,
  );
  panes.push(prof);
  if (!(await prof.find('node'))) throw new Error('the profiled sixty did not start');
  await sleep(SETTLE_MS + SECONDS * 1000 + TAIL_MS);
  prof.tmux('send-keys', '-t', 's', 'q');
  let file;
  for (let i = 0; i < 100 && !file; i++) {
    await sleep(100);
    file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  }
  if (!file) throw new Error('no profile written');
  await sleep(500);
  const breakdown = frameBreakdown(JSON.parse(readFileSync(path.join(profDir, file), 'utf8')), SETTLE_MS * 1000, (SETTLE_MS + SECONDS * 1000) * 1000);
  console.log(`per 1 s frame on home (--cpu-prof, main thread, after ${SETTLE_MS / 1000} s):`);
  for (const [k, ms] of Object.entries(breakdown)) console.log(`  ${k.padEnd(44)} ${ms.toFixed(2)} ms`);
  console.log(JSON.stringify({ bench: 'console-cost', seconds: SECONDS, side, perFrameMs: breakdown }));
} finally {
  stop();
}

/**
 * Main-thread time per second of the profile from `skipUs` to `untilUs` (steady state: after the start, before the exit), by what the sampled function belongs to: sixty's engine
 * (src/), its views (views/), React, Ink with yoga and its ANSI helpers, the garbage collector, and the rest (timers,
 * streams, node itself). One 1 s frame is drawn per second, so these are milliseconds per frame.
 */
function frameBreakdown(p, skipUs, untilUs) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const kind = (id) => {
    const own = byId.get(id).callFrame;
    if (own.functionName === '(garbage collector)') return 'V8 garbage collector';
    if (own.functionName === '(idle)') return null;
    if (own.url.includes('/src/')) return 'engine: /proc and BPF map reads, models';
    if (own.url.includes('/views/')) return "views: lines, layout, sixty's output layer";
    if (/react-reconciler|\/react\/|scheduler/.test(own.url)) return 'React: render and commit';
    if (/\/ink\/|yoga|ansi|string-width|slice-ansi|wrap-ansi|chalk|east-asian/.test(own.url)) return 'Ink: layout (yoga), output, its ANSI helpers';
    // Native work (a file read, a write) counts where it was called from.
    for (let n = byId.get(parent.get(id)); n; n = byId.get(parent.get(n.id))) {
      if (n.callFrame.url.includes('/src/')) return 'engine: /proc and BPF map reads, models';
      if (n.callFrame.url.includes('/views/')) return "views: lines, layout, sixty's output layer";
      if (n.callFrame.url.includes('/ink/')) return 'Ink: layout (yoga), output, its ANSI helpers';
    }
    return 'node: timers, streams, the rest';
  };
  const ms = {};
  let t = p.startTime;
  const from = p.startTime + skipUs;
  const to = p.startTime + untilUs;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    if (t < from || t >= to) continue;
    const k = kind(p.samples[i]);
    if (k) ms[k] = (ms[k] ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000;
  }
  const secs = (Math.min(p.endTime, to) - from) / 1e6;
  const out = Object.fromEntries(
    Object.entries(ms)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, v / secs]),
  );
  out.total = Object.values(out).reduce((a, b) => a + b, 0);
  return out;
}
