/**
 * The flame graph of a stack panel (pure): its rows' stacks merged into a tree (all → process name → frames, root
 * first), laid out as an icicle (one line per depth, the root on top, widths proportional to weight), and the moves of
 * its selection. A node is named by its path of frame names from the root; a zoom is such a path.
 */
import { cellWidth, fit } from './cells.js';
import type { Part } from './text.js';

export interface FlameInput {
  comm: string;
  stack: readonly string[];
  kinds: string;
  weight: number;
}

export interface FlameNode {
  name: string;
  /** 'k' kernel, 'u' user, 'j' JIT, '?' unknown, 'p' a process, 'r' the root */
  kind: string;
  value: number;
  /** the heaviest first */
  children: FlameNode[];
}

/** Pure: the tree of the stacks, children by weight (heaviest first, then by name). */
export function buildFlame(rows: readonly FlameInput[]): FlameNode {
  interface Build {
    name: string;
    kind: string;
    value: number;
    children: Map<string, Build>;
  }
  const root: Build = { name: 'all', kind: 'r', value: 0, children: new Map() };
  const child = (n: Build, name: string, kind: string): Build => {
    const id = `${kind}\u0000${name}`;
    let c = n.children.get(id);
    if (!c) n.children.set(id, (c = { name, kind, value: 0, children: new Map() }));
    return c;
  };
  for (const r of rows) {
    if (!(r.weight > 0)) continue;
    root.value += r.weight;
    let n = child(root, r.comm || '?', 'p');
    n.value += r.weight;
    r.stack.forEach((name, i) => {
      n = child(n, name, r.kinds[i] ?? '?');
      n.value += r.weight;
    });
  }
  const done = (b: Build): FlameNode => ({
    name: b.name,
    kind: b.kind,
    value: b.value,
    children: [...b.children.values()].map(done).sort((a, c) => c.value - a.value || (a.name < c.name ? -1 : a.name > c.name ? 1 : 0)),
  });
  return done(root);
}

/** The node at a path (names from the root's children down), or undefined. */
export function nodeAt(root: FlameNode, path: readonly string[]): FlameNode | undefined {
  let n: FlameNode | undefined = root;
  for (const name of path) {
    n = n.children.find((c) => c.name === name);
    if (!n) return undefined;
  }
  return n;
}

/** The longest prefix of `path` that is still in the tree (a frame gone from this interval's stacks). */
export function livePath(root: FlameNode, path: readonly string[]): string[] {
  const out: string[] = [];
  let n = root;
  for (const name of path) {
    const c = n.children.find((x) => x.name === name);
    if (!c) break;
    out.push(name);
    n = c;
  }
  return out;
}

/** One box of the icicle: where it starts and how wide it is (cells), its node, and its path. */
export interface FlameBox {
  start: number;
  width: number;
  node: FlameNode;
  path: string[];
  /** the parent's frames too narrow to draw, drawn as one box ("+12"): not a frame to select */
  rest?: boolean;
}

/** Narrower than this, a frame is not drawn on its own (a name needs room): its weight goes to its parent's "+N" box. */
export const MIN_BOX = 3;

/**
 * Pure: the icicle of the zoomed node: line 0 is the zoomed node across the whole width, each line below its children
 * in proportion to their weight (by cumulative weight, so the boxes tile without drift). Children narrower than
 * MIN_BOX cells (the lightest: children come heaviest first) are drawn as one "+N" box after the others, and not
 * followed further down. At most `depth` lines.
 */
