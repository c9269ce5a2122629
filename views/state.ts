/**
 * UI state (the active panel, and per panel id: selection and sort; pause, help) as a reducer over a typed action
 * union. Pure. State is keyed by panel id, not by position, so screens can come and go around the panels.
 */
import type { SortSpec } from '../src/panels/types.js';
import { decodeKey, type Action, type Command } from './keys.js';
import type { KeyEvent } from './input.js';
import { moveFlame, type FlameMove, type FlameNode } from './flame.js';

export interface PanelUi {
  /** selected row's index: used when the selected row is gone */
  selected: number;
  /** selected row's id: the selection follows its row when the table re-sorts */
  selectedId: string | null;
  sort: SortSpec;
  /** the filter typed after `/` ('' or absent: none) */
  filter?: string;
  /** the grouping in use, by index into the panel's groupings (absent: single rows) */
  group?: number;
  /** drawn as a tree (T), where the panel has one */
  tree?: boolean;
  /** its recent events, one per row (v), where it is an event panel */
  events?: boolean;
  /** only this user's rows (u), where the rows have a user */
  user?: string;
  /** only rows of this cgroup and those below it (c, or opened from the cgroup panel), where the rows have a cgroup */
  cgroup?: string;
  /** only this process's rows (a stack panel opened from a process) */
  pid?: number;
  /** the flame graph (f), where the panel has one: its zoom and its selected frame, as paths of names from the root */
  flame?: { zoom: string[]; sel: string[] };
}

export interface UiState {
  /** the panel on screen */
  active: string;
  /** by panel id; a panel without an entry has the defaults */
  panels: Readonly<Record<string, PanelUi>>;
  paused: boolean;
  help: boolean;
  /** sixty's own rows (its pid) left out of every table */
  hideSelf: boolean;
  /** the selected row's detail is open (Enter, away from home) */
  detail: boolean;
  /** lines scrolled in the help or the detail view */
  scroll: number;
  /** typing the active panel's filter: keys are text, not commands */
  editing: boolean;
  /** the sort column list (F6) is open, with its cursor on this column index; null when closed */
  sortMenu: number | null;
  /**
   * Commands for the host (`+`, `e`, `R`, `[`…), numbered: keys typed in one read give several before the host sees
   * any, so the recent ones are kept (the host acts on those numbered after the last it acted on).
   */
  commands: readonly { seq: number; cmd: Command }[];
  /** asking before a signal or a renice is sent to a process (procs): keys answer it */
  prompt?: ProcessPrompt | null;
  /** a replay's timeline is open (L), its cursor on this column (-1: the column of the frame on screen); null: closed */
  timeline?: number | null;
  /** a replay's page of what changed (D) is open; the selection keys scroll it */
  page?: boolean;
  quit: boolean;
}

/** What the reducer needs to know about the screen right now (passed with each action, never closed over). */
export interface UiContext {
  /** panel ids in tab order */
  panelIds: readonly string[];
  /** ids of the active panel's rows, in display order */
  rowIds: readonly string[];
  /** rows visible at once, for paging */
  pageRows: number;
  /** the active panel's column keys, in order */
  columnKeys: readonly string[];
  /**
   * Whether each of those columns sorts descending when first chosen (numbers and verdicts: the biggest and the worst
   * first; names and identities: in order). Default: descending.
   */
  columnDescending?: readonly boolean[];
  /** the active panel's default sort */
  defaultSort: SortSpec;
  /** a replay: p plays and stops it (the host's command) rather than freezing the screen */
  replay?: boolean;
  /** a replay's timeline, where it has one: its columns, the column of the frame on screen, and each column's frame */
  timeline?: { columns: number; at: number; jump: readonly number[] };
  /** the active panel can be drawn as a tree (T) */
  tree?: boolean;
  /** the active panel has a recent-events view (v) */
  events?: boolean;
  /** the active panel's flame graph (its tree), where it has one: what the moves in it go by */
  flame?: FlameNode | null;
  /** the users of the active panel's rows, most rows first (u steps through them), where its rows have one */
  users?: readonly string[];
  /** how many groupings the active panel has (`t` steps through them, then back to single rows) */
  groupings?: number;
  /** the home screen's panel id and its step rows' ids in step order ('' and [] when there is no home) */
  homeId?: string;
  /** home's second page (the BCC tools checklist), where `b` goes */
  secondId?: string;
  homeSort?: SortSpec;
  stepIds?: readonly string[];
  /** the home rows' explaining panels by row id, in order (Enter opens the first present in this run) */
  homeDrill?: Readonly<Record<string, readonly string[]>>;
  /** how each home row opens a panel it drills into, by row id and panel id: its sort and the row it selects */
  homeDrillView?: Readonly<Record<string, Readonly<Record<string, DrillView>>>>;
  /** the selected row's cgroup, where the active panel's rows have one: what `c` keeps */
  selectedCgroup?: string | null;
  /** where Enter takes the selected row of a panel other than home (the cgroup panel: its processes), and how */
  drillHere?: { target: string; view: DrillView } | null;
  /** the stack panel (profile) the selected row leads to, and how it opens (its process): where P goes */
  stacksHere?: { target: string; view: DrillView } | null;
  /** the selected row's process, where the active panel signals processes (procs): what F9 F7 F8 act on */
  selectedProcess?: { pid: number; comm: string; nice: number; start: number; ended: boolean } | null;
}

