import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortRows } from '../../src/panels/sort.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { layoutColumns } from '../../views/layout.js';
import { decodeKey } from '../../views/keys.js';
import { InputDecoder } from '../../views/input.js';
import { initialUiState, panelUi, reduce, selectedIndex, type UiContext } from '../../views/state.js';
import { windowStart } from '../../views/Table.js';

const SORT = { key: 'a', descending: true };
const ctx: UiContext = { panelIds: ['p0', 'p1'], rowIds: ['r0', 'r1', 'r2', 'r3', 'r4'], pageRows: 2, columnKeys: ['a', 'b', 'c'], defaultSort: SORT };

test('sortRows: descending by value, nulls last, ties broken by row id', () => {
  const rows = [
    { id: 'x', vector: 'x', time_ns: 5 },
    { id: 'b', vector: 'b', time_ns: null },
    { id: 'a', vector: 'a', time_ns: 5 },
    { id: 'c', vector: 'c', time_ns: 9 },
  ];
  const sorted = sortRows(softirqsPanel, rows, { key: 'time_ns', descending: true });
  assert.deepEqual(
    sorted.map((r) => r.vector),
    ['c', 'a', 'x', 'b'],
  );
  const asc = sortRows(softirqsPanel, rows, { key: 'time_ns', descending: false });
  assert.deepEqual(
    asc.map((r) => r.vector),
    ['a', 'x', 'c', 'b'],
  );
});

test('layout: fits 80 and 120 columns exactly, trend only with room', () => {
  const used = (l: ReturnType<typeof layoutColumns>): number =>
    l.columns.reduce((s, c) => s + c.width, 0) + l.columns.length - 1 + (l.trendWidth ? l.trendWidth + 1 : 0);
  // At 80 columns tcptop leaves out what matters least (FAM: the address says it; RX and TX: TOTAL stays; the cgroup,
  // shown only with room to spare) and keeps COMM whole and TREND.
  const t80 = layoutColumns(tcptopPanel.columns, 80);
  assert.ok(used(t80) <= 80);
  assert.ok(t80.trendWidth >= 10, 'TREND kept');
  assert.deepEqual(
    t80.columns.map((c) => c.col.key),
    tcptopPanel.columns.map((c) => c.key).filter((k) => !['family', 'rx_bytes', 'tx_bytes', 'workload', 'cgroup'].includes(k)),
  );
  assert.equal(t80.columns.find((c) => c.col.key === 'comm')!.width, 12, 'COMM whole');
  const t120 = layoutColumns(tcptopPanel.columns, 120, new Map([['laddr', 20]]));
  assert.equal(t120.columns.find((c) => c.col.key === 'laddr')!.width, 20);
  assert.ok(t120.trendWidth >= 10 && used(t120) === 120);
  const s80 = layoutColumns(softirqsPanel.columns, 80);
  assert.equal(used(s80), 80);
  // The cgroup's columns never squeeze the others: at 200 columns they are there, every other column at its width.
  const t200 = layoutColumns(tcptopPanel.columns, 200);
  assert.ok(t200.columns.some((c) => c.col.key === 'workload') && t200.columns.every((c) => c.width >= c.col.width));
  const tiny = layoutColumns(tcptopPanel.columns, 30);
  assert.ok(used(tiny) <= 30 && tiny.columns.length < tcptopPanel.columns.length);
});

test('keys decode to actions', () => {
  assert.deepEqual(decodeKey({ key: 'tab' }), { type: 'nextPanel' });
  assert.deepEqual(decodeKey({ key: 'S-tab' }), { type: 'prevPanel' });
  assert.deepEqual(decodeKey({ key: '3' }), { type: 'gotoStep', step: 3 });
  assert.deepEqual(decodeKey({ key: '0' }), { type: 'gotoStep', step: 10 });
  assert.deepEqual(decodeKey({ key: 'enter' }), { type: 'drill' });
  assert.deepEqual(decodeKey({ key: 'h' }), { type: 'goHome' });
  assert.deepEqual(decodeKey({ key: 'esc' }), { type: 'escape' });
  assert.deepEqual(decodeKey({ key: 'C-c' }), { type: 'quit', force: true });
  assert.deepEqual(decodeKey({ key: 'q' }), { type: 'quit' });
  assert.deepEqual(decodeKey({ key: 'C-l' }), { type: 'command', cmd: { type: 'redraw' } });
  assert.deepEqual(decodeKey({ key: 'f10' }), { type: 'quit' });
  assert.deepEqual(decodeKey({ key: 'f1' }), { type: 'toggleHelp' });
  assert.deepEqual(decodeKey({ key: '>' }), { type: 'sortNext' });
  assert.equal(decodeKey({ key: 'z' }), null);
  assert.equal(decodeKey({ paste: 'qqq' }), null, 'pasted text runs no command');
});

