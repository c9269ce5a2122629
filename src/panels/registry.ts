/** Every panel sixty knows, in tab order, and the catalog views read them through. Adding a panel is one line here. */
import { biotopPanel } from './biotop.js';
import { filetopPanel } from './filetop.js';
import { homePanel } from './home.js';
import { cachetopPanel } from './cachetop.js';
import { execsnoopPanel } from './execsnoop.js';
import { opensnoopPanel } from './opensnoop.js';
import { fsslowerPanel } from './fsslower.js';
import { tcplifePanel } from './tcplife.js';
import { tcpretransPanel } from './tcpretrans.js';
import { profilePanel } from './profile.js';
import { offcputimePanel } from './offcputime.js';
import { toolsPanel } from './tools.js';
import { biolatencyPanel } from './biolatency.js';
import { biosnoopPanel } from './biosnoop.js';
import { cachestatPanel } from './cachestat.js';
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
import type { PanelFrame } from '../frame.js';

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
  // The second checklist's panels after the first's (their tab order kept), then home's second page (`b` opens it),
  // and mpstat last (Shift-Tab from home).
  biolatencyPanel,
  biosnoopPanel,
  cachestatPanel,
  execsnoopPanel,
  opensnoopPanel,
  fsslowerPanel,
  tcplifePanel,
  tcpretransPanel,
  profilePanel,
  offcputimePanel,
  toolsPanel,
  mpstatPanel,
];

export function panelById(id: string): AnyPanelDef | undefined {
  return PANELS.find((p) => p.id === id);
}

export function catalogOf(panels: readonly AnyPanelDef[]): Catalog {
  const byId = new Map(panels.map((p) => [p.id, p]));
  return { spec: (id) => byId.get(id), sortRows, groupView, treeView, eventsView };
}

/** The tree view of a panel that has one (its spec unchanged otherwise). */
function treeView(spec: AnyPanelSpec, rows: readonly Row[]): { spec: AnyPanelSpec; rows: readonly Row[] } {
  return spec.tree ? { spec: treeSpec(spec, spec.tree), rows: treeRows(rows, spec.tree) } : { spec, rows };
}

/**
 * A panel's spec without what belongs to its own rows (groupings, tree, drills, rates, trend, pins, CSV extras, tones,
 * cgroups, stacks): the base of a second table made of other rows (its events, its functions).
 */
function otherRowsSpec(spec: AnyPanelSpec): AnyPanelSpec {
  const {
    groupings: _g,
    tree: _t,
    drill: _d,
    drillView: _dv,
    rates: _r,
    trendOf: _to,
    pinned: _p,
    quiet: _q,
    csvExtra: _c,
    tone: _tone,
    cgroupOf: _cg,
    flame: _f,
    folded: _fo,
    second: _s,
    ...rest
  } = spec;
  return { ...rest, trendScale: 'none' };
}

/**
 * An event panel's recent events as a table: the events' columns, sort and detail in place of the rows', the panel's
 * help and hooks kept; no trend (an event happens once), no grouping or tree. A stack panel's second table (`v`: its
 * functions) is made the same way, its rows from the panel's.
 */
export function eventsView(spec: AnyPanelSpec, panel: PanelFrame): { spec: AnyPanelSpec; panel: PanelFrame } {
  const second = spec.second;
  if (second) {
    return {
      spec: { ...otherRowsSpec(spec), title: second.title, columns: second.columns, defaultSort: second.defaultSort, detail: second.detail },
      panel: { ...panel, rows: second.rows(panel.rows), history: {} },
    };
  }
  const ev = spec.events;
  if (!ev) return { spec, panel };
  const events: AnyPanelSpec = {
    ...otherRowsSpec(spec),
    title: `${spec.title} (recent ${ev.noun}s)`,
    columns: ev.columns,
    defaultSort: ev.defaultSort,
    detail: ev.detail,
    ...(ev.cgroupOf ? { cgroupOf: ev.cgroupOf } : {}),
    ...(ev.tone ? { tone: ev.tone } : {}),
  };
  return { spec: events, panel: { ...panel, rows: panel.events ?? [], history: {} } };
}

export const CATALOG: Catalog = catalogOf(PANELS);

/** The panel with only this hook tier (--tier PANEL=TIER): no fallback. A /proc source has one way to read. */
export function withTier(def: AnyPanelDef, tier: string): AnyPanelDef {
  if (def.source.kind !== 'bpf') return def;
  return { ...def, source: { ...def.source, tiers: def.source.tiers.filter((t) => t.name === tier) } };
}
