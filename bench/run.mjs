// npm run bench: every benchmark in turn on this machine, then bench/RESULTS.md: the machine, the date, the commit,
// each figure beside its target (met or missed, by how much), and the figures of the previous run, so that a regression
// shows. Each run's figures are also appended to bench/results.jsonl, which keeps them all.
// Each finished benchmark's figures are kept in bench/.partial.jsonl until the report is written: after an
// interruption, --resume goes on from the first benchmark not done.
// --only NAME,NAME runs those benchmarks alone (after a change to what they measure) and reports only their rows.
// Usage (root, after npm run build): node bench/run.mjs [--quick] [--resume] [--only NAMES]   (--quick: shorter runs)
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { FIXTURES } = await import('../test/panels/index.ts');

const here = path.dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes('--quick');
const q = (full, quick) => String(QUICK ? quick : full);

if (process.getuid?.() !== 0) {
  console.error('npm run bench: run it as root (it loads BPF programs and reads other processes)');
  process.exit(77);
}
// What the comparisons need: htop (bytes per frame, steady cost) and Debian's libbpf-tools (batch mode).
const missing = [
  ['htop', '/usr/bin/htop'],
  ['libbpf-tools', '/usr/sbin/softirqs'],
]
  .filter(([, f]) => !existsSync(f))
  .map(([p]) => p);