test('input: every key in one read counts; escape sequences, F-keys and pastes are decoded', () => {
  const d = new InputDecoder();
  const keys = (s: string): string[] => d.decode(s).map((e) => ('key' in e ? e.key : `paste:${e.paste}`));
  assert.deepEqual(keys('jj'), ['j', 'j']);
  assert.deepEqual(keys('jjjjk'), ['j', 'j', 'j', 'j', 'k']);
  assert.deepEqual(keys('\x1b[B\x1b[B\x1b[A'), ['down', 'down', 'up']);
  assert.deepEqual(keys('\x1bOA\x1b[1;5B\x1b[5~\x1b[6~\x1b[H\x1b[4~'), ['up', 'down', 'pgup', 'pgdn', 'home', 'end']);
  assert.deepEqual(keys('\x1bOP\x1b[15~\x1b[17~\x1b[21~\x1b[[A'), ['f1', 'f5', 'f6', 'f10', 'f1']);
  assert.deepEqual(keys('\t\x1b[Z\r\x7f\x03'), ['tab', 'S-tab', 'enter', 'backspace', 'C-c']);
  assert.deepEqual(keys('\x1b'), ['esc']);
  assert.deepEqual(keys('\x1bq'), ['esc', 'q'], 'Esc then q typed fast');
  assert.deepEqual(keys('日本'), ['日', '本']);
  assert.deepEqual(keys('a\x1b[200~qq\x1b[2'), ['a'], 'a paste is held until it ends');
  assert.deepEqual(keys('J\x1b[201~j'), ['paste:qq\x1b[2J', 'j']);
});

test('reducer: panels wrap, selection clamps, sort cycles and reverses per panel id, pause and help toggle', () => {
  let s = initialUiState(ctx.panelIds);
  assert.equal(s.active, 'p0');
  s = reduce(s, { type: 'prevPanel' }, ctx);
  assert.equal(s.active, 'p1');
  s = reduce(s, { type: 'gotoPanel', index: 5 }, ctx);
  assert.equal(s.active, 'p1');
  s = reduce(s, { type: 'pageDown' }, ctx);
  s = reduce(s, { type: 'pageDown' }, ctx);
  s = reduce(s, { type: 'pageDown' }, ctx);
  assert.equal(panelUi(s, 'p1', SORT).selected, 4);
  s = reduce(s, { type: 'home' }, ctx);
  s = reduce(s, { type: 'up' }, ctx);
  assert.equal(panelUi(s, 'p1', SORT).selected, 0);
  s = reduce(s, { type: 'sortNext' }, ctx);
  s = reduce(s, { type: 'sortNext' }, ctx);
  assert.deepEqual(panelUi(s, 'p1', SORT).sort, { key: 'c', descending: true });
  s = reduce(s, { type: 'sortNext' }, ctx);
  s = reduce(s, { type: 'sortPrev' }, ctx);
  s = reduce(s, { type: 'sortReverse' }, ctx);
  assert.deepEqual(panelUi(s, 'p1', SORT).sort, { key: 'c', descending: false });
  assert.deepEqual(panelUi(s, 'p0', SORT).sort, SORT, 'the other panel keeps its own sort');
  s = reduce(s, { type: 'gotoPanel', index: 0 }, ctx);
  assert.equal(s.active, 'p0');
  s = reduce(reduce(s, { type: 'togglePause' }, ctx), { type: 'toggleHelp' }, ctx);
  assert.equal(s.paused && s.help, true);
  assert.equal(reduce(s, { type: 'closeHelp' }, ctx).help, false);
  // q in the help closes it, as in htop; q again quits; Ctrl-C quits from the help itself.
  const closed = reduce(s, { type: 'quit' }, ctx);
  assert.deepEqual([closed.help, closed.quit], [false, false]);
  assert.equal(reduce(closed, { type: 'quit' }, ctx).quit, true);
  assert.equal(reduce(s, { type: 'quit', force: true }, ctx).quit, true);
  // In a replay, p plays it (the host's command): the screen is not frozen.
  const played = reduce(initialUiState(ctx.panelIds), { type: 'togglePause' }, { ...ctx, replay: true });
  assert.equal(played.paused, false);
  assert.deepEqual(
    played.commands.map((c) => c.cmd),
    [{ type: 'play' }],
  );
});

test('a column chosen to sort by starts in its own direction: numbers and verdicts biggest and worst first, identities and names in order', () => {
  const c = {
    ...ctx,
    columnKeys: ['pid', 'name', 'total', 'verdict'],
    columnDescending: [false, false, true, true],
    defaultSort: { key: 'pid', descending: false },
  };
  let s = initialUiState(c.panelIds);
  // Ascending by PID, then > to name (text: ascending), > to total (a number: descending, whatever came before).
  s = reduce(s, { type: 'sortNext' }, c);
  assert.deepEqual(panelUi(s, 'p0', c.defaultSort).sort, { key: 'name', descending: false });
  s = reduce(s, { type: 'sortNext' }, c);
  assert.deepEqual(panelUi(s, 'p0', c.defaultSort).sort, { key: 'total', descending: true });
  s = reduce(s, { type: 'sortReverse' }, c);
  s = reduce(s, { type: 'sortNext' }, c);
  assert.deepEqual(panelUi(s, 'p0', c.defaultSort).sort, { key: 'verdict', descending: true }, 'the worst first, though total was ascending');
  // F6: the same, and q closes the list without quitting.
  s = reduce(s, { type: 'sortMenu' }, c);
  s = reduce(s, { type: 'up' }, c);
  s = reduce(s, { type: 'drill' }, c);
  assert.deepEqual(panelUi(s, 'p0', c.defaultSort).sort, { key: 'total', descending: true });
  s = reduce(reduce(s, { type: 'sortMenu' }, c), { type: 'quit' }, c);
  assert.deepEqual([s.sortMenu, s.quit], [null, false]);
});

