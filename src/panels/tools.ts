/**
 * Home's second page: the BCC tools checklist (the book's second checklist, after the 60-second one), one row per tool
 * sixty has, read from the panels that are those tools; Enter opens the tool's panel, `b` comes here from anywhere.
 * It reads no file and loads nothing: it reads the other panels, after them, each tick.
 */
import { biolatencyPanel } from './biolatency.js';
import { biosnoopPanel } from './biosnoop.js';
import { cachestatPanel } from './cachestat.js';
import { execsnoopPanel } from './execsnoop.js';
import { opensnoopPanel } from './opensnoop.js';
import { fsslowerPanel } from './fsslower.js';
import { tcplifePanel } from './tcplife.js';
import { tcpretransPanel } from './tcpretrans.js';
import { runqlatPanel } from './runqlat.js';
import { profilePanel } from './profile.js';
import { deriveTools, NOT_YET, TOOL_VERDICT_HELP, type ToolPanels, type ToolRow, type ToolsSample } from '../models/tools.js';
import type { PanelDef, Summary } from './types.js';

const IDS: ToolPanels = {
  execsnoop: execsnoopPanel.id,
  opensnoop: opensnoopPanel.id,
  ext4slower: fsslowerPanel.id,
  tcplife: tcplifePanel.id,
  tcpretrans: tcpretransPanel.id,
  biolatency: biolatencyPanel.id,
  biosnoop: biosnoopPanel.id,
  cachestat: cachestatPanel.id,
  runqlat: runqlatPanel.id,
  profile: profilePanel.id,
};

const ORDER: Record<string, number> = { bad: 3, look: 2, ok: 1, '-': 0 };

function toolsSummary(rows: readonly ToolRow[]): Summary {
  const bad = rows.filter((r) => r.verdict === 'bad').length;
  const look = rows.filter((r) => r.verdict === 'look').length;
  const text =
    `the BCC tools checklist: ${rows.length} tools, ${bad} bad, ${look} to look at (Enter opens one; h: the 60-second checklist)` +
    (NOT_YET.length ? `; not in sixty yet: ${NOT_YET.join(', ')}` : '');
  return { text, values: { bad, look } };
}

export const toolsPanel: PanelDef<ToolsSample, ToolRow> = {
  id: 'tools',
  title: 'tools',
  role: 'second',
  readsPanels: 2,
  source: {
    kind: 'proc',
    files: ['(the other panels)'],
    createReader: (_readText, host) => () => ({ panels: host.panels?.() ?? [] }),
  },
  hookList: [{ name: 'proc', hooks: 'the other panels, as this tick left them (no file, no BPF of its own)' }],
  derive: (sample, previous, elapsedNs) => deriveTools(sample, previous, elapsedNs, IDS),
  stats: () => ({}),
  summarize: toolsSummary,
  trend: (r) => r.value,
  trendScale: 'row',
  trendOf: { label: (r) => `${r.tool}'s figure (up is worse)` },
  drill: (r) => [r.panel],
  tone: (r) => (r.verdict === 'bad' || r.verdict === 'look' ? r.verdict : null),
  columns: [
    {
      key: 'step',
      ascending: true,
      title: '#',
      width: 2,
      align: 'right',
      value: (r) => r.step,
      format: (v) => String(v),
      help: "the tool's place in the book's order",
    },
    {
      key: 'tool',
      title: 'TOOL',
      width: 10,
      align: 'left',
      value: (r) => r.tool,
      format: (v) => String(v),
      help: 'the BCC tool the row stands for',
    },
    {
      key: 'verdict',
      ascending: false,
      title: 'VERDICT',
      width: 8,
      align: 'left',
      value: (r) => ORDER[r.verdict] ?? 0,
      format: (_v, r) => r.verdict,
      help: `ok / look / bad: ${Object.entries(TOOL_VERDICT_HELP)
        .map(([k, v]) => `${k}: ${v}`)
        .join('. ')}; "-": its panel is not reading (Enter opens it)`,
    },
    {
      key: 'panel',
      title: 'PANEL',
      width: 10,
      align: 'left',
      value: (r) => r.panel,
      format: (v) => String(v),
      help: 'the panel it is read from, which Enter opens',
    },
    {
      key: 'reading',
      title: 'READING',
      width: 48,
      minWidth: 24,
      maxWidth: 140,
      beforeTrend: true,
      align: 'left',
      value: (r) => r.reading,
      format: (v) => String(v),
      help: "the tool's headline over the interval",
    },
  ],
  defaultSort: { key: 'step', descending: false },
  detail: [
    { label: 'tool', value: (r) => `${r.tool} (read from ${r.panel})` },
    { label: 'reading', value: (r) => r.reading },
    { label: 'verdict', value: (r) => `${r.verdict}${r.why ? `: ${r.why}` : ''}` },
  ],
  blindSpots:
    'Each row is its panel’s: a panel attached only while on screen (opensnoop, runqlat, cachetop) reads nothing until it has been opened, and its row says so. biolatency is read from biotop’s latency histograms (issue to completion), cachestat from cachetop’s totals (hits estimated where the kernel has no hook on page accesses).',
};
