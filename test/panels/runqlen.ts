import { execFileSync } from 'node:child_process';
import { runqlenPanel } from '../../src/panels/runqlen.js';
import type { RunqlenSample } from '../../src/models/runqlen.js';
import { RUNQLEN_SLOTS, type RunqlenRecord } from '../../src/records/runqlen.js';
import { runqlenGroundTruth } from '../helpers/ground-truth.js';
import { using, type PanelFixture } from './kit.js';

function runqRec(cpu: number, k: number, hist: Record<number, number>): RunqlenRecord {
  const h = new Float64Array(RUNQLEN_SLOTS);
  let samples = 0;
  let queued = 0;
  let occupied = 0;
  for (const [len, n] of Object.entries(hist)) {
    h[Number(len)] = n * k;
    samples += n * k;
    queued += Number(len) * n * k;
    if (Number(len) > 0) occupied += n * k;
  }
  return { cpu, samples, queued, runnable: queued + samples - h[0]!, occupied, hist: h };
}
function runqlenSamples(): RunqlenSample[] {
  const at = (k: number): RunqlenSample => ({ cpus: [runqRec(0, k, { 0: 60, 1: 30, 2: 9 }), runqRec(1, k, { 0: 95, 3: 4 })], online: 2, hz: 99 });
  return [at(1), at(2), at(3)];
}

export const fixture: PanelFixture = {
  panel: runqlenPanel,
  tiers: { '5.10': 'perf_event', '6.1': 'perf_event', '6.12': 'perf_event', '6.18': 'perf_event' },
  groundTruth: async (open) => using(await open(), runqlenGroundTruth),
  samples: { make: runqlenSamples, shows: 'all' },
  bench: {
    budgetNs: 2600,
    runsPerEvent: 1,
    // One busy loop for a second: runqlen's programs run on every timer sample of every CPU.
    burst: () => execFileSync('sh', ['-c', 'timeout 1 sh -c "while :; do :; done"; true']),
    peer: { tool: ['/usr/sbin/runqlen'], load: () => ['sh', '-c', 'while :; do :; done & while :; do :; done'] },
  },
};
