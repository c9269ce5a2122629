// What cgroups cost, on this kernel (root, after npm run build):
// 1. Each BPF panel that takes a row's cgroup, on its first tier this kernel runs, its fixture's burst of events with
//    kernel.bpf_stats_enabled on, three ways: no --cgroup; --cgroup of an empty cgroup (every event outside: dropped by
//    the filter before any map work); --cgroup of the cgroup the burst runs in (every event inside: the filter's walk,
//    then the usual work). ns per program run, median of 7 rounds, the three interleaved.
// 2. The cgroup panel's read with N cgroups (default 500) made for the purpose (in cgroup2, and on a hybrid host in the
//    v1 cpu and memory hierarchies too): median and p90 of 30 reads, ms, and the read with none added.
// Usage: node bench/cgroups-cost.mjs [N]
import { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { AttachProber } from '../build/js/src/kernel/attach-types.js';
import { loadAddon } from '../build/js/src/native.js';
import { PANELS } from '../build/js/src/panels/registry.js';
import { bpfObjectPath } from '../build/js/src/paths.js';
import { createCgroupReader } from '../build/js/src/panels/cgroups.js';
import { cgroupSetup } from '../build/js/src/kernel/cgroups.js';
import { DEFAULT_DEPS, addonReadFiles } from '../build/js/src/engine.js';
import { register } from 'tsx/esm/api';

register();
const { FIXTURES } = await import('../test/panels/index.ts');

const N = Number(process.argv[2] ?? 500);
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const addon = loadAddon();
const prober = new AttachProber(addon);
const kernel = { functionParams: (n) => addon.kernelFunctionParams(n) };
const setup = cgroupSetup((p) => readFileSync(p, 'utf8'));
const v2 = setup.mounts.v2;
if (!v2) throw new Error('no cgroup2 mounted');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

const top = `/sixty-bench-${process.pid}`;
const made = [];
const mk = (dir) => {
  mkdirSync(dir, { recursive: true });
  made.push(dir);
};
const home = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1] ?? '/';
const moveSelf = (path) => writeFileSync(`${v2}${path === '/' ? '' : path}/cgroup.procs`, String(process.pid));

const prev = readFileSync(STATS, 'utf8').trim();
const results = { bench: 'cgroups-cost', kernel: os.release(), cpus: os.cpus().length, filter: [], read: {} };
try {
  mk(v2 + top);
  mk(`${v2}${top}/empty`);
  mk(`${v2}${top}/inside`);
  const idOf = (p) => Number(statSync(v2 + p, { bigint: true }).ino);
  const level = (p) => p.split('/').filter(Boolean).length;
  writeFileSync(STATS, '1');
  for (const def of PANELS) {
    const burst = FIXTURES.get(def.id)?.bench?.burst;
    if (def.source.kind !== 'bpf' || !def.source.cgroupFilter || !burst) continue;
    let tier;
    for (const t of def.source.tiers)
      if ((await Promise.all(t.types.map((x) => prober.probe(x)))).every((r) => r.ok)) {
        tier = t;
        break;
      }
    if (!tier) continue;
    const row = { panel: def.id, tier: tier.name };
    const variants = [
      ['none', null],
      ['outside', `${top}/empty`],
      ['inside', `${top}/inside`],
    ];
    // Interleaved: each round runs every variant once (load, attach, a burst, detach), so that the machine's drift
    // falls on all three alike; the median of 7 rounds per variant.
    const per = Object.fromEntries(variants.map(([how]) => [how, []]));
    for (let round = 0; round < 7; round++) {
      for (const [how, path] of variants) {
        const filter = path ? { cgroup_filter_id: idOf(path), cgroup_filter_level: level(path) } : {};
        const rodata = { ...tier.rodata?.(kernel), ...filter };
        const obj = await addon.load(bpfObjectPath(def.source.stem), [...tier.programs], { rodata });
        obj.attach();
        try {
          if (how === 'inside') moveSelf(path);
          burst();
          const t = obj.programs().reduce((a, p) => ({ runs: a.runs + (p.runCount ?? 0), ns: a.ns + (p.runTimeNs ?? 0) }), { runs: 0, ns: 0 });
          if (t.runs > 0) per[how].push(t.ns / t.runs);
        } finally {
          if (how === 'inside') moveSelf(home);
          obj.close();
        }
      }
    }
    for (const [how] of variants) row[how] = median(per[how]);
    console.log(
      `${def.id} (${row.tier}): ${row.none.toFixed(0)} ns per run without --cgroup; ${row.outside.toFixed(0)} ns with every event outside the filter (×${(row.outside / row.none).toFixed(2)}); ${row.inside.toFixed(0)} ns with every event inside (×${(row.inside / row.none).toFixed(2)})`,
    );
    results.filter.push(row);
  }
  writeFileSync(STATS, prev);

  // The cgroup panel's read, before and after N cgroups.
  const host = {
    readText: (p) => readFileSync(p, 'utf8'),
    listSubdirs: DEFAULT_DEPS.listSubdirs,
    readFiles: addonReadFiles(() => addon),
    nowNs: () => Number(process.hrtime.bigint()),
    onlineCpus: () => os.cpus().length,
  };
  const time = () => {
    const read = createCgroupReader(host);
    read();
    const ms = [];
    let count = 0;
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint();
      count = read().entries.size;
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { cgroups: count, medianMs: median(ms), p90Ms: p90(ms) };
  };
  results.read.before = time();
  const v1 = ['cpu', 'memory'].map((c) => setup.mounts.v1.get(c)).filter(Boolean);
  for (const root of v1) mk(root + top);
  for (let i = 0; i < N; i++) for (const root of [v2, ...v1]) mk(`${root}${top}/g${i}`);
  results.read.after = time();
  console.log(
    `cgroups read: ${results.read.before.cgroups} cgroups ${results.read.before.medianMs.toFixed(2)} ms (p90 ${results.read.before.p90Ms.toFixed(2)}); ${results.read.after.cgroups} cgroups ${results.read.after.medianMs.toFixed(2)} ms (p90 ${results.read.after.p90Ms.toFixed(2)})`,
  );
} finally {
  writeFileSync(STATS, prev);
  for (const d of made.reverse()) {
    try {
      rmdirSync(d);
    } catch {
      /* still busy: left for the next run */
    }
  }
}
console.log(JSON.stringify(results));
