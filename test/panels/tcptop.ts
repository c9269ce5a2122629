import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { FIXTURES as FILES } from '../helpers/fixtures.js';
import { tcptopGroundTruth } from '../helpers/ground-truth.js';
import { TCP_LOAD, using, type PanelFixture } from './kit.js';

export const fixture: PanelFixture = {
  panel: tcptopPanel,
  // 5.10: tcptop's fexit programs need socket storage from tracing programs (5.11+).
  tiers: { '5.10': 'kprobe', '6.1': 'fentry', '6.12': 'fentry', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), async (engine) => tcptopGroundTruth(engine).join('; ')),
  bench: {
    // its own cost bench: bench/tcptop-cost.mjs
    budgetNs: 330,
    burst: () => execFileSync('python3', [join(FILES, 'tcp_workload.py')]),
    peer: { tool: ['/usr/sbin/tcptop', '-C'], load: () => TCP_LOAD },
  },
};
