/** Plain-text rendering of panels and frames (batch text output; no escape codes). Pure. */
import type { Frame, PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Catalog, CellValue, Row, SortSpec } from '../src/panels/types.js';
import { cellWidth, fit, sharedMax, sparkline } from './cells.js';
import { columnTitle, layoutColumns, TREND_MAX, type TableLayout } from './layout.js';
import { psiText } from './header.js';

export { columnTitle };

/** A cell's value as the table shows it: an amount in the interval over the interval's seconds (`elapsedNs`). */
export function shownValue(col: AnyPanelSpec['columns'][number], row: Row, elapsedNs: number | undefined): CellValue {
  const v = col.value(row);
  if (!col.perInterval || typeof v !== 'number') return v;
  if (!elapsedNs || !(elapsedNs > 0)) return null;
  const rate = (v * 1e9) / elapsedNs;
  // A count per second is whole from 100 up, to a tenth below (an interval of 1.0004 s makes 1200 calls 1199.5/s).
  return col.unit === 'count' ? (rate >= 100 ? Math.round(rate) : Math.round(rate * 10) / 10) : rate;
}

/** The widest formatted value per column (its header included, with room for its sort mark), for the layout. */
export function contentWidths(spec: AnyPanelSpec, rows: readonly Row[], elapsedNs?: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const col of spec.columns) {
    let w = columnTitle(col).length + 1;
    for (const row of rows) w = Math.max(w, cellWidth(col.format(shownValue(col, row, elapsedNs), row)));
    out.set(col.key, w);
  }
  return out;
}

export function headerLine(layout: TableLayout, sort?: SortSpec): string {
  const cells = layout.columns.map(({ col, width }) => {
    const mark = sort?.key === col.key ? (sort.descending ? '▼' : '▲') : '';
    return fit(columnTitle(col) + mark, width, col.align);
  });
  if (layout.trendWidth > 0) cells.push(fit('TREND', layout.trendWidth));
  return cells.join(' ');
}

/** A piece of a line, and the colour that draws the eye to its magnitude (none: the line's own). */
export interface Part {
  text: string;
  color?: 'cyan' | 'yellow' | 'red' | 'green' | 'magenta';
  /** drawn in inverse video (the active tab) */
  inverse?: boolean;
  /** underlined (what yellow says, without colour) */
  underline?: boolean;
}

/** How big a value looks (htop's habit for its memory columns): by what the column measures. */
export function magnitudeColor(unit: AnyPanelSpec['columns'][number]['unit'], v: CellValue): Part['color'] {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  switch (unit) {
    case 'bytes':
      return v >= 2 ** 30 ? 'red' : v >= 2 ** 20 ? 'cyan' : undefined;
    case 'count':
      return v >= 1e6 ? 'cyan' : undefined;
    case 'latency':
      return v >= 1e9 ? 'red' : v >= 1e7 ? 'yellow' : undefined;
    default:
      return undefined;
  }
}

/**
 * One row, as pieces: the cells between coloured ones run together. Its sparkline is scaled to `trendMax`, the
 * largest value any row of the table shows (so an 8-byte row and a 28 MB/s row do not both draw full blocks); without
 * it, to its own largest.
 */
export function rowParts(layout: TableLayout, panel: PanelFrame, row: Row, trendMax?: number, elapsedNs?: number): Part[] {
  const parts: Part[] = [];
  let plain = '';
  layout.columns.forEach(({ col, width }, i) => {
    const v = shownValue(col, row, elapsedNs);
    const text = fit(col.format(v, row), width, col.align, col.keep);
    const sep = i > 0 ? ' ' : '';
    const color = col.unit ? magnitudeColor(col.unit, v) : undefined;
    if (!color) {
      plain += sep + text;
      return;
    }
    plain += sep;
    if (plain) parts.push({ text: plain });
    parts.push({ text, color });
    plain = '';
  });
  if (layout.trendWidth > 0) plain += (layout.columns.length ? ' ' : '') + sparkline(panel.history[row.id] ?? [], layout.trendWidth, trendMax);
  if (plain) parts.push({ text: plain });
  return parts;
}

/** One row as plain text. */
export function rowLine(layout: TableLayout, panel: PanelFrame, row: Row, trendMax?: number, elapsedNs?: number): string {
  return rowParts(layout, panel, row, trendMax, elapsedNs)
    .map((p) => p.text)
    .join('');
}