test("UI state is keyed by panel id: a panel list that changes order keeps each panel's state", () => {
  let s = initialUiState(ctx.panelIds);
  s = reduce(s, { type: 'down' }, ctx);
  s = reduce(s, { type: 'sortReverse' }, ctx);
  const reordered = { ...ctx, panelIds: ['home', 'p1', 'p0'] };
  s = reduce(s, { type: 'nextPanel' }, reordered);
  assert.equal(s.active, 'home');
  s = reduce(s, { type: 'gotoPanel', index: 2 }, reordered);
  assert.equal(s.active, 'p0');
  assert.deepEqual(panelUi(s, 'p0', SORT), { selected: 1, selectedId: 'r1', sort: { key: 'a', descending: false } });
});

test('table window keeps the selection visible', () => {
  assert.equal(windowStart(0, 10, 5), 0);
  assert.equal(windowStart(50, 10, 100), 45);
  assert.equal(windowStart(99, 10, 100), 90);
});

test('the selection follows its row when the table re-sorts, and keeps its place when the row is gone', () => {
  let s = initialUiState(ctx.panelIds);
  s = reduce(s, { type: 'down' }, ctx);
  s = reduce(s, { type: 'down' }, ctx);
  const p = (): ReturnType<typeof panelUi> => panelUi(s, 'p0', SORT);
  assert.equal(selectedIndex(p(), ctx.rowIds), 2);
  assert.equal(selectedIndex(p(), ['r2', 'r0', 'r1']), 0, 'r2 moved to the top');
  assert.equal(selectedIndex(p(), ['r0', 'r1', 'r3', 'r4']), 2, 'r2 is gone: same place');
  assert.equal(selectedIndex(p(), ['r0']), 0, 'kept in range');
  s = reduce(s, { type: 'down' }, { ...ctx, rowIds: ['r2', 'r0', 'r1'] });
  assert.equal(p().selectedId, 'r0');
});

test('pinned rows stay on top whatever the sort', async () => {
  const { mpstatPanel } = await import('../../src/panels/mpstat.js');
  const rows = [
    { id: 'cpu1', cpu: 1, busy_pct: 90 },
    { id: 'all', cpu: 'all', busy_pct: 50 },
    { id: 'cpu0', cpu: 0, busy_pct: 10 },
  ];
  assert.deepEqual(
    sortRows(mpstatPanel, rows as never, { key: 'busy_pct', descending: false }).map((r) => r.id),
    ['all', 'cpu0', 'cpu1'],
  );
  assert.deepEqual(
    sortRows(mpstatPanel, rows as never, { key: 'busy_pct', descending: true }).map((r) => r.id),
    ['all', 'cpu1', 'cpu0'],
  );
});

test("c keeps the selected row's cgroup and again every cgroup; Enter on a cgroup lists its processes; i opens any detail", () => {
  const at = (s: ReturnType<typeof initialUiState>, id: string) => panelUi(s, id, SORT);
  let s = initialUiState(['p0', 'p1']);
  const here: UiContext = { ...ctx, selectedCgroup: '/system.slice/x.service' };
  s = reduce(s, decodeKey({ key: 'c' })!, here);
  assert.equal(at(s, 'p0').cgroup, '/system.slice/x.service');
  s = reduce(s, decodeKey({ key: 'c' })!, here);
  assert.equal(at(s, 'p0').cgroup, undefined);
  // A row without a cgroup: nothing to keep.
  assert.equal(at(reduce(s, decodeKey({ key: 'c' })!, { ...ctx, selectedCgroup: null }), 'p0').cgroup, undefined);
  // Enter where the panel's rows lead elsewhere: that panel, sorted as asked, with the cgroup kept, no detail.
  const drill: UiContext = { ...ctx, drillHere: { target: 'p1', view: { cgroup: '/job', sort: { key: 'b', descending: true } } } };
  const opened = reduce(s, { type: 'drill' }, drill);
  assert.equal(opened.active, 'p1');
  assert.equal(opened.detail, false);
  assert.equal(at(opened, 'p1').cgroup, '/job');
  assert.deepEqual(at(opened, 'p1').sort, { key: 'b', descending: true });
  // i: the detail, there and anywhere; Enter without a target: the detail as before.
  assert.equal(reduce(s, decodeKey({ key: 'i' })!, drill).detail, true);
  assert.equal(reduce(s, { type: 'drill' }, ctx).detail, true);
  assert.equal(reduce(s, decodeKey({ key: 'i' })!, { ...ctx, rowIds: [] }).detail, false);
});
