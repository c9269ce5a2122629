/** UI state (focus, selection, sort, pause, help) as a reducer over a typed action union. Pure. */
import type { Action } from './keys.js';

export interface SortSpec {
  key: string;
  descending: boolean;
}

export interface UiState {
  active: number;
  /** selected row index, per panel: used when the selected row is gone */
  selected: number[];
  /** selected row's id, per panel: the selection follows its row when the table re-sorts */
  selectedId: (string | null)[];
  /** sort per panel */
  sort: SortSpec[];
  paused: boolean;
  help: boolean;
  quit: boolean;
}

/** What the reducer needs to know about the screen right now. */
export interface UiContext {
  panelCount: number;
  /** ids of the active panel's rows, in display order */
  rowIds: readonly string[];
  /** rows visible at once, for paging */
  pageRows: number;
  /** the active panel's column keys, in order */
  columnKeys: readonly string[];
}

export function initialUiState(sorts: SortSpec[]): UiState {
  return {
    active: 0,
    selected: sorts.map(() => 0),
    selectedId: sorts.map(() => null),
    sort: sorts.map((s) => ({ ...s })),
    paused: false,
    help: false,
    quit: false,
  };
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** Where panel `p`'s selection is now: its row's new place, or the old index (kept in range) once the row is gone. */
export function selectedIndex(s: UiState, p: number, rowIds: readonly string[]): number {
  const id = s.selectedId[p];
  const at = id === null || id === undefined ? -1 : rowIds.indexOf(id);
  return at >= 0 ? at : clamp(s.selected[p] ?? 0, 0, Math.max(0, rowIds.length - 1));
}

function withSelected(s: UiState, ctx: UiContext, f: (cur: number) => number): UiState {
  const next = clamp(f(selectedIndex(s, s.active, ctx.rowIds)), 0, Math.max(0, ctx.rowIds.length - 1));
  const selected = [...s.selected];
  const selectedId = [...s.selectedId];
  selected[s.active] = next;
  selectedId[s.active] = ctx.rowIds[next] ?? null;
  return { ...s, selected, selectedId };
}

function withSort(s: UiState, f: (cur: SortSpec) => SortSpec): UiState {
  const sort = [...s.sort];
  const cur = sort[s.active];
  if (!cur) return s;
  sort[s.active] = f(cur);
  return { ...s, sort };
}

export function reduce(s: UiState, a: Action, ctx: UiContext): UiState {
  const n = Math.max(1, ctx.panelCount);
  const cols = ctx.columnKeys;
  const shiftSort = (step: number) => (cur: SortSpec): SortSpec => {
    const i = cols.indexOf(cur.key);
    const key = cols[(((i < 0 ? 0 : i) + step) % cols.length + cols.length) % cols.length] ?? cur.key;
    return { key, descending: cur.descending };
  };
  switch (a.type) {
    case 'nextPanel':
      return { ...s, active: (s.active + 1) % n };
    case 'prevPanel':
      return { ...s, active: (s.active - 1 + n) % n };
    case 'gotoPanel':
      return a.index < n ? { ...s, active: a.index } : s;
    case 'up':
      return withSelected(s, ctx, (c) => c - 1);
    case 'down':
      return withSelected(s, ctx, (c) => c + 1);
    case 'pageUp':
      return withSelected(s, ctx, (c) => c - Math.max(1, ctx.pageRows));
    case 'pageDown':
      return withSelected(s, ctx, (c) => c + Math.max(1, ctx.pageRows));
    case 'home':
      return withSelected(s, ctx, () => 0);
    case 'end':
      return withSelected(s, ctx, () => ctx.rowIds.length - 1);
    case 'sortNext':
      return cols.length ? withSort(s, shiftSort(1)) : s;
    case 'sortPrev':
      return cols.length ? withSort(s, shiftSort(-1)) : s;
    case 'sortReverse':
      return withSort(s, (cur) => ({ ...cur, descending: !cur.descending }));
    case 'togglePause':
      return { ...s, paused: !s.paused };
    case 'toggleHelp':
      return { ...s, help: !s.help };
    case 'closeHelp':
      return { ...s, help: false };
    case 'quit':
      return { ...s, quit: true };
  }
}
