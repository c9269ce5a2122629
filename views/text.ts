/** Plain-text rendering of panels and frames (batch text output; no escape codes). Pure. */
import type { Frame, PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Catalog, Row, SortSpec } from '../src/panels/types.js';
import { cellWidth, fit, sparkline } from './cells.js';
import { layoutColumns, type TableLayout } from './layout.js';

/** The widest formatted value per column, for the layout. */
export function contentWidths(spec: AnyPanelSpec, rows: readonly Row[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const col of spec.columns) {
    let w = col.title.length;
    for (const row of rows) w = Math.max(w, cellWidth(col.format(col.value(row), row)));
    out.set(col.key, w);
  }
  return out;
}

export function headerLine(layout: TableLayout, sort?: SortSpec): string {
  const cells = layout.columns.map(({ col, width }) => {
    const mark = sort?.key === col.key ? (sort.descending ? '▼' : '▲') : '';
    return fit(col.title + mark, width, col.align);
  });
  if (layout.trendWidth > 0) cells.push(fit('TREND', layout.trendWidth));
  return cells.join(' ');
}

export function rowLine(layout: TableLayout, panel: PanelFrame, row: Row): string {
  const cells = layout.columns.map(({ col, width }) => fit(col.format(col.value(row), row), width, col.align, col.keep));
  if (layout.trendWidth > 0) cells.push(sparkline(panel.history[row.id] ?? [], layout.trendWidth));
  return cells.join(' ');
}

/** One line that says how the panel is doing: its tier, or why it has no data. */
export function statusLine(spec: AnyPanelSpec, panel: PanelFrame): string {
  switch (panel.status) {
    case 'ok': {
      const extra = Object.entries(panel.stats)
        .filter(([k, v]) => k.endsWith('_drops') && v > 0)
        .map(([k, v]) => `${k.replace(/_drops$/, '').replace(/_/g, ' ')} drops: ${v}`);
      // A panel attached only while on screen says since when (its rates and totals start there), before its hooks,
      // whose list can be cut at the edge.
      const since = spec.attach === 'on-screen' && panel.attachedAt ? ` attached ${panel.attachedAt.slice(11, 19)}` : '';
      return [`${spec.title}${since} [${panel.tier}: ${panel.hooks}]`, ...extra].join('  ');
    }
    case 'starting':
      return `${spec.title}: attaching…`;
    case 'standby':
      return `${spec.title}: not attached: ${panel.reason ?? ''}`;
    default:
      return `${spec.title}: ${panel.status === 'off' ? 'off' : 'error'}: ${panel.reason ?? 'unknown'}`;
  }
}

export function renderPanelText(spec: AnyPanelSpec, panel: PanelFrame, width: number, maxRows = Infinity): string[] {
  const lines = [statusLine(spec, panel)];
  if (panel.status !== 'ok') return lines;
  if (panel.summary.text) lines.push(panel.summary.text);
  const rows = panel.rows.slice(0, maxRows);
  const layout = layoutColumns(spec.columns, width, contentWidths(spec, rows));
  lines.push(headerLine(layout, spec.defaultSort));
  for (const row of rows) lines.push(rowLine(layout, panel, row));
  if (rows.length === 0) lines.push('(no activity in this interval)');
  return lines.map((l) => l.trimEnd());
}

export function renderFrameText(catalog: Catalog, frame: Frame, width: number): string {
  const head = `--- ${frame.time}  interval ${(frame.elapsedNs / 1e9).toFixed(3)}s`;
  const body = frame.panels.flatMap((p) => {
    const spec = catalog.spec(p.id);
    return spec ? [...renderPanelText(spec, p, width), ''] : [];
  });
  return [head, ...body].join('\n');
}
