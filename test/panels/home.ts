import { homePanel } from '../../src/panels/home.js';
import type { PanelFixture } from './kit.js';

/** home reads /proc; its screens are drawn from the fake kernel (test/views/app.test.tsx), its checklist's ground truth is test/kernel/checklist.test.ts. */
export const fixture: PanelFixture = { panel: homePanel };
