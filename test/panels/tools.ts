import { toolsPanel } from '../../src/panels/tools.js';
import type { ToolsSample } from '../../src/models/tools.js';
import type { AnyPanelDef, PanelReading } from '../../src/panels/types.js';
import type { PanelFixture } from './kit.js';
import { fixture as biolatency } from './biolatency.js';
import { fixture as biosnoop } from './biosnoop.js';
import { fixture as cachestat } from './cachestat.js';
import { fixture as execsnoop } from './execsnoop.js';
import { fixture as opensnoop } from './opensnoop.js';
import { fixture as runqlat } from './runqlat.js';
import { fixture as tcplife } from './tcplife.js';
import { fixture as tcpretrans } from './tcpretrans.js';

/** A panel's reading after its own fixture's samples: the last interval's rows, stats and summary. */
function reading(f: PanelFixture): PanelReading {
  const def: AnyPanelDef = f.panel;
  const s = f.samples!.make();
  const [prev, last] = [s[s.length - 2], s[s.length - 1]];
  const rows = def.derive(last, prev, 1e9);
  const stats = def.stats(last, prev);
  return { id: def.id, status: 'ok', reason: null, rows, stats, summary: def.summarize(rows, stats, 1e9) };
}

/** Every tool's panel reading its fixture's samples, but cachestat, which waits in standby (attached while on screen). */
export function toolsSamples(): ToolsSample[] {
  const panels = [execsnoop, opensnoop, tcplife, tcpretrans, biolatency, biosnoop, runqlat].map(reading);
  const standby: PanelReading = {
    id: cachestat.panel.id,
    status: 'standby',
    reason: 'attached only while on screen',
    rows: [],
    stats: {},
    summary: { text: '', values: {} },
  };
  return [0, 1, 2].map(() => ({ panels: [...panels, standby] }));
}

export const fixture: PanelFixture = {
  panel: toolsPanel,
  samples: { make: toolsSamples, shows: 'the BCC tools checklist' },
};
