/**
 * A stack panel's flame graph: the panel's summary, a line naming the selected frame (its weight and share, the zoom),
 * and the icicle, one line per depth from the zoomed frame down. What does not fit below is said, not cut silently.
 */
import { Box } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, FlameSpec } from '../src/panels/types.js';
import { wrap } from './cells.js';
import { Line } from './Line.js';
import { flameLine, layoutFlame, livePath, nodeAt, type FlameNode } from './flame.js';

export interface FlameViewProps {
  spec: AnyPanelSpec;
  panel: PanelFrame;
  tree: FlameNode;
  flame: FlameSpec;
  view: { zoom: readonly string[]; sel: readonly string[] };
  width: number;
  height: number;
}

/** Pure: the flame graph's lines as text and pieces (for the view, and for tests and exports as plain text). */
export function flameLines(
  tree: FlameNode,
  flame: Pick<FlameSpec, 'format' | 'of'>,
  view: { zoom: readonly string[]; sel: readonly string[] },
  width: number,
  height: number,
): { head: string[]; lines: ReturnType<typeof flameLine>[]; more: string | null } {
  const zoom = livePath(tree, view.zoom);
  let sel = livePath(tree, view.sel);
  if (sel.length < zoom.length) sel = zoom;
  const top = nodeAt(tree, zoom) ?? tree;
  const node = nodeAt(tree, sel) ?? top;
  const head = [
    `flame graph of ${flame.of}: ${node.name} — ${flame.format(node.value, tree.value)}` +
      (zoom.length ? `; zoomed into ${zoom[zoom.length - 1]} (${flame.format(top.value, tree.value)})` : ''),
  ];
  if (tree.value <= 0) return { head: [...head, 'no stacks in this interval'], lines: [], more: null };
  const room = Math.max(1, height - head.length - 1);
  const all = layoutFlame(tree, zoom, width, 1 << 10);
  const shown = all.slice(0, room);
  const lines = shown.map((boxes) => flameLine(boxes, width, sel));
  const more = all.length > shown.length ? `… ${all.length - shown.length} deeper lines (Enter zooms into the selected frame)` : null;
  return { head, lines, more };
}

export function FlameView({ panel, tree, flame, view, width, height }: FlameViewProps) {
  const summary = panel.summary.text ? wrap(panel.summary.text, width, '  ') : [];
  const { head, lines, more } = flameLines(tree, flame, view, width, Math.max(1, height - summary.length));
  return (
    <Box flexDirection="column">
      {summary.map((l, i) => (
        <Line key={`s${i}`} dimColor text={l} width={width} />
      ))}
      {head.map((l, i) => (
        <Line key={`h${i}`} bold text={l} width={width} />
      ))}
      {lines.map((parts, i) => (
        <Line key={`f${i}`} text={parts.map((p) => p.text).join('')} parts={parts} width={width} />
      ))}
      {more ? <Line dimColor text={more} width={width} /> : null}
    </Box>
  );
}
