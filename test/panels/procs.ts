import { execFileSync } from 'node:child_process';
import { procsPanel } from '../../src/panels/procs.js';
import { procsGroundTruth } from '../helpers/procs-truth.js';
import { procsSamples } from '../helpers/procs-samples.js';
import { using, type PanelFixture } from './kit.js';

export const fixture: PanelFixture = {
  panel: procsPanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), procsGroundTruth),
  samples: { make: procsSamples, shows: 'stress' },
  bench: {
    budgetNs: 600,
    // A context switch of the ping-pong runs sched_switch once and sched_wakeup once.
    runsPerEvent: 2,
    // Context switches: a pipe ping-pong between two processes (each round trip: two wake-ups and two switches).
    perEvent: {
      'fork-exec': ({ schedloop }) => {
        const [events, ns] = execFileSync(schedloop, ['forkexec', '2000'], { encoding: 'utf8' }).trim().split(' ').map(Number);
        return { events: events!, ns: ns! };
      },
      'ping-pong': ({ schedloop }) => {
        const [events, ns] = execFileSync(schedloop, ['pingpong', '100000'], { encoding: 'utf8' }).trim().split(' ').map(Number);
        return { events: events!, ns: ns! };
      },
    },
    burst: () =>
      execFileSync('python3', [
        '-c',
        'import os\nr,w=os.pipe()\nr2,w2=os.pipe()\nif os.fork()==0:\n  for _ in range(20000): os.read(r,1); os.write(w2,b"x")\n  os._exit(0)\nfor _ in range(20000): os.write(w,b"x"); os.read(r2,1)\nos.wait()',
      ]),
  },
};
