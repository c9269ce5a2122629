// sixty's steady cost: the console (scripts/sixty in tmux at 120×40, 1 s interval) on home and on each panel alone
// (--panels P), for SECONDS after it settles: CPU % of a core (user + system, every thread, from /proc/PID/stat), RSS
// at the end and its peak; htop (-d 10) in the same pane size for the same time as the yardstick.
// Usage (root, after npm run build; htop installed): node bench/steady.mjs [seconds=60] [views=home,softirqs,...]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HZ, Pane, sleep, statusKb, ticks } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 60);
const { PANELS } = await import('../build/js/src/panels/registry.js');
const HOME = PANELS.find((p) => p.role === 'start').id;
// Every panel of the registry, in tab order (or those named).
const VIEWS = process.argv[3]?.split(',') ?? PANELS.map((p) => p.id);
const SETTLE_MS = 5000;
const sixty = path.join(here, '..', 'scripts', 'sixty');

/** Runs `cmd` in a 120×40 tmux pane; returns CPU % over SECONDS (after settling) and RSS of the process running `exe` below it. */
async function measure(cmd, exe) {
  const pane = new Pane('steady', cmd);
  try {
    const pid = await pane.find(exe);
    if (!pid) throw new Error(`${cmd}: no ${exe} below the pane`);
    await sleep(SETTLE_MS);
    const t0 = ticks(pid);
    const w0 = performance.now();
    await sleep(SECONDS * 1000);
    const cpuPct = ((ticks(pid) - t0) / HZ / ((performance.now() - w0) / 1000)) * 100;
    return { cpuPct, rssMb: statusKb(pid, 'VmRSS') / 1024, peakMb: statusKb(pid, 'VmHWM') / 1024 };
  } finally {
    pane.kill();
    await sleep(500);
  }
}

console.log(
  `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), kernel ${os.release()}, node ${process.version}; ${SECONDS} s per view after ${SETTLE_MS / 1000} s to settle, 120×40, 1 s`,
);
const results = {};
execFileSync('which', ['htop']);
results.htop = await measure('htop -d 10', 'htop');
console.log(`htop: ${results.htop.cpuPct.toFixed(2)} % of a core, RSS ${results.htop.rssMb.toFixed(0)} MB`);
for (const v of VIEWS) {
  const args = v === HOME ? '' : ` --panels ${v}`;
  const r = await measure(`env -u CI ${sixty}${args}`, 'node');
  results[v] = r;
  console.log(
    `sixty ${v}: ${r.cpuPct.toFixed(2)} % of a core (${(r.cpuPct / results.htop.cpuPct).toFixed(1)}× htop), RSS ${r.rssMb.toFixed(0)} MB (peak ${r.peakMb.toFixed(0)} MB)`,
  );
}
console.log(JSON.stringify({ bench: 'steady', seconds: SECONDS, results }));
