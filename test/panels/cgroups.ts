import { cgroupsPanel } from '../../src/panels/cgroups.js';
import { cgroupSamples } from '../helpers/cgroup-samples.js';
import type { PanelFixture } from './kit.js';

/**
 * cgroups reads the cgroup files (no BPF): its golden screens come from synthetic samples, its ground truth (cgroups the
 * test makes, with limits) is test/kernel/cgroups.test.ts.
 */
export const fixture: PanelFixture = { panel: cgroupsPanel, samples: { make: cgroupSamples, shows: 'batch.service' } };