/** One line that says how the panel is doing: its tier, or why it has no data. */
/**
 * What the panel's BPF programs cost in the kernel over the interval (with kernel.bpf_stats_enabled on): their run time
 * per second of wall time as a share of one CPU, their runs per second, and the time per run.
 */
export function kernelCost(stats: PanelFrame['stats'], elapsedNs: number | undefined, estimate?: Estimate | null): string | null {
  const ns = stats.bpf_run_ns;
  const runs = stats.bpf_runs;
  if (!elapsedNs) return null;
  if (ns === undefined || runs === undefined) {
    // Not counted (kernel.bpf_stats_enabled off): an estimate from the panel's own events, said to be one.
    if (!estimate) return null;
    return `in kernel ~${pctText((estimate.events * estimate.nsPerEvent * 100) / elapsedNs)}% CPU (est.)`;
  }
  const pct = (ns * 100) / elapsedNs;
  const perS = (runs * 1e9) / elapsedNs;
  const per = runs > 0 ? `, ${timeText(ns / runs)} each` : '';
  return `in kernel ${pctText(pct)}% CPU: ${rateText(perS)} runs/s${per}`;
}

export interface Estimate {
  events: number;
  nsPerEvent: number;
}

/** A panel's estimated in-kernel work this interval, when its spec knows its events; null when it cannot say. */
export function estimateOf(spec: AnyPanelSpec | undefined, panel: PanelFrame): Estimate | null {
  const e = spec?.costEstimate;
  // A panel reading /proc only (no BPF could load) has no programs in the kernel to cost.
  if (!e || panel.status !== 'ok' || panel.tier === 'proc') return null;
  const events = e.events(panel.rows, panel.stats);
  return Number.isFinite(events) ? { events, nsPerEvent: e.nsPerEvent } : null;
}

const pctText = (pct: number): string => (pct < 0.01 && pct > 0 ? '<0.01' : pct.toFixed(2));
const rateText = (perS: number): string =>
  perS >= 1e6 ? `${(perS / 1e6).toFixed(1)}M` : perS >= 1e4 ? `${(perS / 1e3).toFixed(1)}k` : String(Math.round(perS));
const timeText = (ns: number): string => (ns >= 1e3 ? `${(ns / 1e3).toFixed(1)}µs` : `${Math.round(ns)}ns`);

export function statusLine(spec: AnyPanelSpec, panel: PanelFrame, elapsedNs?: number): string {
  switch (panel.status) {
    case 'ok': {
      // What it could not count in this interval, where the panel says it on this line.
      const extra = (spec.drops ?? []).flatMap((d) => (d.shown && (panel.stats[d.key] ?? 0) > 0 ? [`${d.shown}: ${panel.stats[d.key]}`] : []));
      // Its cost in the kernel, before the hooks: a long hook list is cut at the edge, this must not be.
      const cost = kernelCost(panel.stats, elapsedNs, estimateOf(spec, panel));
      // A panel attached only while on screen says since when (its rates and totals start there), before its hooks,
      // whose list can be cut at the edge.
      const since = spec.attach === 'on-screen' && panel.attachedAt ? ` attached ${panel.attachedAt.slice(11, 19)}` : '';
      // The tier is said once: most hook lists begin with it ("tp_btf softirq_entry + softirq_exit").
      const hooks = panel.hooks ?? '';
      const tier = hooks.startsWith(`${panel.tier} `) ? hooks : `${panel.tier}: ${hooks}`;
      return [`${spec.title}${since}${cost ? ` ${cost}` : ''} [${tier}]`, ...extra].join('  ');
    }
    case 'starting':
      return `${spec.title}: attaching…`;
    case 'standby':
      return `${spec.title}: not attached: ${panel.reason ?? ''}`;
    default:
      return `${spec.title}: ${panel.status === 'off' ? 'off' : 'error'}: ${panel.reason ?? 'unknown'}`;
  }
}

export interface PanelTextOptions {
  maxRows?: number;
  /** the sparkline column (false: --no-trend) */
  trend?: boolean;
  /** the frame's measured interval (what its amounts cover) */
  elapsedNs?: number;
  /** every cell whole, however wide the line (an export read in an editor): `width` is a least, not a most */
  whole?: boolean;
}

