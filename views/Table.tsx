/** A sorted table with a selected row and per-row sparklines, windowed to the rows that fit. */
import { Box, Text } from 'ink';
import type { PanelState } from '../src/store.js';
import { layoutColumns } from './layout.js';
import { contentWidths, headerLine, rowLine } from './text.js';

export interface TableProps {
  panel: PanelState;
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

export function Table({ panel, width, height, selected, waiting }: TableProps) {
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, visible, panel.rows.length);
  const rows = panel.rows.slice(start, start + visible);
  const layout = layoutColumns(panel.def.columns, width, contentWidths(panel, rows));
  return (
    <Box flexDirection="column">
      <Text inverse>{headerLine(layout, panel.sort).padEnd(width)}</Text>
      {rows.length === 0 ? <Text dimColor>{waiting ? '(measuring the first interval…)' : '(no activity in this interval)'}</Text> : null}
      {rows.map((row, i) => {
        const line = rowLine(layout, panel, row);
        return start + i === selected ? (
          <Text key={panel.def.rowId(row) as string} color="black" backgroundColor="cyan">
            {line.padEnd(width)}
          </Text>
        ) : (
          <Text key={panel.def.rowId(row) as string}>{line}</Text>
        );
      })}
    </Box>
  );
}
