import { runqlatPanel } from '../../src/panels/runqlat.js';
import type { RunqlatSample } from '../../src/models/runqlat.js';
import { RUNQLAT_SLOTS, type RunqlatRecord } from '../../src/records/runqlat.js';
import { runqlatGroundTruth } from '../helpers/procs-truth.js';
import { schedloop, SWITCH_BURST, using, type PanelFixture } from './kit.js';

/** A CPU's cumulative histogram after k seconds: `per` waits a second in the given slots. */
function cpuRec(cpu: number, k: number, per: Record<number, number>): RunqlatRecord {
  const hist = new Array<number>(RUNQLAT_SLOTS).fill(0);
  let count = 0;
  let sumNs = 0;
  for (const [slot, n] of Object.entries(per)) {
    hist[Number(slot)] = n * k;
    count += n * k;
    sumNs += n * k * 0.75 * 2 ** Number(slot) * 1000;
  }
  return { cpu, count, sumNs, hist };
}

export function runqlatSamples(): RunqlatSample[] {
  const at = (k: number): RunqlatSample => ({
    cpus: [cpuRec(0, k, { 2: 400, 3: 300, 5: 40 }), cpuRec(1, k, { 3: 100, 12: 250, 13: 2 })],
    online: 2,
    recent: Array.from({ length: k }, (_, i) => {
      const h = new Array<number>(RUNQLAT_SLOTS).fill(0);
      h[2] = 400;
      h[3] = 400;
      h[5] = 40;
      h[12] = 250 * (i + 1);
      h[13] = 2;
      return h;
    }),
    mapFull: 0,
  });
  return [at(1), at(2), at(3)];
}

export const fixture: PanelFixture = {
  panel: runqlatPanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), runqlatGroundTruth),
  samples: { make: runqlatSamples, shows: 'all' },
  bench: {
    budgetNs: 600,
    // A context switch of the ping-pong runs sched_switch once and sched_wakeup once.
    runsPerEvent: 2,
    // Context switches: a pipe ping-pong between two processes.
    perEvent: schedloop('pingpong', 100000),
    burst: SWITCH_BURST,
  },
};