export function renderPanelText(spec: AnyPanelSpec, panel: PanelFrame, width: number, opts: PanelTextOptions = {}): string[] {
  const { maxRows = Infinity, elapsedNs, whole = false } = opts;
  const trend = (opts.trend ?? true) && spec.trendScale !== 'none';
  const lines = [statusLine(spec, panel, elapsedNs)];
  if (panel.status !== 'ok') return lines;
  if (panel.summary.text) lines.push(panel.summary.text);
  const rows = panel.rows.slice(0, maxRows);
  const widths = contentWidths(spec, rows, elapsedNs);
  // Whole: no column is held to its most, and the line is as wide as every column at its widest value.
  const columns = whole ? spec.columns.map((c) => ({ ...c, maxWidth: Infinity })) : spec.columns;
  const total = whole ? Math.max(width, spec.columns.reduce((s, c) => s + Math.max(c.width, widths.get(c.key) ?? 0) + 1, 0) + (trend ? TREND_MAX : 0)) : width;
  const layout = layoutColumns(columns, total, widths, trend);
  lines.push(headerLine(layout, spec.defaultSort));
  const max =
    spec.trendScale === 'row'
      ? undefined
      : sharedMax(
          rows.map((r) => panel.history[r.id]),
          layout.trendWidth,
        );
  for (const row of rows) lines.push(rowLine(layout, panel, row, max, elapsedNs));
  if (rows.length === 0) lines.push('(no activity in this interval)');
  return lines.map((l) => l.trimEnd());
}

export interface FrameTextOptions {
  /** the host's name and kernel, for the frame's first line */
  host?: string;
  /** the sparkline column (false: --no-trend) */
  trend?: boolean;
  /** every cell whole (see PanelTextOptions) */
  whole?: boolean;
}

/** sixty's programs' time in the kernel over the interval, all panels together, as a share of one CPU ('' when not counted). */
export function bpfCost(frame: Frame, catalog?: Catalog): string {
  if (!(frame.elapsedNs > 0)) return '';
  let ns = 0;
  let counted = false;
  for (const p of frame.panels) {
    const v = p.stats.bpf_run_ns;
    if (v === undefined) continue;
    ns += v;
    counted = true;
  }
  if (counted) return `  bpf ${pctText((ns * 100) / frame.elapsedNs)}%`;
  // Not counted: the panels' estimates, marked as such (a panel without one adds nothing it could not say).
  let est = 0;
  let any = false;
  for (const p of frame.panels) {
    const e = estimateOf(catalog?.spec(p.id), p);
    if (!e) continue;
    est += e.events * e.nsPerEvent;
    any = true;
  }
  return any ? `  bpf ~${pctText((est * 100) / frame.elapsedNs)}% est` : '';
}

/** sixty's own cost for a title line: its CPU and RSS, then its programs' time in the kernel ('' before it is measured). */
export function selfCost(frame: Frame, catalog?: Catalog): string {
  return frame.self?.cpuPct != null
    ? `  sixty ${frame.self.cpuPct.toFixed(1)}% CPU ${Math.round(frame.self.rssBytes / 1048576)}M${bpfCost(frame, catalog)}`
    : '';
}

/** A frame as text: a line with the time, the interval, the host and its load, then every panel. */
export function renderFrameText(catalog: Catalog, frame: Frame, width: number, opts: FrameTextOptions = {}): string {
  const h = frame.host;
  const psi = h ? psiText(h) : '';
  const load = h ? `  load ${h.load1.toFixed(2)} ${h.load5.toFixed(2)} ${h.load15.toFixed(2)} on ${h.cpus} CPUs${psi ? `  ${psi}` : ''}` : '';
  const self = selfCost(frame, catalog);
  const head = `--- ${frame.time}  interval ${(frame.elapsedNs / 1e9).toFixed(3)}s${opts.host ? `  ${opts.host}` : ''}${load}${self}`;
  const body = frame.panels.flatMap((p) => {
    const spec = catalog.spec(p.id);
    return spec ? [...renderPanelText(spec, p, width, { trend: opts.trend ?? true, elapsedNs: frame.elapsedNs, whole: opts.whole ?? false }), ''] : [];
  });
  return [head, ...body].join('\n');
}
