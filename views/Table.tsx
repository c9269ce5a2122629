/** A sorted table with a selected row and per-row sparklines, windowed to the rows that fit. */
import { Box } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Row, SortSpec } from '../src/panels/types.js';
import { Line, type LineColour } from './Line.js';
import { layoutColumns } from './layout.js';
import { sharedMax } from './cells.js';
import { contentWidths, headerLine, rowParts } from './text.js';

export interface TableProps {
  spec: AnyPanelSpec;
  panel: PanelFrame;
  /** the rows in display order (the UI's sort) */
  rows: readonly Row[];
  sort: SortSpec;
  width: number;
  /** lines available, header included */
  height: number;
  selected: number;
  /** no interval has completed yet: say so instead of "no activity" */
  waiting?: boolean;
  /** the frame's measured interval (what its amounts cover) */
  elapsedNs?: number;
  /** the filter, when one hides rows: what an empty table says instead of "no activity" */
  filter?: { text: string; hidden: number };
}

/** What an empty table says: why it is empty, never "no activity" when something else hid the rows. */
export function emptyText(waiting: boolean | undefined, filter: TableProps['filter']): string {
  if (waiting) return '(measuring the first interval…)';
  if (filter && filter.hidden > 0)
    return `(no row matches /${filter.text}/: ${filter.hidden} ${filter.hidden === 1 ? 'row' : 'rows'} hidden; Esc clears the filter)`;
  return '(no activity in this interval)';
}

/** Colours for a row's tone: they draw the eye to what needs it (NO_COLOR turns them off). */
const TONE: Record<string, LineColour> = { bad: 'red', look: 'yellow' };

/** The first visible row: keeps the selection on screen. Exported for tests. */
export function windowStart(selected: number, visible: number, total: number): number {
  if (visible <= 0 || total <= visible) return 0;
  return Math.max(0, Math.min(selected - Math.floor(visible / 2), total - visible));
}

export function Table({ spec, panel, rows: all, sort, width, height, selected, waiting, elapsedNs, filter }: TableProps) {
  // No room for a row under the header: say so, rather than a header over nothing.
  if (height <= 1 && all.length > 0)
    return <Line dimColor text={`(${all.length} ${all.length === 1 ? 'row' : 'rows'}: no room to show them; a taller terminal shows them)`} width={width} />;
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, visible, all.length);
  const rows = all.slice(start, start + visible);
  // Amounts in the interval are shown per second, over the frame's own measured interval.
  const layout = layoutColumns(spec.columns, width, contentWidths(spec, rows, elapsedNs), spec.trendScale !== 'none');
  // One scale for every row on screen: a small row draws small.
  const trendMax =
    spec.trendScale === 'row'
      ? undefined
      : sharedMax(
          rows.map((r) => panel.history[r.id]),
          layout.trendWidth,
        );
  return (
    <Box flexDirection="column">
      <Line inverse text={headerLine(layout, sort)} width={width} />
      {rows.length === 0 ? <Line dimColor text={emptyText(waiting, filter)} width={width} /> : null}
      {rows.map((row, i) => {
        const parts = rowParts(layout, panel, row, trendMax, elapsedNs);
        const line = parts.map((p) => p.text).join('');
        if (start + i === selected) return <Line key={row.id} color="black" backgroundColor="cyan" text={line} width={width} />;
        const tone = TONE[spec.tone?.(row) ?? ''];
        // A toned row is all its tone's colour; the others show their big numbers in colour.
        return <Line key={row.id} dimColor={spec.quiet?.(row) ?? false} color={tone} text={line} parts={tone ? undefined : parts} width={width} />;
      })}
    </Box>
  );
}
