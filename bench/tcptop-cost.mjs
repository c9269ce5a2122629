// Per-event cost of sixty's tcptop tp_btf hooks (sock_send_length / sock_recv_length).
// Usage (root, after npm run build): node bench/tcptop-cost.mjs [rounds=7] [seconds-per-run=1.5] [msg-size=64] [cpu=1]
// Three arms alternate in each round, in rotating order:
//   detached      no programs loaded
//   attached      both programs attached, kernel.bpf_stats_enabled=0  -> wall-clock overhead
//   attached+stats attached with kernel.bpf_stats_enabled=1             -> in-BPF run_time_ns/run_cnt
// (bpf_stats itself adds two clock reads per program run, so its arm is kept apart from the wall-clock delta.)
import { loadAddon } from '../build/js/src/native.js';
import { bpfObjectPath } from '../build/js/src/paths.js';
import { decodeTcptop, TCPTOP_RECORDS } from '../build/js/src/records/tcptop.js';
import { resolveLayout } from '../build/js/src/records/layout.js';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const OBJ = bpfObjectPath('tcptop');
const PROGS = ['tcptop_send_length_btf', 'tcptop_recv_length_btf'];
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const [ROUNDS, SECS, SIZE, CPU] = [+(process.argv[2] ?? 7), +(process.argv[3] ?? 1.5), +(process.argv[4] ?? 64), +(process.argv[5] ?? 1)];

const addon = loadAddon();

// Build the workload if needed.
const bin = path.join(here, '..', 'build', 'bench', 'pingsend');
if (!existsSync(bin)) {
  execFileSync('mkdir', ['-p', path.dirname(bin)]);
  execFileSync('gcc', ['-O2', '-Wall', '-o', bin, path.join(here, 'pingsend.c')], { stdio: 'inherit' });
}
function workload(iters) {
  const [it, ns, sent, got, pid] = execFileSync(bin, [iters, SIZE, CPU].map(String), { encoding: 'utf8' }).trim().split(' ').map(Number);
  if (it !== iters || sent !== got) throw new Error(`workload mismatch: ${it} ${sent} ${got}`);
  return { iters, ns, sent, pid, nsPerPair: ns / iters };
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y),
    m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const listed = () =>
  sh('bpftool', ['prog', 'list'])
    .split('\n')
    .filter((l) => /tcptop_/.test(l));
// The kernel frees a closed tracing program asynchronously (~10-30 ms here): poll up to 2 s before calling it a leak.
async function leftover() {
  for (let i = 0; i < 40; i++) {
    const l = listed();
    if (!l.length) return l;
    await new Promise((r) => setTimeout(r, 50));
  }
  return listed();
}

let current = null; // the attached object, closed on every exit path
const prevStats = readFileSync(STATS, 'utf8').trim();
const setStats = (v) => writeFileSync(STATS, String(v));
function cleanup() {
  try {
    current?.close();
  } catch {
    /* closing is best effort here */
  }
  current = null;
  try {
    setStats(prevStats);
  } catch {
    /* ditto */
  }
}
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });

// Sums tx/rx for the workload's pid, through sixty's own decoder.
function bytesFor(obj, pid) {
  const layouts = Object.fromEntries(Object.entries(TCPTOP_RECORDS).map(([k, d]) => [k, resolveLayout(d, obj.layout(d.struct))]));
  // A big talker is moved from the LRU map to tcptop_big; for a moment it can be in both: the copy that moved further.
  const byConn = new Map();
  for (const map of ['tcptop_conns', 'tcptop_big']) {
    for (const r of decodeTcptop(obj.readMap(map), layouts).filter((x) => x.pid === pid)) {
      const k = r.rawKey.toString('hex');
      const had = byConn.get(k);
      if (!had || r.tx + r.rx > had.tx + had.rx) byConn.set(k, r);
    }
  }
  const mine = [...byConn.values()];
  return { tx: mine.reduce((s, r) => s + r.tx, 0), rx: mine.reduce((s, r) => s + r.rx, 0), entries: mine.length };
}

async function attachedRun(iters, stats) {
  const obj = await addon.load(OBJ, PROGS);
  current = obj;
  try {
    obj.attach();
    setStats(stats ? 1 : 0);
    const w = workload(iters);
    setStats(prevStats);
    const progs = obj.programs().filter((p) => PROGS.includes(p.name));
    const b = bytesFor(obj, w.pid);
    const cnt = progs.reduce((s, p) => s + (p.runCount ?? 0), 0),
      t = progs.reduce((s, p) => s + (p.runTimeNs ?? 0), 0);
    return {
      ...w,
      ...b,
      ok: b.tx === w.sent && b.rx === w.sent,
      runCnt: cnt,
      runNsPerEvent: cnt ? t / cnt : NaN,
      perProg: Object.fromEntries(progs.map((p) => [p.name, p.runCount ? p.runTimeNs / p.runCount : NaN])),
    };
  } finally {
    obj.close();
    current = null;
    setStats(prevStats);
  }
}

