/** Every panel sixty knows, in tab order, and the catalog views read them through. Adding a panel is one line here. */
import { biotopPanel } from './biotop.js';
import { filetopPanel } from './filetop.js';
import { homePanel } from './home.js';
import { cachetopPanel } from './cachetop.js';
import { cgroupsPanel } from './cgroups.js';
import { mpstatPanel } from './mpstat.js';
import { procsPanel } from './procs.js';
import { runqlenPanel } from './runqlen.js';
import { runqlatPanel } from './runqlat.js';
import { softirqsPanel } from './softirqs.js';
import { groupView } from './group.js';
import { sortRows } from './sort.js';
import { treeRows, treeSpec } from './tree.js';
import { tcptopPanel } from './tcptop.js';
import type { AnyPanelDef, AnyPanelSpec, Catalog, Row } from './types.js';

export const PANELS: readonly AnyPanelDef[] = [
  homePanel,
  procsPanel,
  cgroupsPanel,
  softirqsPanel,
  tcptopPanel,
  biotopPanel,
  filetopPanel,
  cachetopPanel,
  runqlenPanel,
  runqlatPanel,
  mpstatPanel,
];

export function panelById(id: string): AnyPanelDef | undefined {
  return PANELS.find((p) => p.id === id);
}

export function catalogOf(panels: readonly AnyPanelDef[]): Catalog {
  const byId = new Map(panels.map((p) => [p.id, p]));
  return { spec: (id) => byId.get(id), sortRows, groupView, treeView };
}

/** The tree view of a panel that has one (its spec unchanged otherwise). */
function treeView(spec: AnyPanelSpec, rows: readonly Row[]): { spec: AnyPanelSpec; rows: readonly Row[] } {
  return spec.tree ? { spec: treeSpec(spec, spec.tree), rows: treeRows(rows, spec.tree) } : { spec, rows };
}

export const CATALOG: Catalog = catalogOf(PANELS);

/** The panel with only this hook tier (--tier PANEL=TIER): no fallback. A /proc source has one way to read. */
export function withTier(def: AnyPanelDef, tier: string): AnyPanelDef {
  if (def.source.kind !== 'bpf') return def;
  return { ...def, source: { ...def.source, tiers: def.source.tiers.filter((t) => t.name === tier) } };
}