/** The process a signal or a renice would go to, and what would be sent. */
export interface ProcessPrompt {
  kind: 'signal' | 'nice';
  pid: number;
  comm: string;
  /** its start (epoch seconds): the host sends nothing to a pid that another process has taken since */
  start: number;
  signal: number;
  nice: number;
}

/** The signals the prompt steps through (←→), SIGTERM first. */
export const PROMPT_SIGNALS: readonly { n: number; name: string }[] = [
  { n: 15, name: 'SIGTERM' },
  { n: 9, name: 'SIGKILL' },
  { n: 2, name: 'SIGINT' },
  { n: 1, name: 'SIGHUP' },
  { n: 19, name: 'SIGSTOP' },
  { n: 18, name: 'SIGCONT' },
  { n: 10, name: 'SIGUSR1' },
  { n: 12, name: 'SIGUSR2' },
  { n: 3, name: 'SIGQUIT' },
];

/** The prompt as a line: what it would do, and the keys that answer it. */
export function promptText(p: ProcessPrompt): string {
  if (p.kind === 'signal') {
    const name = PROMPT_SIGNALS.find((x) => x.n === p.signal)?.name ?? `signal ${p.signal}`;
    return `send ${name} to ${p.pid} (${p.comm})? y sends, ←→ another signal, n or Esc cancels`;
  }
  return `renice ${p.pid} (${p.comm}) to ${p.nice}? y sets it, F7 F8 ←→ change it, n or Esc cancels`;
}

/** How a drill opens its panel: sorted by this, with this row selected (the process that explains the step). */
export interface DrillView {
  sort?: SortSpec;
  select?: string;
  /** the target shows only this cgroup's subtree */
  cgroup?: string;
  /** the target shows only this process's rows */
  pid?: number;
}

/** A panel opened by a drill: sorted as the drill asks, its row selected (by id: found wherever the sort puts it), its cgroup kept. */
function openDrill(s: UiState, target: string, view: DrillView | undefined): UiState {
  const old = s.panels[target];
  const sort = view?.sort ?? old?.sort;
  let opened = old;
  if (view && sort) opened = { ...old, selected: 0, selectedId: view.select ?? null, sort };
  if (view?.cgroup !== undefined && sort)
    opened = { ...(opened ?? { selected: 0, selectedId: null }), sort, cgroup: view.cgroup, selected: 0, selectedId: null };
  if (view?.pid !== undefined)
    opened = { ...(opened ?? { selected: 0, selectedId: null, sort: sort ?? { key: '', descending: true } }), pid: view.pid, selected: 0, selectedId: null };
  return { ...s, active: target, help: false, detail: false, ...(opened ? { panels: { ...s.panels, [target]: opened } } : {}) };
}

export function initialUiState(panelIds: readonly string[]): UiState {
  return {
    active: panelIds[0] ?? '',
    panels: {},
    paused: false,
    help: false,
    hideSelf: false,
    detail: false,
    scroll: 0,
    editing: false,
    sortMenu: null,
    commands: [],
    quit: false,
  };
}