try {
  const pre = await leftover();
  if (pre.length) throw new Error(`tcptop programs already loaded:\n${pre.join('\n')}`);
  // Calibrate: iterations for ~SECS seconds detached.
  workload(20000);
  const cal = workload(100000);
  const ITERS = Math.max(10000, Math.round((SECS * 1e9) / cal.nsPerPair));
  const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? 'unknown';
  console.log(`machine: nproc=${os.availableParallelism()} kernel=${os.release()} cpu="${cpuModel}"`);
  console.log(`workload: ${ITERS} iterations x (1 send + 1 recv of ${SIZE} B) over 127.0.0.1, pinned to cpu ${CPU}; ${ROUNDS} rounds\n`);

  const arms = ['detached', 'attached', 'attached+stats'],
    res = { detached: [], attached: [], 'attached+stats': [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(r + k) % arms.length];
      const x = arm === 'detached' ? workload(ITERS) : await attachedRun(ITERS, arm === 'attached+stats');
      res[arm].push(x);
      const extra =
        arm === 'detached'
          ? ''
          : ` tx=${x.tx} rx=${x.rx} sent=${x.sent} ${x.ok ? 'OK' : 'MISMATCH'}` +
            (arm === 'attached+stats' ? ` run_cnt=${x.runCnt} bpf_ns/event=${x.runNsPerEvent.toFixed(1)}` : ` run_cnt=${x.runCnt}`);
      console.log(`round ${r + 1} ${arm.padEnd(14)} ${x.nsPerPair.toFixed(1).padStart(7)} ns/pair${extra}`);
    }
  }

  const med = (arm) => median(res[arm].map((x) => x.nsPerPair));
  const d = med('detached'),
    a = med('attached'),
    as = med('attached+stats');
  const perEvent = (a - d) / 2,
    perEventStats = (as - d) / 2;
  const bpfNs = median(res['attached+stats'].map((x) => x.runNsPerEvent));
  const perProg = Object.fromEntries(PROGS.map((p) => [p, median(res['attached+stats'].map((x) => x.perProg[p]))]));
  const spread = (arm) => {
    const v = res[arm].map((x) => x.nsPerPair);
    return `${Math.min(...v).toFixed(0)}..${Math.max(...v).toFixed(0)}`;
  };
  const allOk = [...res.attached, ...res['attached+stats']].every((x) => x.ok);
  const expectedCnt = 2 * (ITERS + 1000); // timed iterations + warm-up, one send + one recv each

  console.log('\n| arm             | median ns/pair | min..max   | delta ns/event | ratio  |');
  console.log('|-----------------|----------------|------------|----------------|--------|');
  console.log(`| detached        | ${d.toFixed(1).padStart(14)} | ${spread('detached').padEnd(10)} | ${'-'.padStart(14)} | ${'1.000'.padStart(6)} |`);
  console.log(
    `| attached        | ${a.toFixed(1).padStart(14)} | ${spread('attached').padEnd(10)} | ${perEvent.toFixed(1).padStart(14)} | ${(a / d).toFixed(3).padStart(6)} |`,
  );
  console.log(
    `| attached+stats  | ${as.toFixed(1).padStart(14)} | ${spread('attached+stats').padEnd(10)} | ${perEventStats.toFixed(1).padStart(14)} | ${(as / d).toFixed(3).padStart(6)} |`,
  );
  console.log(
    `\nin-BPF cost (bpf_stats run_time_ns/run_cnt, median): ${bpfNs.toFixed(1)} ns/event` +
      ` (send ${perProg[PROGS[0]].toFixed(1)}, recv ${perProg[PROGS[1]].toFixed(1)})`,
  );
  console.log(`run_cnt per run: ${res['attached+stats'].map((x) => x.runCnt).join(', ')} (workload events ${expectedCnt})`);
  console.log(`map check (tx_bytes == bytes sent, rx_bytes == bytes received, every attached run): ${allOk ? 'OK' : 'MISMATCH'}`);

  console.log(
    JSON.stringify({
      bench: 'tcptop-cost',
      nproc: os.availableParallelism(),
      kernel: os.release(),
      cpu: cpuModel,
      rounds: ROUNDS,
      iters: ITERS,
      msgSize: SIZE,
      detachedNsPerPair: +d.toFixed(1),
      attachedNsPerPair: +a.toFixed(1),
      attachedStatsNsPerPair: +as.toFixed(1),
      deltaNsPerEvent: +perEvent.toFixed(1),
      deltaNsPerEventWithStats: +perEventStats.toFixed(1),
      ratio: +(a / d).toFixed(4),
      bpfRunNsPerEvent: +bpfNs.toFixed(1),
      bpfRunNsPerProg: Object.fromEntries(Object.entries(perProg).map(([k, v]) => [k, +v.toFixed(1)])),
      mapCheckOk: allOk,
    }),
  );
} finally {
  cleanup();
  const left = await leftover();
  console.log(left.length ? `WARNING: tcptop programs still loaded:\n${left.join('\n')}` : 'cleanup: no tcptop_* programs left (bpftool prog list)');
  console.log(`kernel.bpf_stats_enabled restored to ${readFileSync(STATS, 'utf8').trim()}`);
}
