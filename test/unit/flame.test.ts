/**
 * The flame graph without a terminal: stacks merged into a tree under their process names, the icicle's boxes
 * (proportional, tiling, narrow ones left out), the selection's moves and the zoom, and the keys that drive them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFlame, flameLine, layoutFlame, moveFlame, nodeAt } from '../../views/flame.js';
import { flameLines } from '../../views/Flame.js';
import { initialUiState, reduceInput, type UiContext } from '../../views/state.js';

const ROWS = [
  { comm: 'burn', stack: ['main', 'work70'], kinds: 'uu', weight: 70 },
  { comm: 'burn', stack: ['main', 'work30'], kinds: 'uu', weight: 30 },
  { comm: 'dd', stack: ['read', 'vfs_read'], kinds: 'uk', weight: 100 },
];

test('the tree: processes under the root, frames merged by name, heaviest first (then by name)', () => {
  const t = buildFlame(ROWS);
  assert.equal(t.value, 200);
  assert.deepEqual(
    t.children.map((c) => [c.name, c.value]),
    [
      ['burn', 100],
      ['dd', 100],
    ],
  );
  assert.equal(nodeAt(t, ['burn', 'main'])!.value, 100);
  assert.deepEqual(
    nodeAt(t, ['burn', 'main'])!.children.map((c) => c.name),
    ['work70', 'work30'],
  );
  assert.equal(nodeAt(t, ['dd', 'read', 'vfs_read'])!.kind, 'k');
});

test('the icicle: one line per depth, widths by weight, boxes tiling their parent', () => {
  const lines = layoutFlame(buildFlame(ROWS), [], 100, 10);
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines[1]!.map((b) => [b.node.name, b.start, b.width]),
    [
      ['burn', 0, 50],
      ['dd', 50, 50],
    ],
  );
  assert.deepEqual(
    lines[3]!.map((b) => [b.node.name, b.start, b.width]),
    [
      ['work70', 0, 35],
      ['work30', 35, 15],
      ['vfs_read', 50, 50],
    ],
  );
  // Zoomed into burn's main: it spans the width.
  const z = layoutFlame(buildFlame(ROWS), ['burn', 'main'], 100, 10);
  assert.deepEqual(
    z.map((l) => l.map((b) => [b.node.name, b.width])),
    [
      [['main', 100]],
      [
        ['work70', 70],
        ['work30', 30],
      ],
    ],
  );
  // Narrower than MIN_BOX cells: not drawn on their own, but together as one "+N" box after the others, not followed.
  const many = Array.from({ length: 30 }, (_, i) => ({ comm: `p${i}`, stack: ['f'], kinds: 'u', weight: 1 }));
  const thin = layoutFlame(buildFlame([...ROWS, ...many]), [], 46, 3);
  assert.equal(
    thin[1]!.some((b) => b.node.name.startsWith('p')),
    false,
  );
  const rest = thin[1]!.at(-1)!;
  assert.deepEqual([rest.node.name, rest.rest, rest.start + rest.width], ['+30', true, 46]);
  assert.equal(
    thin[2]!.some((b) => b.node.name === 'f'),
    false,
    'nothing below a +N box',
  );
  assert.equal(flameLine(thin[1]!, 46, null).at(-1)!.text.startsWith('▏+30'), true);
});

test('a line of the icicle: each box starts with a bar and its name, the selection underlined', () => {
  const t = buildFlame(ROWS);
  const [, procs] = layoutFlame(t, [], 20, 3);
  const parts = flameLine(procs!, 20, ['burn']);
  assert.equal(parts.map((p) => p.text).join(''), '▏burn     ▏dd       ');
  assert.equal(parts.find((p) => p.text.startsWith('▏burn'))!.underline, true);
  assert.equal(parts.find((p) => p.text.startsWith('▏dd'))!.inverse, true);
});

test('moves: down to the heaviest child, across a line, up, zoom and out', () => {
  const t = buildFlame(ROWS);
  let v = { zoom: [] as string[], sel: [] as string[] };
  v = moveFlame(t, v.zoom, v.sel, 'down')!;
  assert.deepEqual(v.sel, ['burn']);
  v = moveFlame(t, v.zoom, v.sel, 'right')!;
  assert.deepEqual(v.sel, ['dd']);
  v = moveFlame(t, v.zoom, moveFlame(t, v.zoom, v.sel, 'down')!.sel, 'down')!;
  assert.deepEqual(v.sel, ['dd', 'read', 'vfs_read']);
  v = moveFlame(t, v.zoom, v.sel, 'left')!;
  assert.deepEqual(v.sel, ['burn', 'main', 'work30'], 'across parents, on the same line');
  v = moveFlame(t, v.zoom, v.sel, 'right')!;
  v = moveFlame(t, v.zoom, v.sel, 'up')!;
  v = moveFlame(t, v.zoom, v.sel, 'zoom')!;
  assert.deepEqual(v.zoom, ['dd', 'read']);
  assert.deepEqual(moveFlame(t, v.zoom, v.sel, 'up')!.sel, ['dd', 'read'], 'not above the zoom');
  v = moveFlame(t, v.zoom, v.sel, 'unzoom')!;
  assert.deepEqual(v.zoom, ['dd']);
  assert.equal(moveFlame(t, [], [], 'unzoom'), null, 'Esc with no zoom leaves the flame graph');
  // A selection gone from this interval's tree falls back to what is left of its path.
  assert.deepEqual(moveFlame(t, [], ['burn', 'gone', 'x'], 'down')!.sel, ['burn', 'main']);
});

test('the view’s text: the selection’s weight and share, and what does not fit said', () => {
  const t = buildFlame(ROWS);
  const f = { of: 'CPU samples', format: (w: number, total: number) => `${w} samples, ${Math.round((w / total) * 100)}%` };
  const { head, lines, more } = flameLines(t, f, { zoom: [], sel: ['burn', 'main'] }, 40, 5);
  assert.equal(head[0], 'flame graph of CPU samples: main — 100 samples, 50%');
  assert.equal(lines.length, 3);
  assert.equal(more, '… 1 deeper lines (Enter zooms into the selected frame)');
});

const ctx = (flame: ReturnType<typeof buildFlame> | null | undefined): UiContext => ({
  panelIds: ['profile'],
  rowIds: ['a'],
  pageRows: 10,
  columnKeys: ['samples'],
  defaultSort: { key: 'samples', descending: true },
  ...(flame !== undefined ? { flame } : {}),
});

test('keys: f opens the flame graph, arrows move in it, Enter zooms, Esc out and back to the table', () => {
  const t = buildFlame(ROWS);
  let s = initialUiState(['profile']);
  s = reduceInput(s, { key: 'f' }, ctx(null));
  assert.deepEqual(s.panels.profile!.flame, { zoom: [], sel: [] });
  for (const key of ['down', 'right', 'left', 'down', 'enter']) s = reduceInput(s, { key }, ctx(t));
  assert.deepEqual(s.panels.profile!.flame, { zoom: ['burn', 'main'], sel: ['burn', 'main'] });
  s = reduceInput(s, { key: 'esc' }, ctx(t));
  s = reduceInput(s, { key: 'esc' }, ctx(t));
  assert.deepEqual(s.panels.profile!.flame, { zoom: [], sel: ['burn', 'main'] });
  s = reduceInput(s, { key: 'esc' }, ctx(t));
  assert.equal(s.panels.profile!.flame, undefined, 'Esc with no zoom: the table again');
  assert.equal(s.active, 'profile');
  // A panel without a flame graph: f does nothing.
  assert.deepEqual(reduceInput(initialUiState(['x']), { key: 'f' }, ctx(undefined)).panels, {});
});
