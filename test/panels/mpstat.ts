import { mpstatPanel } from '../../src/panels/mpstat.js';
import type { PanelFixture } from './kit.js';

/** mpstat reads /proc/stat; its screens are drawn from the fake kernel (test/views/app.test.tsx). */
export const fixture: PanelFixture = { panel: mpstatPanel };
