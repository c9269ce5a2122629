/** Plain-text rendering of panels and frames (batch text output; no escape codes). Pure. */
import type { Frame, PanelState } from '../src/store.js';
import { fit, sparkline } from './cells.js';
import { layoutColumns, type TableLayout } from './layout.js';

/** The widest formatted value per column, for the layout. */
export function contentWidths(panel: PanelState, rows: readonly object[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const col of panel.def.columns) {
    let w = col.title.length;
    for (const row of rows) w = Math.max(w, [...col.format(col.value(row), row)].length);
    out.set(col.key, w);
  }
  return out;
}

export function headerLine(layout: TableLayout, sort?: { key: string; descending: boolean }): string {
  const cells = layout.columns.map(({ col, width }) => {
    const mark = sort?.key === col.key ? (sort.descending ? '▼' : '▲') : '';
    return fit(col.title + mark, width, col.align);
  });
  if (layout.trendWidth > 0) cells.push(fit('TREND', layout.trendWidth));
  return cells.join(' ');
}

export function rowLine(layout: TableLayout, panel: PanelState, row: object): string {
  const cells = layout.columns.map(({ col, width }) => fit(col.format(col.value(row), row), width, col.align));
  if (layout.trendWidth > 0) {
    const ring = panel.history.get(panel.def.rowId(row) as string);
    cells.push(sparkline(ring ? ring.values() : [], layout.trendWidth));
  }
  return cells.join(' ');
}

/** One line that says how the panel is doing: its tier, or why it has no data. */
export function statusLine(panel: PanelState): string {
  switch (panel.status) {
    case 'ok': {
      const extra = Object.entries(panel.stats)
        .filter(([k, v]) => k.endsWith('_drops') && v > 0)
        .map(([k, v]) => `${k.replace(/_drops$/, '').replace(/_/g, ' ')} drops: ${v}`);
      return [`${panel.def.title} [${panel.tier}: ${panel.hooks}]`, ...extra].join('  ');
    }
    case 'starting':
      return `${panel.def.title}: attaching…`;
    default:
      return `${panel.def.title}: ${panel.status === 'off' ? 'off' : 'error'}: ${panel.reason ?? 'unknown'}`;
  }
}

export function renderPanelText(panel: PanelState, width: number, maxRows = Infinity): string[] {
  const lines = [statusLine(panel)];
  if (panel.status !== 'ok') return lines;
  const rows = panel.rows.slice(0, maxRows);
  const layout = layoutColumns(panel.def.columns, width, contentWidths(panel, rows));
  lines.push(headerLine(layout, panel.sort));
  for (const row of rows) lines.push(rowLine(layout, panel, row));
  if (rows.length === 0) lines.push('(no activity in this interval)');
  return lines.map((l) => l.trimEnd());
}

export function renderFrameText(frame: Frame, width: number): string {
  const head = `--- ${frame.time.toISOString()}  interval ${(frame.elapsedNs / 1e9).toFixed(3)}s`;
  return [head, ...frame.panels.flatMap((p) => [...renderPanelText(p, width), ''])].join('\n');
}
