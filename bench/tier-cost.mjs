// In-kernel cost per event of every hook tier this kernel supports, for every BPF panel: each tier's programs attached
// alone, kernel.bpf_stats_enabled on, the panel's burst of events run (its fixture's bench.burst), then run_time_ns / run_cnt per
// program. Under emulation (test/kernels/run) times are slow, so compare tiers by ratio within one kernel.
// Usage (root, after npm run build): node bench/tier-cost.mjs [panel...]
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { AttachProber } from '../build/js/src/kernel/attach-types.js';
import { loadAddon } from '../build/js/src/native.js';
import { PANELS } from '../build/js/src/panels/registry.js';
import { bpfObjectPath } from '../build/js/src/paths.js';
import { register } from 'tsx/esm/api';

register();
// Each panel's burst of events is in its fixture (test/panels/ID.ts: bench.burst).
const { FIXTURES } = await import('../test/panels/index.ts');

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const only = process.argv.slice(2);
const addon = loadAddon();
const prober = new AttachProber(addon);
const kernel = { functionParams: (n) => addon.kernelFunctionParams(n) };

const prev = readFileSync(STATS, 'utf8').trim();
writeFileSync(STATS, '1');
const results = [];
try {
  for (const def of PANELS) {
    const burst = FIXTURES.get(def.id)?.bench?.burst;
    if (def.source.kind !== 'bpf' || !burst || (only.length && !only.includes(def.id))) continue;
    const costs = [];
    for (const tier of def.source.tiers) {
      if (!(await Promise.all(tier.types.map((t) => prober.probe(t)))).every((r) => r.ok)) continue;
      let obj;
      try {
        const rodata = tier.rodata?.(kernel);
        obj = await addon.load(bpfObjectPath(def.source.stem), [...tier.programs], rodata ? { rodata } : {});
        obj.attach();
      } catch {
        obj?.close();
        continue;
      }
      try {
        burst();
        let runs = 0;
        let ns = 0;
        for (const p of obj.programs().filter((x) => x.loaded)) {
          runs += p.runCount ?? 0;
          ns += p.runTimeNs ?? 0;
        }
        if (runs > 0) costs.push({ tier: tier.name, runs, nsPerRun: ns / runs });
      } finally {
        obj.close();
      }
    }
    const base = Math.min(...costs.map((c) => c.nsPerRun));
    for (const c of costs)
      console.log(`${def.id} ${c.tier}: ${c.nsPerRun.toFixed(0)} ns per program run (${c.runs} runs), ×${(c.nsPerRun / base).toFixed(2)} of the cheapest`);
    results.push({ panel: def.id, costs: costs.map((c) => ({ ...c, ratio: c.nsPerRun / base })) });
  }
} finally {
  writeFileSync(STATS, prev);
}
console.log(JSON.stringify({ bench: 'tier-cost', kernel: os.release(), results }));
