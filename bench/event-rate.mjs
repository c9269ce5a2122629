// The event panels at rate: how many events a second each takes in with none lost, where loss begins, and that every
// lost event is counted (made = seen + counted as lost, for the workload's own events); then the console's CPU with
// opensnoop on screen (its counts, then `v`, its recent events) while 10,000 opens a second happen.
// Each rate: bench/eventloop.c paced for SECONDS under an engine with the panel attached (1 s interval); its events
// are counted in the panel's rows by the workload's pid, and the interval's lost events from the panel's stats.
// Usage (root, after npm run build): node bench/event-rate.mjs [seconds=3] [console seconds=20, 0: none] [ring bytes]
// (the last: every ring that size, as --ring-size; without it, each panel's own; --serve's is 1048576)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../build/js/src/engine.js';
import { execsnoopPanel } from '../build/js/src/panels/execsnoop.js';
import { opensnoopPanel } from '../build/js/src/panels/opensnoop.js';
import { HZ, Pane, sleep, ticks } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 3);
const CONSOLE_S = Number(process.argv[3] ?? 20);
const RING_BYTES = process.argv[4] ? Number(process.argv[4]) : undefined;
const bin = path.join(here, '..', 'build', 'bench', 'eventloop');
if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(path.join(here, 'eventloop.c')).mtimeMs) {
  mkdirSync(path.dirname(bin), { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-o', bin, path.join(here, 'eventloop.c')], { stdio: 'inherit' });
}
const scratch = path.join(here, '..', 'tmp', `event-rate-${process.pid}`);
mkdirSync(scratch, { recursive: true });
const file = path.join(scratch, 'f');
writeFileSync(file, 'x');

/** Runs the generator at `rate` while the engine ticks each second; the workload's events seen, and the lost ones. */
async function atRate(def, mode, rate) {
  const id = def.id;
  const engine = new Engine({ panels: [def], intervalMs: 1000, requested: new Set([id]), ...(RING_BYTES ? { ringBytes: RING_BYTES } : {}) });
  await engine.open();
  const p0 = engine.store.getSnapshot().panels[0];
  if (p0.status !== 'ok') throw new Error(`${id}: ${p0.reason}`);
  let seen = 0;
  let lost = 0;
  const args = mode === 'open' ? ['paced-open', String(rate), String(SECONDS), file] : ['paced-exec', String(rate), String(SECONDS)];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise((r) => child.on('exit', r));
  const count = (f) => {
    const p = f.panels[0];
    lost += (p.stats.ring_full_drops ?? 0) + (p.stats.rate_drops ?? 0);
    for (const r of p.rows) {
      // opensnoop's rows are the workload's by pid; execsnoop's by parent (the generator forks each exec).
      if (mode === 'open' && r.pid === child.pid && r.path === file) seen += r.opens;
      if (mode === 'exec' && r.ppid === child.pid) seen += r.execs;
    }
  };
  engine.tick();
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited) {
    await sleep(1000);
    count(engine.tick());
  }
  await sleep(200);
  count(engine.tick());
  engine.close();
  const [made, ns] = out.trim().split(' ').map(Number);
  return { id, rate: rate || 'max', made, perS: Math.round(made / (ns / 1e9)), seen, lost, unaccounted: made - seen - lost };
}

const machine = `${os.cpus().length} CPUs (${os.cpus()[0]?.model}), kernel ${os.release()}, node ${process.version}`;
console.log(`machine: ${machine}; ${SECONDS} s per rate; rings ${RING_BYTES ? `${RING_BYTES} bytes` : "each panel's own"}`);
const rates = [];
for (const rate of [1000, 10000, 50000, 0]) rates.push(await atRate(opensnoopPanel, 'open', rate));
for (const rate of [100, 0]) rates.push(await atRate(execsnoopPanel, 'exec', rate));
for (const r of rates)
  console.log(
    `${r.id} at ${r.rate}/s: made ${r.made} (${r.perS}/s), seen ${r.seen}, counted lost ${r.lost}, unaccounted ${r.unaccounted} (${((r.seen / r.made) * 100).toFixed(1)} % seen)`,
  );

/** The console on opensnoop (its counts, then its recent events) while 10,000 opens a second happen: CPU % of sixty. */
async function consoleCpu(view) {
  const pane = new Pane('event-rate', `${path.join(here, '..', 'scripts', 'sixty')} --panels ${opensnoopPanel.id}`);
  const load = spawn(bin, ['paced-open', '10000', String(CONSOLE_S + 8), file], { stdio: 'ignore' });
  try {
    const pid = await pane.find('node');
    await sleep(4000);
    if (view === 'events') pane.tmux('send-keys', '-t', 's', 'v');
    await sleep(2000);
    const t0 = ticks(pid);
    const w0 = performance.now();
    await sleep(CONSOLE_S * 1000);
    const cpuPct = ((ticks(pid) - t0) / HZ / ((performance.now() - w0) / 1000)) * 100;
    const screen = pane.screen();
    return { view, cpuPct, shows: /opens\/s/.test(screen) };
  } finally {
    load.kill();
    pane.kill();
    await sleep(500);
  }
}
const consoles = CONSOLE_S > 0 ? [await consoleCpu('counts'), await consoleCpu('events')] : [];
for (const c of consoles)
  console.log(
    `console on opensnoop (${c.view}) at 10,000 opens/s: sixty ${c.cpuPct.toFixed(2)} % of a CPU${c.shows ? '' : ' (the screen did not show the panel!)'}`,
  );
console.log(JSON.stringify({ bench: 'event-rate', machine, ringBytes: RING_BYTES ?? null, rates, consoles }));
