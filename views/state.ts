/** UI state (focus, selection, sort, pause, help) as a reducer over a typed action union. Pure. */
import type { Action } from './keys.js';

export interface SortSpec {
  key: string;
  descending: boolean;
}

export interface UiState {
  active: number;
  /** selected row index, per panel */
  selected: number[];
  /** sort per panel */
  sort: SortSpec[];
  paused: boolean;
  help: boolean;
  quit: boolean;
}

/** What the reducer needs to know about the screen right now. */
export interface UiContext {
  panelCount: number;
  /** rows in the active panel */
  rowCount: number;
  /** rows visible at once, for paging */
  pageRows: number;
  /** the active panel's column keys, in order */
  columnKeys: readonly string[];
}

export function initialUiState(sorts: SortSpec[]): UiState {
  return { active: 0, selected: sorts.map(() => 0), sort: sorts.map((s) => ({ ...s })), paused: false, help: false, quit: false };
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

function withSelected(s: UiState, ctx: UiContext, f: (cur: number) => number): UiState {
  const selected = [...s.selected];
  selected[s.active] = clamp(f(selected[s.active] ?? 0), 0, Math.max(0, ctx.rowCount - 1));
  return { ...s, selected };
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
      return withSelected(s, ctx, () => ctx.rowCount - 1);
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