export function layoutFlame(root: FlameNode, zoom: readonly string[], width: number, depth: number): FlameBox[][] {
  const top = nodeAt(root, zoom) ?? root;
  const path0 = nodeAt(root, zoom) ? [...zoom] : [];
  const lines: FlameBox[][] = [];
  let level: FlameBox[] = top.value > 0 ? [{ start: 0, width, node: top, path: path0 }] : [];
  while (level.length > 0 && lines.length < depth) {
    lines.push(level);
    const next: FlameBox[] = [];
    for (const b of level) {
      if (b.rest) continue;
      let acc = 0;
      let restFrom = -1;
      let rest = 0;
      let restValue = 0;
      for (const c of b.node.children) {
        const from = b.start + Math.round((acc / b.node.value) * b.width);
        acc += c.value;
        const to = b.start + Math.round((acc / b.node.value) * b.width);
        if (to - from >= MIN_BOX && rest === 0) next.push({ start: from, width: to - from, node: c, path: [...b.path, c.name] });
        else {
          if (rest === 0) restFrom = from;
          rest++;
          restValue += c.value;
        }
      }
      const restTo = b.start + Math.round((acc / b.node.value) * b.width);
      if (rest > 0 && restTo - restFrom >= 1)
        next.push({
          start: restFrom,
          width: restTo - restFrom,
          node: { name: `+${rest}`, kind: 'rest', value: restValue, children: [] },
          path: [...b.path],
          rest: true,
        });
    }
    level = next;
  }
  return lines;
}

const COLORS: Readonly<Record<string, NonNullable<Part['color']>>> = { k: 'red', u: 'yellow', j: 'green', '?': 'magenta', p: 'cyan', r: 'cyan' };

/**
 * Pure: one line of the icicle as coloured pieces (inverse video in the frame's colour: kernel red, user yellow, JIT
 * green, unknown magenta, processes cyan). Each box starts with a bar so boxes stay apart without colour; the selected
 * one is drawn plain and underlined.
 */
export function flameLine(boxes: readonly FlameBox[], width: number, selected: readonly string[] | null): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const b of boxes) {
    if (b.start > at) parts.push({ text: ' '.repeat(b.start - at) });
    const label = b.width >= 2 ? `▏${fit(b.node.name, b.width - 1)}` : '▏';
    const text = label + ' '.repeat(Math.max(0, b.width - cellWidth(label)));
    const isSel = !b.rest && selected !== null && samePath(b.path, selected);
    parts.push(b.rest ? { text } : isSel ? { text, underline: true } : { text, inverse: true, color: COLORS[b.node.kind] ?? 'magenta' });
    at = b.start + b.width;
  }
  if (at < width) parts.push({ text: ' '.repeat(width - at) });
  return parts;
}

export const samePath = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export type FlameMove = 'up' | 'down' | 'left' | 'right' | 'zoom' | 'unzoom';

/**
 * Pure: the selection and zoom after a move. ↑ the parent (not above the zoom), ↓ the heaviest child, ← → the box
 * before or after on the same line (across parents), Enter zooms into the selection, Esc out one level. Null: the move
 * leaves the flame graph (Esc with no zoom).
 */
export function moveFlame(root: FlameNode, zoom: readonly string[], sel: readonly string[], move: FlameMove): { zoom: string[]; sel: string[] } | null {
  const z = livePath(root, zoom);
  let s = livePath(root, sel);
  if (s.length < z.length || !samePath(s.slice(0, z.length), z)) s = [...z];
  switch (move) {
    case 'up':
      return { zoom: z, sel: s.length > z.length ? s.slice(0, -1) : s };
    case 'down': {
      const c = nodeAt(root, s)?.children[0];
      return { zoom: z, sel: c ? [...s, c.name] : s };
    }
    case 'left':
    case 'right': {
      // The boxes of the selection's line, in order, as the full-width layout has them (widths do not matter here).
      const line = (layoutFlame(root, z, 1 << 20, s.length - z.length + 1)[s.length - z.length] ?? []).filter((b) => !b.rest);
      const i = line.findIndex((b) => samePath(b.path, s));
      const j = move === 'left' ? i - 1 : i + 1;
      return { zoom: z, sel: i >= 0 && j >= 0 && j < line.length ? line[j]!.path : s };
    }
    case 'zoom':
      return { zoom: s, sel: s };
    case 'unzoom':
      return z.length === 0 ? null : { zoom: z.slice(0, -1), sel: s };
  }
}
