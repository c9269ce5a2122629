/** Column layout for a given terminal width: pure, shared by the Ink table and the text export. */
import type { Column } from '../src/panels/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyColumn = Column<any>;

export interface PlacedColumn {
  col: AnyColumn;
  width: number;
}

export interface TableLayout {
  columns: PlacedColumn[];
  /** width of the trailing sparkline column; 0 when there is no room */
  trendWidth: number;
}

/**
 * A column's header. An amount in the interval (bytes moved, calls made) is shown per second, whatever the interval, and
 * its header says so (RX/s): the rows read in the summary's units, and the numbers do not jump when the interval
 * changes. JSON and CSV keep the amounts themselves, with the interval beside them.
 */
export function columnTitle(col: AnyColumn): string {
  return col.perInterval ? `${col.title}/s` : col.title;
}

export const TREND_MIN = 10;
export const TREND_MAX = 60;

/**
 * Preferred widths first. Too wide even at the narrowest widths (and the trend's least): the columns that may go
 * (`drop`, most dispensable first) go. Then squeeze the columns that allow it, right to left (the identity on the
 * left, a process's name, is cut last), then drop columns from the right.
 * Room left: growable columns widen to their widest value (`contentWidths`, up to maxWidth), then the trend
 * takes the rest (up to TREND_MAX), or nothing when less than TREND_MIN is left.
 */
export function layoutColumns(
  columns: readonly AnyColumn[],
  total: number,
  contentWidths: ReadonlyMap<string, number> = new Map(),
  withTrend = true,
): TableLayout {
  const placed = columns.map((col) => ({ col, width: col.width }));
  const used = (): number => placed.reduce((s, p) => s + p.width, 0) + Math.max(0, placed.length - 1);
  const trendLeast = withTrend ? TREND_MIN + 1 : 0;
  // Columns shown only with room to spare: out, the last first, until the rest fit at their preferred widths.
  for (const p of [...placed].reverse()) if (p.col.whenRoom && used() + trendLeast > total) placed.splice(placed.indexOf(p), 1);
  const narrowest = (): number => placed.reduce((s, p) => s + (p.col.minWidth ?? p.width), 0) + Math.max(0, placed.length - 1);
  const trendRoom = withTrend ? TREND_MIN + 1 : 0;
  // Columns of one `drop` level go together (RX with TX), the most dispensable level first.
  const levels = [...new Set(placed.flatMap((p) => (p.col.drop === undefined ? [] : [p.col.drop])))].sort((a, b) => b - a);
  for (const level of levels) {
    if (narrowest() + trendRoom <= total) break;
    for (const d of placed.filter((p) => p.col.drop === level)) placed.splice(placed.indexOf(d), 1);
  }
  // Room kept for the trend while squeezing, when the columns fit beside it at their narrowest; a column that comes
  // before the trend (home's READING) counts at its preferred width: the sparkline gives way before it is cut.
  const beforeTrend = placed.reduce((s, p) => s + (p.col.beforeTrend ? p.width : (p.col.minWidth ?? p.width)), 0) + Math.max(0, placed.length - 1);
  const reserve = beforeTrend + trendRoom <= total ? trendRoom : 0;
  // Squeeze in two passes: first only the padding beyond each column's widest value, then down to minWidth.
  for (const floor of [
    (p: PlacedColumn) => Math.max(p.col.minWidth ?? p.width, contentWidths.get(p.col.key) ?? 0),
    (p: PlacedColumn) => p.col.minWidth ?? p.width,
  ]) {
    for (const p of [...placed].reverse()) {
      const over = used() - (total - reserve);
      if (over <= 0) break;
      p.width -= Math.max(0, Math.min(over, p.width - floor(p)));
    }
  }
  while (used() > total && placed.length > 1) placed.pop();
  for (const p of placed) {
    // Its header, with the sort mark, is content too: a column may grow to show it whole (VERDICT▼, not VERDIC…).
    const want = Math.min(Math.max(p.col.maxWidth ?? p.width, columnTitle(p.col).length + 1), contentWidths.get(p.col.key) ?? 0);
    if (want > p.width) p.width += Math.max(0, Math.min(want - p.width, total - reserve - used()));
  }
  const room = total - used() - 1;
  const trendWidth = withTrend && room >= TREND_MIN ? Math.min(TREND_MAX, room) : 0;
  return { columns: placed, trendWidth };
}

/**
 * The direction a column sorts in when it is chosen (with < > or F6): the panel's own default for its default column;
 * ascending for identities (PID, CPU, port) and text (names, paths); descending for the rest, numbers and verdicts:
 * the biggest and the worst first.
 */
export function firstDescending(col: AnyColumn, defaultSort: { key: string; descending: boolean }): boolean {
  if (col.key === defaultSort.key) return defaultSort.descending;
  if (col.ascending !== undefined) return !col.ascending;
  return col.align === 'right';
}
