import { execFileSync } from 'node:child_process';
import { cachestatPanel } from '../../src/panels/cachestat.js';
import type { CachestatSample } from '../../src/models/cachestat.js';
import { cachestatGroundTruth } from '../helpers/cachestat-truth.js';
import { using, type PanelFixture } from './kit.js';

/** A host reading mostly from cache, writing a log, and missing on a cold scan. */
export function cachestatSamples(): CachestatSample[] {
  return [0, 1, 2].map((k) => ({
    totals: { readPages: 90_000 * k, writePages: 6_000 * k, misses: 2_500 * k, writeMisses: 500 * k, dirties: 5_800 * k },
    estimated: false,
    mem: { cachedKb: 1_536_000, buffersKb: 120_000, dirtyKb: 12_000 + k * 100, writebackKb: 0 },
  }));
}

export const fixture: PanelFixture = {
  panel: cachestatPanel,
  // cachetop's tiers: the first this kernel has (no fentry or kprobes here: the estimate).
  tiers: { '5.10': 'fentry_page', '6.1': 'fentry', '6.12': 'fentry', '6.18': 'tracepoint' },
  groundTruth: async (open) => using(await open(), cachestatGroundTruth),
  samples: { make: cachestatSamples, shows: 'DIRTIED' },
  bench: {
    budgetNs: 1000,
    // 20,000 reads of a cached file: on the estimated tier a read's enter and exit, on the exact ones a page access.
    runsPerEvent: 2,
    burst: () => {
      execFileSync('python3', ['-c', 'import os\nfd=os.open("/etc/hostname",os.O_RDONLY)\nfor _ in range(20000): os.pread(fd,64,0)']);
    },
  },
};