if (missing.length) {
  console.log(`installing ${missing.join(' ')} for the comparisons`);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const STEPS = [
  ['memory', ['memory.mjs', q(10, 5)]],
  ['first-frame', ['first-frame.mjs', q(7, 3)]],
  ['startup', ['startup.mjs', q(9, 3)]],
  ['steady', ['steady.mjs', q(60, 15)]],
  ['console-cost', ['console-cost.mjs', q(60, 20)]],
  ['bytes-per-frame', ['bytes-per-frame.mjs', q(20, 10)]],
  ['panel-cost', ['panel-cost.mjs']],
  ['tcptop-cost', ['tcptop-cost.mjs']],
  ['tier-cost', ['tier-cost.mjs']],
  ['map-mirror', ['map-mirror.mjs']],
  ['tcptop-scale', ['tcptop-scale.mjs', QUICK ? '1000,10000' : '1000,10000,50000', q(15, 8)]],
  ['filetop-scale 1k', ['filetop-scale.mjs', '1000']],
  // 12 rounds (6 s of writes): the median wants several steady intervals (at 100k files a round takes about a second).
  ['filetop-scale 10k', ['filetop-scale.mjs', '10000', '12']],
  ['filetop-scale 100k', ['filetop-scale.mjs', '100000', '12']],
  // 5,000 processes of 4 tasks each (20,000 threads), beside htop in the same run.
  ['procs-scale', ['procs-scale.mjs', '5000', '4', q(10, 5)]],
  // --cgroup's filter in the kernel (events outside, inside, none), and the cgroup panel's read with 500 cgroups.
  ['cgroups-cost', ['cgroups-cost.mjs', '500']],
  // The event panels at 1k to unbounded events a second (made = seen + counted lost), and the console at 10,000 opens/s.
  ['event-rate', ['event-rate.mjs', q(3, 2), q(20, 8)]],
  ['batch-vs-libbpf-tools', ['batch-vs-libbpf-tools.mjs', q(30, 10), q(3, 1)]],
  // The always-on sixty (--serve --record DIR, every panel) beside node_exporter in the same run.
  ['daemon', ['daemon.mjs', q(300, 60), q(60, 20)]],
];

const onlyAt = process.argv.indexOf('--only');
const ONLY =
  onlyAt > 0
    ? new Set(
        (process.argv[onlyAt + 1] ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
    : null;
if (ONLY) {
  const unknown = [...ONLY].filter((n) => !STEPS.some(([name]) => name === n));
  if (unknown.length || ONLY.size === 0) {
    console.error(`npm run bench: --only takes benchmark names separated by commas: ${STEPS.map(([n]) => n).join(', ')}`);
    process.exit(2);
  }
}

/** Runs one benchmark, its output shown as it comes; returns its last JSON line. */
function run(args) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [path.join(here, args[0]), ...args.slice(1)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    c.on('close', (code) => {
      const json = out
        .split('\n')
        .filter((l) => l.startsWith('{"bench"'))
        .pop();
      if (code !== 0 || !json) reject(new Error(`${args[0]} exited ${code}${json ? '' : ' without its results'}`));
      else resolve(JSON.parse(json));
    });
  });
}

const started = new Date();
const commit = (() => {
  try {
    return execFileSync('git', ['-C', here, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const partial = path.join(here, '.partial.jsonl');
const raw = {};
if (process.argv.includes('--resume') && existsSync(partial)) {
  for (const l of readFileSync(partial, 'utf8').split('\n').filter(Boolean)) {
    const { name, result } = JSON.parse(l);
    raw[name] = result;
  }
} else writeFileSync(partial, '');
for (const [name, args] of STEPS) {
  if (ONLY && !ONLY.has(name)) continue;
  if (raw[name]) {
    console.log(`\n### ${name}: done before (--resume)`);
    continue;
  }
  console.log(`\n### ${name}: node bench/${args.join(' ')}`);
  raw[name] = await run(args);
  appendFileSync(partial, JSON.stringify({ name, result: raw[name] }) + '\n');
}

// ---- figures against targets ----
const f = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const rows = []; // [measure, figure, target, verdict, key, value]
const target = (measure, value, figure, goal, met, why = '') =>
  rows.push({ measure, value, figure, goal, verdict: met ? 'met' : `missed${why ? `: ${why}` : ''}` });
for (const r of raw['map-mirror']?.results ?? [])
  target(
    `map mirror, ${r.entries.toLocaleString('en')} entries: walk, picks and slots per read`,
    r.msPerRead,
    `${f(r.msPerRead, 2)} ms (first read ${f(r.firstReadMs, 1)} ms)`,
    '-',
    true,
  );
const ff = raw['first-frame'];
if (ff) {
  target('first paint (frame with – for values)', ff.paintMs, `${f(ff.paintMs)} ms`, '< 300 ms', ff.paintMs < 300);
  target(
    'console drawn by Ink',
    ff.consoleMs,
    `${f(ff.consoleMs)} ms`,
    '< 300 ms',
    ff.consoleMs < 300,
    `by ${f(ff.consoleMs - 300)} ms (importing ink, react and yoga)`,
  );
}
if (raw.startup) target('every panel loaded and attached (in-process)', raw.startup.openMs, `${f(raw.startup.openMs)} ms`, '-', true);
const st = raw.steady?.results ?? {};
for (const [view, r] of Object.entries(st)) {
  if (view === 'htop') continue;
  target(
    `CPU, console on ${view}, 1 s`,
    r.cpuPct,
    `${f(r.cpuPct, 2)} % (${f(r.cpuPct / st.htop.cpuPct, 1)}× htop)`,
    '< 1 %',
    r.cpuPct < 1,
    `by ${f(r.cpuPct - 1, 2)} points`,
  );
  target(`RSS, console on ${view}`, r.rssMb, `${f(r.rssMb)} MB (peak ${f(r.peakMb)})`, '< 90 MB', r.rssMb < 90, `by ${f(r.rssMb - 90)} MB`);
}
const dm = raw.daemon;
if (dm) {
  target(
    'CPU, sixty --serve --record DIR, every panel, 1 s (node_exporter beside it, same run)',
    dm.sixtyCpuPct,
    `${f(dm.sixtyCpuPct, 2)} % (node_exporter ${f(dm.exporterCpuPct, 2)} %)`,
    '≤ 0.3 %',
    dm.sixtyCpuPct <= 0.3,
    `by ${f(dm.sixtyCpuPct - 0.3, 2)} points`,
  );
  target(
    'RSS, sixty --serve --record DIR',
    dm.sixtyRssMb,
    `${f(dm.sixtyRssMb)} MB (node_exporter ${f(dm.exporterRssMb)} MB)`,
    '≤ 55 MB',
    dm.sixtyRssMb <= 55,
    `by ${f(dm.sixtyRssMb - 55)} MB`,
  );
  target(
    'recording, a day at 1 s',
    dm.recordingMbPerDay,
    `${f(dm.recordingMbPerDay)} MB`,
    '≤ 50 MB',
    dm.recordingMbPerDay <= 50,
    `by ${f(dm.recordingMbPerDay - 50)} MB`,
  );
  target('--replay DIR --at: to the first frame', dm.replayAtMs, `${f(dm.replayAtMs)} ms`, '< 1000 ms', dm.replayAtMs < 1000);
}
const cc = raw['console-cost'];
if (cc) {
  const by = Object.fromEntries(cc.side.map((r) => [r.name, r]));
  const s = by.sixty;
  target(
    'CPU, console on home beside btop, htop and a bare Ink app (one run)',
    s.cpuPct,
    `${f(s.cpuPct, 2)} % (btop ${f(by.btop?.cpuPct, 2)} %, htop ${f(by.htop?.cpuPct, 2)} %, bare Ink drawing the same lines ${f(by['bare Ink']?.cpuPct, 2)} %)`,
    '< 1 %',
    s.cpuPct < 1,
    `by ${f(s.cpuPct - 1, 2)} points`,
  );
  const pf = cc.perFrameMs;
  target(
    'main-thread time per 1 s frame on home',
    pf.total,
    `${f(pf.total, 1)} ms: ${Object.entries(pf)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `${k.split(':')[0]} ${f(v, 1)}`)
      .join(', ')}`,
    '-',
    true,
  );
}
const bpf = raw['bytes-per-frame']?.bytesPerSecond;
for (const k of bpf ? ['sixtyHome', 'sixtySoftirqs'] : [])
  target(
    `terminal bytes per 1 s frame, ${k.slice('sixty'.length).toLowerCase()}`,
    bpf[k],
    `${f(bpf[k])} B (${f(bpf[k] / bpf.htop, 2)}× htop's ${f(bpf.htop)})`,
    "≤ htop's",
    bpf[k] <= bpf.htop,
    `${f(bpf[k] / bpf.htop, 2)}×`,
  );
// Each panel's budget per event and program runs per event are in its fixture (test/panels/ID.ts).
const design = Object.fromEntries([...FIXTURES.values()].filter((x) => x.bench).map((x) => [x.panel.id, x.bench.budgetNs]));
for (const r of raw['panel-cost']?.results ?? [])
  target(
    `${r.panel}${r.workload ? ` ${r.workload}` : ''} cost per event [${r.tier}]`,
    r.addedNsPerEvent,
    `+${f(r.addedNsPerEvent)} ns (×${f(r.ratio, 3)}), ${f(r.inBpfNsPerEvent)} ns in BPF`,
    // A named workload (a fork-exec, a ping-pong) is several hook runs per event: its slowdown is reported, not budgeted.
    r.workload ? '-' : `≤ ${design[r.panel]} ns (its budget)`,
    r.workload ? true : r.addedNsPerEvent <= design[r.panel],
  );
const tc = raw['tcptop-cost'];
if (tc)
  target(
    'tcptop cost per event [tp_btf]',
    tc.deltaNsPerEvent,
    `+${f(tc.deltaNsPerEvent)} ns (×${f(tc.ratio, 3)}), ${f(tc.bpfRunNsPerEvent)} ns in BPF`,
    `≤ ${design.tcptop} ns (its budget)`,
    tc.deltaNsPerEvent <= design.tcptop,
  );
// Per program run, on every tier that attaches here; the first is the one the ladder picks.
const runsPerEvent = Object.fromEntries([...FIXTURES.values()].filter((x) => x.bench?.runsPerEvent).map((x) => [x.panel.id, x.bench.runsPerEvent]));
for (const r of raw['tier-cost']?.results ?? []) {
  const c = r.costs?.[0];
  if (!c || !(r.panel in runsPerEvent)) continue;
  const ns = c.nsPerRun * runsPerEvent[r.panel];
  target(`${r.panel} in-BPF time per event [${c.tier}]`, ns, `${f(ns)} ns`, `≤ ${design[r.panel]} ns (its budget)`, ns <= design[r.panel]);
}
for (const r of raw['tcptop-scale']?.results ?? []) {
  const goal = r.connections >= 50000 ? 150 : r.connections >= 10000 ? 20 : null;
  target(
    `tcptop, ${r.connections.toLocaleString('en')} connections: read + model + render per interval`,
    r.cpuMsPerInterval,
    `${f(r.cpuMsPerInterval, 1)} ms (read + model ${f(r.readModelMs, 1)} ms), transfer ${r.exact ? 'exact' : 'NOT exact'}`,
    goal ? `< ${goal} ms` : '-',
    goal === null || r.cpuMsPerInterval < goal,
    goal ? `by ${f(r.cpuMsPerInterval - goal, 1)} ms` : '',
  );
  target(
    `tcptop, ${r.connections.toLocaleString('en')} connections: the console`,
    r.consoleCpuPct,
    `${f(r.consoleCpuPct, 1)} % CPU, RSS ${f(r.consoleRssMb)} MB`,
    r.connections >= 9500 && r.connections <= 10000 ? '< 8 %, < 200 MB (issue 6)' : '-',
    !(r.connections >= 9500 && r.connections <= 10000) || (r.consoleCpuPct < 8 && r.consoleRssMb < 200),
  );
}
const cg = raw['cgroups-cost'];
for (const r of cg?.filter ?? []) {
  // The filter must make a filtered panel cheaper, never dearer (issue 21): events from outside cost less than none,
  // those inside no more than the check (within this machine's noise, 15 %).
  target(
    `${r.panel} with --cgroup, per program run [${r.tier}]`,
    r.outside,
    `outside the subtree ${f(r.outside)} ns (×${(r.outside / r.none).toFixed(2)}), inside ${f(r.inside)} ns (×${(r.inside / r.none).toFixed(2)}), none ${f(r.none)} ns`,
    'outside ≤ none, inside ≤ 1.15× none',
    r.outside <= r.none && r.inside <= r.none * 1.15,
  );
}
if (cg?.read?.after)
  target(
    `cgroups panel read, ${cg.read.after.cgroups} cgroups`,
    cg.read.after.medianMs,
    `${f(cg.read.after.medianMs, 1)} ms a read (p90 ${f(cg.read.after.p90Ms, 1)}; ${cg.read.before.cgroups} cgroups: ${f(cg.read.before.medianMs, 1)} ms)`,
    '-',
    true,
  );
const er = raw['event-rate'];
for (const r of er?.rates ?? []) {
  // Every event the workload made is seen or counted as lost (issue 22). Where events are lost, the count of the lost
  // covers the host's other events too (sixty's own /proc reads…): seen + lost is then at least what it made.
  const lossless = r.lost === 0 && r.seen === r.made;
  target(
    `${r.id} at ${r.rate === 'max' ? 'full speed' : `${r.rate.toLocaleString('en')}/s`} (${r.perS.toLocaleString('en')}/s made)`,
    r.seen / r.made,
    `${r.seen.toLocaleString('en')} of ${r.made.toLocaleString('en')} seen, ${r.lost.toLocaleString('en')} counted lost, ${r.unaccounted} unaccounted`,
    r.rate === 'max' ? 'made ≤ seen + counted lost' : 'none lost',
    r.unaccounted <= 0 && (r.rate === 'max' || lossless),
  );
}
for (const c of er?.consoles ?? [])
  target(`CPU, console on opensnoop (${c.view}) at 10,000 opens/s`, c.cpuPct, `${f(c.cpuPct, 2)} % of a CPU`, '< 15 %', c.cpuPct < 15 && c.shows);
const ps = raw['procs-scale'];
for (const k of ps ? ['quiet', 'load'] : []) {
  const r = ps.results[k];
  const what =
    k === 'quiet' ? 'quiet host' : `${ps.processes.toLocaleString('en')} processes, ${(ps.processes * ps.tasksPerProcess).toLocaleString('en')} threads`;
  for (const mode of ['processes', 'threads']) {
    const ratio = r[mode].msPerInterval / r.htop.msPerInterval;
    target(
      `procs, ${what}, by ${mode}: read + model per interval`,
      r[mode].msPerInterval,
      `${f(r[mode].msPerInterval, 1)} ms of CPU (${f(ratio, 2)}× htop's ${f(r.htop.msPerInterval, 1)} ms per second; read ${f(r[mode].readMs, 1)}, model ${f(r[mode].modelMs, 1)}, first interval ${f(r[mode].firstIntervalMs)} ms), RSS ${f(r[mode].rssMB)} MB`,
      k === 'load' ? "≤ htop's (issue 20)" : '-',
      k !== 'load' || ratio <= 1,
      `${f(ratio, 2)}× htop's (docs/performance.md: reading every thread's stat)`,
    );
  }
}
for (const k of ['filetop-scale 1k', 'filetop-scale 10k', 'filetop-scale 100k']) {
  const r = raw[k];
  if (!r) continue;
  const goal = r.files >= 100000 ? 150 : r.files >= 10000 ? 20 : null;
  // The time means something only if the writes were counted: past its map's size (set from the files open when it
  // attaches, 262144 at most) its LRU evicts rows before they are read (it says so, as "totals incomplete").
  const ran = r.writes >= 0.9 * r.expected;
  const writes =
    r.writerListed === r.expected
      ? 'exact'
      : `${r.writerListed} of ${r.expected} listed, ${r.writes} counted${r.evicted ? `, ${r.evicted} rows evicted (map full, said on screen)` : ''}`;
  target(
    `filetop, ${r.files.toLocaleString('en')} files: read + model per interval`,
    r.msPerInterval,
    `${f(r.msPerInterval, 1)} ms${r.wallMsPerInterval !== undefined ? ` of CPU (wall ${f(r.wallMsPerInterval, 1)} ms, first interval ${f(r.firstIntervalMs)} ms)` : ''}, RSS ${f(r.rssMB)} MB, map ${r.capacity ?? 16384}, writes ${writes}`,
    goal ? `< ${goal} ms` : '-',
    ran && (goal === null || r.msPerInterval < goal),
    ran
      ? goal
        ? `by ${f(r.msPerInterval - goal, 1)} ms`
        : ''
      : `not comparable: ${r.files.toLocaleString('en')} files overflow filetop's map (${r.capacity ?? 16384}), so most writes were evicted before a read`,
  );
}
for (const r of raw['batch-vs-libbpf-tools']?.results ?? []) {
  const vs =
    r.toolCpuS !== null
      ? `${f(r.sixtyCpuS, 2)} s vs ${r.tool} ${f(r.toolCpuS, 2)} s (${f(r.sixtyCpuS / r.toolCpuS, 1)}×); peak ${f(r.sixtyPeakMb)} MB vs ${f(r.toolPeakMb)} MB`
      : `${f(r.sixtyCpuS, 2)} s, peak ${f(r.sixtyPeakMb)} MB; ${r.tool} does not run here (${r.toolError})`;
  const cpuOk = r.toolCpuS === null || r.sixtyCpuS <= 3 * r.toolCpuS;
  target(
    `batch ${r.panel}, ${raw['batch-vs-libbpf-tools'].seconds} s`,
    r.sixtyCpuS,
    vs,
    '≤ 3× CPU, < 60 MB',
    cpuOk && r.sixtyPeakMb < 60,
    [cpuOk ? '' : `CPU ${f(r.sixtyCpuS / r.toolCpuS, 1)}×`, r.sixtyPeakMb < 60 ? '' : `peak ${f(r.sixtyPeakMb - 60)} MB over`].filter(Boolean).join(', '),
  );
}

// ---- previous run, for regressions ----
const jsonl = path.join(here, 'results.jsonl');
// Each measure's figure in the latest run that has it (a run with --only has a few).
const runs = existsSync(jsonl)
  ? readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const before = new Map(runs.flatMap((run) => run.rows ?? []).map((r) => [r.measure, r]));
const machine = `${os.cpus().length} vCPU ${os.cpus()[0]?.model?.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, kernel ${os.release()}, node ${process.version}`;
const mem = raw.memory?.results.at(-1).stages;
const section = [
  `## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}${QUICK ? ' (--quick)' : ''}${ONLY ? ` (only ${[...ONLY].join(', ')})` : ''}`,
  '',
  `Machine: ${machine}. Medians as each benchmark states; ratios from the same run.`,
  '',
  '| measure | figure | target | verdict | previous run |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.measure} | ${r.figure} | ${r.goal} | ${r.verdict} | ${before.get(r.measure)?.figure ?? '-'} |`),
  '',
  ...(mem
    ? [
        `Where the memory goes (bench/memory.mjs, the launcher's settings): ${mem.map((s) => `${s.stage} ${f(s.rssMb)} MB`).join(', ')}; of the last, V8's heap ${f(mem.at(-1).heapMb)} MB, yoga's WebAssembly memory ${f(mem.at(-1).externalMb)} MB, node's own code (mapped file) ${f(mem.at(-1).fileMb)} MB.`,
        '',
      ]
    : []),
].join('\n');
const resultsMd = path.join(here, 'RESULTS.md');
const head =
  '# Benchmark results\n\nWritten by `npm run bench` (bench/run.mjs); the newest run first, earlier runs kept below it. Why targets are missed: docs/performance.md.\n\n';
const old = existsSync(resultsMd) ? readFileSync(resultsMd, 'utf8').replace(head, '') : '';
writeFileSync(resultsMd, head + section + '\n' + old);
appendFileSync(jsonl, JSON.stringify({ date: started.toISOString(), commit, machine, quick: QUICK, ...(ONLY ? { only: [...ONLY] } : {}), rows, raw }) + '\n');
rmSync(partial, { force: true });
console.log(`\n${section}\nwritten to bench/RESULTS.md and bench/results.jsonl`);