export function panelUi(s: UiState, id: string, defaultSort: SortSpec): PanelUi {
  return s.panels[id] ?? { selected: 0, selectedId: null, sort: defaultSort };
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** Where a panel's selection is now: its row's new place, or the old index (kept in range) once the row is gone. */
export function selectedIndex(p: PanelUi, rowIds: readonly string[]): number {
  const at = p.selectedId === null ? -1 : rowIds.indexOf(p.selectedId);
  return at >= 0 ? at : clamp(p.selected, 0, Math.max(0, rowIds.length - 1));
}

function withPanel(s: UiState, ctx: UiContext, f: (p: PanelUi) => PanelUi): UiState {
  return { ...s, panels: { ...s.panels, [s.active]: f(panelUi(s, s.active, ctx.defaultSort)) } };
}

function moveSelection(s: UiState, ctx: UiContext, f: (cur: number) => number): UiState {
  return withPanel(s, ctx, (p) => {
    const next = clamp(f(selectedIndex(p, ctx.rowIds)), 0, Math.max(0, ctx.rowIds.length - 1));
    return { ...p, selected: next, selectedId: ctx.rowIds[next] ?? null };
  });
}

/** Commands kept for the host: more than a read of keys brings. */
const COMMANDS_KEPT = 256;

function withCommand(s: UiState, cmd: Command): UiState {
  const seq = (s.commands[s.commands.length - 1]?.seq ?? 0) + 1;
  return { ...s, commands: [...s.commands.slice(-(COMMANDS_KEPT - 1)), { seq, cmd }] };
}

/** In the help or a detail view, the selection keys scroll it instead. */
const SCROLL: Partial<Record<Action['type'], (cur: number, page: number) => number>> = {
  up: (c) => c - 1,
  down: (c) => c + 1,
  pageUp: (c, p) => c - p,
  pageDown: (c, p) => c + p,
  home: () => 0,
  end: () => Number.MAX_SAFE_INTEGER,
};

/** Leaving a panel closes its detail view and ends typing its filter. */
const away = (s: UiState): UiState => ({ ...s, detail: false, scroll: 0, editing: false, sortMenu: null });

/** Text that may go into a filter: printable, one line. */
const printable = (t: string): string => t.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');

/**
 * One decoded key or paste. While a filter is being typed, keys are its text (Enter keeps it, Esc clears it,
 * Backspace deletes); otherwise they go through the key table. Every key of a read passes here in order, so a command
 * typed right after Enter acts on the filtered table.
 */
export function reduceInput(s: UiState, ev: KeyEvent, ctx: UiContext): UiState {
  if (s.editing) {
    const p = panelUi(s, s.active, ctx.defaultSort);
    const text = p.filter ?? '';
    const set = (filter: string, editing: boolean): UiState => ({ ...s, editing, panels: { ...s.panels, [s.active]: { ...p, filter } } });
    if ('paste' in ev) return set(text + printable(ev.paste), true);
    if (ev.key === 'enter') return set(text, false);
    if (ev.key === 'esc' || ev.key === 'C-c') return set('', false);
    if (ev.key === 'backspace') return set([...text].slice(0, -1).join(''), true);
    return [...ev.key].length === 1 ? set(text + printable(ev.key), true) : s;
  }
  if (s.prompt) return reducePrompt(s, s.prompt, ev);
  const timed = reduceTimeline(s, ev, ctx);
  if (timed) return timed;
  const flamed = reduceFlame(s, ev, ctx);
  if (flamed) return flamed;
  const a = decodeKey(ev);
  if (!a) return s;
  // The page of what changed is of the frames it compared: the replay stays where it is until it closes.
  if (s.page && (a.type === 'command' || a.type === 'interval')) return s;
  if (a.type === 'interval') return withCommand(s, { type: 'interval', step: a.step });
  // ( ): the panel on screen says what they change (fsslower's threshold, profile's rate).
  if (a.type === 'command') return withCommand(s, a.cmd.type === 'threshold' ? { ...a.cmd, panel: s.active } : a.cmd);
  return reduce(s, a, ctx);
}

const FLAME_KEYS: Readonly<Record<string, FlameMove>> = {
  up: 'up',
  k: 'up',
  down: 'down',
  j: 'down',
  left: 'left',
  right: 'right',
  enter: 'zoom',
  esc: 'unzoom',
};

const TIMELINE_MOVES: Readonly<Record<string, (at: number, n: number) => number>> = {
  left: (at) => at - 1,
  right: (at) => at + 1,
  pgup: (at) => at - 10,
  pgdn: (at) => at + 10,
  home: () => 0,
  g: () => 0,
  end: (_at, n) => n - 1,
  G: (_at, n) => n - 1,
};

/** In a replay's timeline: ←→ (PgUp PgDn Home End) move its cursor, Enter goes to that moment, Esc or L closes it. */
function reduceTimeline(s: UiState, ev: KeyEvent, ctx: UiContext): UiState | null {
  if (s.timeline == null || 'paste' in ev || s.help || !ctx.timeline) return null;
  const t = ctx.timeline;
  const at = s.timeline < 0 ? t.at : s.timeline;
  const move = TIMELINE_MOVES[ev.key];
  if (move) return { ...s, timeline: Math.max(0, Math.min(t.columns - 1, move(at, t.columns))) };
  if (ev.key === 'enter') {
    const frame = t.jump[at];
    return frame === undefined ? { ...s, timeline: null } : withCommand({ ...s, timeline: null }, { type: 'goFrame', frame });
  }
  if (ev.key === 'esc' || ev.key === 'L' || ev.key === 'q') return { ...s, timeline: null };
  return null;
}

/** In the flame graph (away from the help and the detail), the arrows move its selection, Enter zooms and Esc out. */
function reduceFlame(s: UiState, ev: KeyEvent, ctx: UiContext): UiState | null {
  if ('paste' in ev || s.help || s.detail || s.sortMenu !== null) return null;
  const p = s.panels[s.active];
  const move = FLAME_KEYS[ev.key];
  if (!p?.flame || !ctx.flame || move === undefined) return null;
  const next = moveFlame(ctx.flame, p.flame.zoom, p.flame.sel, move);
  // Esc with no zoom: back to the table.
  if (next === null) {
    const { flame: _f, ...rest } = p;
    return { ...s, panels: { ...s.panels, [s.active]: rest } };
  }
  return { ...s, panels: { ...s.panels, [s.active]: { ...p, flame: next } } };
}

/** While a prompt asks: y (or Enter) sends, n, Esc or q cancels, ←→ (and F7 F8 for a renice) change what is sent. */
function reducePrompt(s: UiState, p: ProcessPrompt, ev: KeyEvent): UiState {
  if ('paste' in ev) return s;
  const k = ev.key;
  if (k === 'y' || k === 'Y' || k === 'enter') {
    const cmd: Command =
      p.kind === 'signal' ? { type: 'signal', pid: p.pid, start: p.start, signal: p.signal } : { type: 'renice', pid: p.pid, start: p.start, nice: p.nice };
    return withCommand({ ...s, prompt: null }, cmd);
  }
  if (k === 'n' || k === 'N' || k === 'esc' || k === 'q' || k === 'C-c') return { ...s, prompt: null };
  const step = k === 'right' || k === 'down' || k === 'f8' ? 1 : k === 'left' || k === 'up' || k === 'f7' ? -1 : 0;
  if (step === 0) return s;
  if (p.kind === 'nice') return { ...s, prompt: { ...p, nice: Math.max(-20, Math.min(19, p.nice + step)) } };
  const at = Math.max(
    0,
    PROMPT_SIGNALS.findIndex((x) => x.n === p.signal),
  );
  const next = PROMPT_SIGNALS[(at + step + PROMPT_SIGNALS.length) % PROMPT_SIGNALS.length]!;
  return { ...s, prompt: { ...p, signal: next.n } };
}

/** In the sort column list, the selection keys move its cursor, Enter sorts by that column, Esc closes it. */
function reduceSortMenu(s: UiState, at: number, a: Action, ctx: UiContext): UiState {
  const n = ctx.columnKeys.length;
  const move = SCROLL[a.type];
  if (move) return { ...s, sortMenu: Math.max(0, Math.min(n - 1, move(at, Math.max(1, ctx.pageRows)))) };
  if (a.type === 'drill') {
    const key = ctx.columnKeys[at];
    return key === undefined
      ? { ...s, sortMenu: null }
      : { ...withPanel(s, ctx, (p) => ({ ...p, sort: { key, descending: naturalDirection(ctx, at) } })), sortMenu: null };
  }
  // q (and Esc, F6) close the list; Ctrl-C quits from anywhere.
  if (a.type === 'escape' || a.type === 'sortMenu' || (a.type === 'quit' && !a.force)) return { ...s, sortMenu: null };
  return a.type === 'quit' ? { ...s, quit: true } : s;
}

/** The direction column `i` sorts in when first chosen. */
function naturalDirection(ctx: UiContext, i: number): boolean {
  return ctx.columnDescending?.[i] ?? true;
}

export function reduce(s: UiState, a: Action, ctx: UiContext): UiState {
  if (s.sortMenu !== null) return reduceSortMenu(s, s.sortMenu, a, ctx);
  const scroll = SCROLL[a.type];
  if (scroll && (s.help || s.detail || s.page)) return { ...s, scroll: Math.max(0, scroll(s.scroll, Math.max(1, ctx.pageRows))) };
  const next = reduceKey(s, a, ctx);
  return next.active !== s.active ? away(next) : next;
}

function reduceKey(s: UiState, a: Action, ctx: UiContext): UiState {
  // The page of what changed closes on Esc, q and D; Ctrl-C quits from it.
  if (s.page && (a.type === 'escape' || a.type === 'openDiff' || (a.type === 'quit' && !a.force))) return { ...s, page: false, scroll: 0 };
  const ids = ctx.panelIds;
  const at = Math.max(0, ids.indexOf(s.active));
  const cols = ctx.columnKeys;
  const shiftSort =
    (step: number) =>
    (p: PanelUi): PanelUi => {
      const i = cols.indexOf(p.sort.key);
      const next = ((((i < 0 ? 0 : i) + step) % cols.length) + cols.length) % cols.length;
      const key = cols[next] ?? p.sort.key;
      // A new column starts in its own direction (TOTAL biggest first, even after an ascending sort by PID); r reverses.
      return { ...p, sort: { key, descending: naturalDirection(ctx, next) } };
    };
  switch (a.type) {
    case 'nextPanel':
      return ids.length ? { ...s, active: ids[(at + 1) % ids.length]! } : s;
    case 'prevPanel':
      return ids.length ? { ...s, active: ids[(at - 1 + ids.length) % ids.length]! } : s;
    case 'gotoPanel':
      return a.index < ids.length ? { ...s, active: ids[a.index]! } : s;
    case 'goHome':
      return ctx.homeId && ids.includes(ctx.homeId) ? { ...s, active: ctx.homeId, help: false } : s;
    case 'goSecond':
      // b: home's second page (the BCC tools checklist), and from it back home.
      if (!ctx.secondId || !ids.includes(ctx.secondId)) return s;
      return s.active === ctx.secondId ? reduceKey(s, { type: 'goHome' }, ctx) : { ...s, active: ctx.secondId, help: false, detail: false, scroll: 0 };
    case 'escape':
      if (s.help) return { ...s, help: false, scroll: 0 };
      if (s.detail) return { ...s, detail: false, scroll: 0 };
      if (panelUi(s, s.active, ctx.defaultSort).filter) return withPanel(s, ctx, (p) => ({ ...p, filter: '' }));
      // One process's rows (opened from a process): every process's again.
      if (panelUi(s, s.active, ctx.defaultSort).pid !== undefined)
        return withPanel(s, ctx, (p) => {
          const { pid: _p, ...rest } = p;
          return rest;
        });
      return reduceKey(s, { type: 'goHome' }, ctx);
    case 'filter':
      return s.help || s.detail ? s : { ...s, editing: true };
    case 'sortMenu': {
      if (s.help || s.detail || ctx.columnKeys.length === 0) return s;
      const at = ctx.columnKeys.indexOf(panelUi(s, s.active, ctx.defaultSort).sort.key);
      return { ...s, sortMenu: Math.max(0, at) };
    }
    case 'gotoStep': {
      const home = ctx.homeId;
      const row = ctx.stepIds?.[a.step - 1];
      if (!home || !ids.includes(home) || row === undefined) return s;
      // The step's row is selected by id: it stays selected whatever the home table's sort.
      const p = panelUi(s, home, ctx.homeSort ?? ctx.defaultSort);
      return { ...s, active: home, help: false, panels: { ...s.panels, [home]: { ...p, selected: a.step - 1, selectedId: row } } };
    }
    case 'drill': {
      // The selected step is read from the state, not from the screen: a digit and Enter typed in one read drill from
      // the step the digit selected.
      // Away from home, Enter opens the selected row's detail.
      // The detail view follows the row by id from here on, whatever the sort does to its place.
      const pin = (st: UiState): UiState => withPanel(st, ctx, (p) => ({ ...p, selectedId: ctx.rowIds[selectedIndex(p, ctx.rowIds)] ?? null }));
      if (!ctx.homeId || s.active !== ctx.homeId) {
        // A panel whose rows lead elsewhere (a cgroup to its processes): there; otherwise the row's detail.
        const here = ctx.drillHere;
        if (here && !s.help && !s.detail && ids.includes(here.target)) return openDrill(s, here.target, here.view);
        return ctx.rowIds.length > 0 && !s.help ? { ...pin(s), detail: true, scroll: 0 } : s;
      }
      const p = panelUi(s, ctx.homeId, ctx.homeSort ?? ctx.defaultSort);
      const row = p.selectedId ?? ctx.stepIds?.[p.selected];
      const target = row === undefined ? undefined : ctx.homeDrill?.[row]?.find((t) => ids.includes(t));
      // A step no panel explains here (dmesg): its detail, the figures behind the headline.
      if (!target) return ctx.rowIds.length > 0 ? { ...pin(s), detail: true, scroll: 0 } : s;
      const view = row === undefined ? undefined : ctx.homeDrillView?.[row]?.[target];
      return openDrill(s, target, view);
    }
    case 'openStacks': {
      // P: the selected process's profile (home's top, pidstat and mpstat steps: their busiest process).
      const here = ctx.stacksHere;
      if (!here || s.help || !ids.includes(here.target)) return s;
      return openDrill(s, here.target, here.view);
    }
    case 'detail':
      if (s.help || s.detail || ctx.rowIds.length === 0) return s;
      return { ...withPanel(s, ctx, (p) => ({ ...p, selectedId: ctx.rowIds[selectedIndex(p, ctx.rowIds)] ?? null })), detail: true, scroll: 0 };
    case 'cgroupOnly': {
      if (s.help) return s;
      const p = panelUi(s, s.active, ctx.defaultSort);
      // c: only the selected row's cgroup (and below); again: every cgroup.
      if (p.cgroup !== undefined)
        return withPanel(s, ctx, (q) => {
          const { cgroup: _c, ...rest } = q;
          return rest;
        });
      const cg = ctx.selectedCgroup;
      return cg ? withPanel(s, ctx, (q) => ({ ...q, cgroup: cg })) : s;
    }
    case 'up':
      return moveSelection(s, ctx, (c) => c - 1);
    case 'down':
      return moveSelection(s, ctx, (c) => c + 1);
    case 'pageUp':
      return moveSelection(s, ctx, (c) => c - Math.max(1, ctx.pageRows));
    case 'pageDown':
      return moveSelection(s, ctx, (c) => c + Math.max(1, ctx.pageRows));
    case 'home':
      return moveSelection(s, ctx, () => 0);
    case 'end':
      return moveSelection(s, ctx, () => ctx.rowIds.length - 1);
    case 'sortNext':
      return cols.length ? withPanel(s, ctx, shiftSort(1)) : s;
    case 'sortPrev':
      return cols.length ? withPanel(s, ctx, shiftSort(-1)) : s;
    case 'sortReverse':
      return withPanel(s, ctx, (p) => ({ ...p, sort: { ...p.sort, descending: !p.sort.descending } }));
    case 'group': {
      const n = ctx.groupings ?? 0;
      if (n === 0 || s.help) return s;
      const next = withPanel(s, ctx, (p) => {
        const g = (p.group ?? -1) + 1;
        const { group: _g, tree: _t, ...rest } = p;
        return g < n ? { ...rest, group: g } : rest;
      });
      return { ...next, detail: false, scroll: 0 };
    }
    case 'signalPrompt':
    case 'nicePrompt': {
      const p = ctx.selectedProcess;
      // Only where rows are processes, on a live host (a replay's processes are not this host's), and not one that ended.
      if (!p || s.help) return s;
      // A replay's processes are not this host's, and an ended one is gone: the host says so, nothing is asked.
      if (ctx.replay || p.ended) return withCommand(s, { type: 'signal', pid: p.pid, start: p.start, signal: 0 });
      const nice = a.type === 'nicePrompt' ? Math.max(-20, Math.min(19, p.nice + a.step)) : p.nice;
      return { ...s, prompt: { kind: a.type === 'signalPrompt' ? 'signal' : 'nice', pid: p.pid, comm: p.comm, start: p.start, signal: 15, nice } };
    }
    case 'nextUser': {
      const users = ctx.users ?? [];
      if (users.length === 0 || s.help) return s;
      // u: the user with the most rows, then the next; after the last, every user again.
      return withPanel(s, ctx, (p) => {
        const at = p.user === undefined ? -1 : users.indexOf(p.user);
        const { user: _u, ...rest } = p;
        const next = users[at + 1];
        return next === undefined ? rest : { ...rest, user: next, selected: 0, selectedId: null };
      });
    }
    case 'openDiff':
      // The host makes the page (a replay) or says where it is (live).
      return withCommand(ctx.replay ? { ...s, page: true, help: false, detail: false, timeline: null, scroll: 0 } : s, { type: 'diff' });
    case 'toggleTimeline':
      // Where there is none (live, a snapshot), the host says so.
      if (!ctx.timeline) return withCommand(s, { type: 'timeline' });
      return { ...s, timeline: s.timeline == null ? -1 : null, help: false, detail: false, scroll: 0 };
    case 'toggleTree': {
      if (!ctx.tree || s.help) return s;
      // The tree and a grouping are two ways to draw the rows: the tree replaces the grouping.
      const next = withPanel(s, ctx, (p) => {
        const { group: _g, ...rest } = p;
        return { ...rest, tree: !p.tree };
      });
      return { ...next, detail: false, scroll: 0 };
    }
    case 'toggleEvents': {
      if (!ctx.events || s.help) return s;
      // The events are single events: no grouping or tree over them (nor a flame graph).
      const next = withPanel(s, ctx, (p) => {
        const { group: _g, tree: _t, flame: _f, ...rest } = p;
        return { ...rest, events: !p.events, selected: 0, selectedId: null };
      });
      return { ...next, detail: false, scroll: 0 };
    }
    case 'toggleFlame': {
      if (ctx.flame === undefined || s.help) return s;
      const next = withPanel(s, ctx, (p) => {
        const { group: _g, tree: _t, events: _e, flame, ...rest } = p;
        return flame ? rest : { ...rest, flame: { zoom: [], sel: [] } };
      });
      return { ...next, detail: false, scroll: 0 };
    }
    case 'togglePause':
      return ctx.replay ? withCommand(s, { type: 'play' }) : { ...s, paused: !s.paused };
    case 'toggleSelf':
      return { ...s, hideSelf: !s.hideSelf };
    case 'toggleHelp':
      return { ...s, help: !s.help, scroll: 0 };
    case 'closeHelp':
      return { ...s, help: false, scroll: 0 };
    case 'quit':
      // As in htop: q closes the help or the detail view it is in; Ctrl-C quits from anywhere.
      if (!a.force && s.help) return { ...s, help: false, scroll: 0 };
      if (!a.force && s.detail) return { ...s, detail: false, scroll: 0 };
      return { ...s, quit: true };
    case 'interval':
      return withCommand(s, { type: 'interval', step: a.step });
    case 'command':
      return withCommand(s, a.cmd);
  }
}
