import { biolatencyPanel, BIOLAT_HEAT } from '../../src/panels/biolatency.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { groupBiotopRows, type BiolatencySample } from '../../src/models/biolatency.js';
import type { BiotopSample } from '../../src/models/biotop.js';
import type { PanelFixture } from './kit.js';
import { fixture as biotop } from './biotop.js';

/** biotop's fixture, read as biolatency reads it: each interval's rows merged per (disk, op), the heat map kept. */
export function biolatencySamples(): BiolatencySample[] {
  const s = biotop.samples!.make() as BiotopSample[];
  const out: BiolatencySample[] = [{ off: null, groups: [], recent: [] }];
  let recent: number[][] = [];
  for (let i = 1; i < s.length; i++) {
    const groups = groupBiotopRows(biotopPanel.derive(s[i]!, s[i - 1], 1e9));
    const all: number[] = [];
    for (const g of groups) g.hist.forEach((c, j) => (all[j] = (all[j] ?? 0) + c));
    recent = [...recent, Array.from(all, (c) => c ?? 0)].slice(-BIOLAT_HEAT);
    out.push({ off: null, groups, recent });
  }
  return out;
}

// Its ground truth is biotop's workload read through it: test/kernel/biolatency.test.ts.
export const fixture: PanelFixture = {
  panel: biolatencyPanel,
  samples: { make: biolatencySamples, shows: 'nvme0n1' },
};
