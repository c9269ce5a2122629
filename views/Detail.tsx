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

/** The chart of a history series: nulls (gaps) drawn as 0; nothing when there are fewer than two values. */
export function historyChart(series: readonly (number | null)[], width: number, height = 8): string[] {
  const values = series.map((v) => (v === null || !Number.isFinite(v) ? 0 : v));
  if (values.length < 2) return ['(history after the second interval)'];
  const max = Math.max(...values.map(Math.abs));
  const label = (x: number): string => (max >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : max >= 1e3 ? `${(x / 1e3).toFixed(1)}K` : x.toFixed(max >= 10 ? 0 : 2)).padStart(8);
  // The newest points that fit beside the labels.
  const room = Math.max(2, width - 11);
  return asciichart.plot(values.slice(-room), { height, format: label }).split('\n');
}

export function detailLines(spec: AnyPanelSpec, panel: PanelFrame, row: Row | undefined, width: number): string[] {
  if (!row) return [`${spec.title}: the selected row is gone (Esc goes back)`];
  const lines = [`${spec.title}: ${row.id}  (Esc goes back; ↑↓ scroll)`, ''];
  for (const d of spec.detail) lines.push(`${d.label}: ${d.value(row)}`);
  lines.push('', 'fields');
  const byKey = new Map(spec.columns.map((c) => [c.key, c]));
  for (const [k, v] of Object.entries(row)) {
    if (k === 'id' || (typeof v === 'object' && v !== null)) continue;
    const col = byKey.get(k);
    const shown = col ? col.format(col.value(row), row).trim() : String(v);
    lines.push(`  ${k.padEnd(20)} ${shown}${col && typeof v === 'number' && shown !== String(v) ? `  (${v})` : ''}`);
  }
  lines.push('', `history (TREND, one point per interval, newest right)`);
  lines.push(...historyChart(panel.history[row.id] ?? [], width));
  return lines;
}

export function Detail({ spec, panel, row, width, height, scroll }: { spec: AnyPanelSpec; panel: PanelFrame; row: Row | undefined; width: number; height: number; scroll: number }) {
  const all = detailLines(spec, panel, row, width).flatMap((l) => wrap(l, width, '    '));
  const top = Math.max(0, Math.min(scroll, all.length - height));
  return (
    <Box flexDirection="column">
      {all.slice(top, top + height).map((l, i) => (
        <Line key={i} text={l} width={width} />
      ))}
    </Box>
  );
}
