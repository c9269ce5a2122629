/**
 * A row's detail: its panel's detail fields, every field of the row (as the JSON has them), and its history over the
 * last intervals as an asciichart chart of the value its sparkline follows. Scrolls with the selection keys.
 */
import { Box } from 'ink';
import asciichart from 'asciichart';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Row } from '../src/panels/types.js';
import { wrap } from './cells.js';
import { Line } from './Line.js';

/** An axis label in the unit the series is in (the panel's own formatter: 8.1ms, not 8.1M of ns), or a plain number. */
function axisLabel(format: ((v: number) => string) | undefined, max: number): (x: number) => string {
  const n = (x: number): string => (max >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : max >= 1e3 ? `${(x / 1e3).toFixed(1)}K` : x.toFixed(max >= 10 ? 0 : 2));
  const f = format ?? n;
  return (x) => f(x).padStart(8);
}

/**
 * The chart of a history series, from 0 (a 10 % wobble is drawn as one, not as the whole height): nulls (gaps) drawn
 * as 0; nothing when there are fewer than two values. Its axis is in the series' unit.
 */
export function historyChart(series: readonly (number | null)[], width: number, height = 8, format?: (v: number) => string): string[] {
  const values = series.map((v) => (v === null || !Number.isFinite(v) ? 0 : v));
  if (values.length < 2) return ['(history after the second interval)'];
  const max = Math.max(...values.map(Math.abs));
  const min = Math.min(...values);
  // The newest points that fit beside the labels.
  const room = Math.max(2, width - 11);
  return asciichart
    .plot(values.slice(-room), { height, format: axisLabel(format, max), ...(min >= 0 ? { min: 0, max: Math.max(max, 1e-9) } : {}) })
    .split('\n');
}

/** A field's value as the detail view prints it: numbers to 3 decimals, as the JSON has them (86208.427, not 86208.42679…). */
function plainValue(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? String(Math.round(v * 1000) / 1000) : String(v);
}

export function detailLines(spec: AnyPanelSpec, panel: PanelFrame, row: Row | undefined, width: number, ended = false): string[] {
  if (!row) return [`${spec.title}: the selected row is gone (Esc goes back)`];
  // A row that left the table (a process that ended, a connection closed) stays here, with its last figures, marked.
  const lines = [`${spec.title}: ${row.id}${ended ? '  [ENDED: not in the latest interval; its last figures]' : ''}  (Esc or q back; ↑↓ PgUp PgDn scroll)`, ''];
  for (const d of spec.detail) {
    lines.push(`${d.label}: ${d.value(row)}`.trimEnd());
    if (d.lines) lines.push(...d.lines(row, width));
  }
  lines.push('', 'fields');
  const byKey = new Map(spec.columns.map((c) => [c.key, c]));
  for (const [k, v] of Object.entries(row)) {
    if (k === 'id' || (typeof v === 'object' && v !== null)) continue;
    const col = byKey.get(k);
    const shown = col ? col.format(col.value(row), row).trim() : plainValue(v);
    lines.push(`  ${k.padEnd(20)} ${shown}${col && typeof v === 'number' && shown !== plainValue(v) ? `  (${plainValue(v)})` : ''}`);
  }
  const of = spec.trendOf ? (typeof spec.trendOf.label === 'string' ? spec.trendOf.label : spec.trendOf.label(row)) : 'the TREND column';
  lines.push('', `history of ${of} (one point per interval, newest right; from 0)`);
  lines.push(...historyChart(ended ? [] : (panel.history[row.id] ?? []), width, 8, spec.trendOf?.format));
  return lines;
}

export function Detail({
  spec,
  panel,
  row,
  width,
  height,
  scroll,
  ended = false,
}: {
  spec: AnyPanelSpec;
  panel: PanelFrame;
  row: Row | undefined;
  width: number;
  height: number;
  scroll: number;
  ended?: boolean;
}) {
  const all = detailLines(spec, panel, row, width, ended).flatMap((l) => wrap(l, width, '    '));
  const top = Math.max(0, Math.min(scroll, all.length - height));
  return (
    <Box flexDirection="column">
      {all.slice(top, top + height).map((l, i) => (
        <Line key={i} text={l} width={width} />
      ))}
    </Box>
  );
}
