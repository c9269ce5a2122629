/** F6: the active panel's columns as a list to sort by (htop's habit): the cursor, the current sort, what each means. */
import { Box } from 'ink';
import type { AnyPanelSpec, SortSpec } from '../src/panels/types.js';
import { Line } from './Line.js';
import { columnTitle } from './text.js';

export function SortMenu({ spec, sort, cursor, width, height }: { spec: AnyPanelSpec; sort: SortSpec; cursor: number; width: number; height: number }) {
  const lines = spec.columns.map((c, i) => ({
    text: `${i === cursor ? '▶' : ' '} ${(columnTitle(c) + (c.key === sort.key ? (sort.descending ? '▼' : '▲') : '')).padEnd(10)} ${c.help}`,
    on: i === cursor,
  }));
  const visible = Math.max(1, height - 1);
  const top = Math.max(0, Math.min(cursor - Math.floor(visible / 2), lines.length - visible));
  return (
    <Box flexDirection="column">
      <Line bold text={`${spec.title}: sort by (↑↓ choose, Enter sorts, Esc closes)`} width={width} />
      {lines.slice(top, top + visible).map((l, i) => (
        <Line key={i} inverse={l.on} text={l.text} width={width} />
      ))}
    </Box>
  );
}
