import { procsPanel } from '../../src/panels/procs.js';
import { procsGroundTruth } from '../helpers/procs-truth.js';
import { procsSamples } from '../helpers/procs-samples.js';
import { schedloop, SWITCH_BURST, using, type PanelFixture } from './kit.js';

export const fixture: PanelFixture = {
  panel: procsPanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), procsGroundTruth),
  samples: { make: procsSamples, shows: 'stress' },
  bench: {
    budgetNs: 600,
    // A context switch of the ping-pong runs sched_switch once and sched_wakeup once.
    runsPerEvent: 2,
    // Fork-exec-exits (the exit hook, wake-ups of new tasks) and context switches (a pipe ping-pong).
    perEvent: { 'fork-exec': schedloop('forkexec', 2000), 'ping-pong': schedloop('pingpong', 100000) },
    burst: SWITCH_BURST,
  },
};
