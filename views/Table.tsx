/** A sorted table with a selected row and per-row sparklines, windowed to the rows that fit. */
import { Box, Text } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Row, SortSpec } from '../src/panels/types.js';
import { fit } from './cells.js';
import { layoutColumns } from './layout.js';
import { contentWidths, headerLine, rowLine } from './text.js';

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
}

/** The first visible row: keeps the selection on screen. Exported for tests. */
export function windowStart(selected: number, visible: number, total: number): number {
  if (visible <= 0 || total <= visible) return 0;
  return Math.max(0, Math.min(selected - Math.floor(visible / 2), total - visible));
}

export function Table({ spec, panel, rows: all, sort, width, height, selected, waiting }: TableProps) {
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, visible, all.length);
  const rows = all.slice(start, start + visible);
  const layout = layoutColumns(spec.columns, width, contentWidths(spec, rows));
  return (
    <Box flexDirection="column">
      <Text inverse>{fit(headerLine(layout, sort), width)}</Text>
      {rows.length === 0 ? <Text dimColor>{waiting ? '(measuring the first interval…)' : '(no activity in this interval)'}</Text> : null}
      {rows.map((row, i) => {
        const line = rowLine(layout, panel, row);
        return start + i === selected ? (
          <Text key={row.id} color="black" backgroundColor="cyan">
            {fit(line, width)}
          </Text>
        ) : (
          <Text key={row.id} dimColor={spec.quiet?.(row) ?? false}>
            {line}
          </Text>
        );
      })}
    </Box>
  );
}
