/**
 * What a panel is. The presentation half (`PanelSpec`: title, columns, sort, detail fields, help) is what views and
 * exports read through the catalog. The engine half adds a source (BPF with a tier ladder, or /proc), a pure model
 * and the summary, so every output shows the same numbers.
 */
import type { HostFigures, PanelFrame } from '../frame.js';
import type { CellValue, DropCounter, PanelStats, ProcessTotals, Row, Summary } from '../rows.js';
import type { BpfSource, ProcSource } from '../sources/types.js';
import type { PanelMetrics } from './metric-kit.js';

// What a panel is made of, from where each lives: one import for a panel's author.
export { asNumber, BPF_MISSED, LRU_EVICTED, MAP_FULL, UNMATCHED_COMPLETIONS } from '../rows.js';
export type { CellValue, DropCounter, PanelStats, ProcessTotals, Row, Summary } from '../rows.js';
export type { BpfSource, HostInfo, KernelInfo, PanelReading, ProcSource, Tier } from '../sources/types.js';

/** One column: drives the table, the sort, the help, and every export. */
export interface Column<R> {
  key: string;
  title: string;
  /** preferred width in cells */
  width: number;
  /** narrowest it may be squeezed to (default: width) */
  minWidth?: number;
  /** widest it may grow to when there is room (default: width) */
  maxWidth?: number;
  /** may be left out on a narrow terminal, before others are cut; higher goes first (default: kept) */
  drop?: number;
  /**
   * Shown only when every other column has its preferred width beside it (and the trend its least): a column that
   * adds to the row (its cgroup) but must never squeeze what the row is (an address, a path).
   */
  whenRoom?: boolean;
  align: 'left' | 'right';
  /** which end of a value too long for the column is kept (default: the end for right-aligned columns) */
  keep?: 'start' | 'end';
  value: (row: R) => CellValue;
  format: (value: CellValue, row: R) => string;
  /** what the column means and which hook feeds it */
  help: string;
  /**
   * What its numbers measure, for the colour that draws the eye to magnitude (htop's habit): bytes from a MiB cyan
   * and from a GiB red, counts from a million cyan, latencies from 10 ms yellow and from 1 s red.
   */
  unit?: 'bytes' | 'count' | 'latency';
  /**
   * An amount in the interval (bytes moved, calls made), not a rate: the table shows it per second, and its header
   * says so (`RX/s`), as the summary does; JSON and CSV keep the amount.
   */
  perInterval?: boolean;
  /** sorts in ascending order when first chosen (an identity: a PID, a CPU, a port); numbers otherwise go biggest first */
  ascending?: boolean;
  /** keeps its preferred width before the trend gets room (the column the panel is read for: home's READING) */
  beforeTrend?: boolean;
  /** decimals its value keeps in JSON (default 3): what the measurement resolves, not what a float can hold */
  decimals?: number;
}

export interface Grouping<R extends Row> {
  /** what the rows are grouped by, as the console says it: 'process', 'remote port', 'disk' */
  name: string;
  /** the group a row belongs to */
  key: (row: R) => string;
  /** the columns that name the group (the row count comes after them) */
  by: readonly string[];
  /** one row standing for a group of one or more: counters and rates summed; the hidden fields are not read */
  merge: (rows: readonly R[]) => R;
  /** the columns (and the row fields of the same name) that differ within a group: not shown grouped */
  hide: readonly string[];
  /** the detail fields (by label) that read hidden fields */
  hideDetail?: readonly string[];
  /** a member as the group's detail lists it (what tells it apart within the group) */
  member: (row: R) => string;
}

export interface GroupedView {
  /** the panel's spec with the grouped table's columns and detail */
  spec: AnyPanelSpec;
  /** the panel's frame with one row per group (in first-seen order) and their summed trends */
  panel: PanelFrame;
}

/** The tree view of a panel whose rows have parents (procs: processes and the processes they started). */
export interface TreeSpec<R extends Row> {
  /** the parent row's id, or null */
  parent: (row: R) => string | null;
  /** the column drawn after the branches (the name) */
  name: string;
  /** columns summed over each subtree, by key, with the title of their sum column ('SUB%') */
  sums: Readonly<Record<string, string>>;
}

/** A field of the selected row's detail view. */
export interface DetailField<R> {
  label: string;
  value: (row: R) => string;
  /** lines drawn under the label (a histogram, a heat map), fitted to the view's width */
  lines?: (row: R, width: number) => string[];
}

export interface SortSpec {
  key: string;
  descending: boolean;
}

/** The presentation of a panel: all that views, help and exports need, found by id in the catalog. */
/**
 * An event panel's second view (`v`): its recent events one per row, newest first, as a table of their own (sorted,
 * filtered, paused and opened like any table). The rows are the frame's `events`.
 */
export interface EventsSpec<E extends Row = Row> {
  /** what one row is ('exec'), for the view's title and the help */
  noun: string;
  /** an event's place in the order events arrived (increasing): a recording stores each event once, by it */
  order: (row: E) => number;
  columns: readonly Column<E>[];
  defaultSort: SortSpec;
  detail: readonly DetailField<E>[];
  cgroupOf?: (row: E) => string | null;
  tone?: (row: E) => 'bad' | 'look' | null;
  /** what the view keeps, for the help */
  help: string;
  /**
   * Fields a recording leaves out of each event because they follow from the others (an open's flags as text, from
   * its flags), and how replay makes them again. `restore` gets a stored event, data from a file: it sets a field only
   * from values of the type it expects, and a field it cannot make stays missing (the event is then refused).
   */
  stored?: { omit: readonly (keyof E & string)[]; restore: (event: Record<string, unknown>) => void };
}

/**
 * A panel's second table (`v`), made from its rows rather than from events: the top functions of a stack panel's
 * stacks. Its rows are computed from the rows shown (one process's, after a drill), so they follow what is filtered.
 */
export interface SecondView<R2 extends Row = Row> {
  /** what `v` opens, and what it goes back to, for the key hint ('functions', 'stacks') */
  name: string;
  back: string;
  title: string;
  columns: readonly Column<R2>[];
  defaultSort: SortSpec;
  detail: readonly DetailField<R2>[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rows: (rows: readonly any[]) => R2[];
  help: string;
}

/** A stack panel's flame graph (`f`): what each row weighs, and how a weight reads. */
export interface FlameSpec<R extends Row = Row> {
  weight: (row: R) => number;
  format: (weight: number, total: number) => string;
  /** what the widths are ('CPU samples', 'time blocked'), for the view's title and the help */
  of: string;
}

export interface PanelSpec<R extends Row = Row> {
  id: string;
  title: string;
  columns: readonly Column<R>[];
  defaultSort: SortSpec;
  /** rows that stay on top whatever the sort (an all-CPU row) */
  pinned?: (row: R) => boolean;
  /**
   * Its in-kernel cost when kernel.bpf_stats_enabled is off (the kernel then counts no runs): the interval's events,
   * from its own rows and stats, times the time in BPF that one event took on the reference machine (bench/RESULTS.md).
   * Shown as an estimate, and only then.
   */
  costEstimate?: { nsPerEvent: number; events: (rows: readonly R[], stats: PanelStats) => number };
  /** the panels that explain a row, by id, in order: Enter opens the first (the checklist's steps) */
  drill?: (row: R) => readonly string[];
  /** `T` draws the rows as a tree (parents first, each subtree's sums) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tree?: TreeSpec<any>;
  /** its rows are processes (pid, comm, nice, start_s, exited): F9 signals the selected one, F7 F8 renice it */
  signals?: boolean;
  /** how a panel that `drill` names opens from this row: its sort, and the row it selects (by row id) */
  drillView?: (row: R, target: string) => { sort?: SortSpec; select?: string; cgroup?: string; pid?: number } | undefined;
  /** the cgroup a row belongs to (its path): what `c` and --cgroup filter on, and what grouping by cgroup groups */
  cgroupOf?: (row: R) => string | null;
  /** rows drawn in a warning colour: 'bad' (red) or 'look' (yellow), as the checklist's verdicts */
  tone?: (row: R) => 'bad' | 'look' | null;
  /** TREND's scale: one for every row (default: rows of one unit, comparable), or each row its own (home's steps) */
  trendScale?: 'shared' | 'row' | 'none';
  /**
   * What the trend follows, for the detail view's chart: its label ('bytes per interval', or per row: home's steps
   * each follow their own figure) and how its axis writes a value (8.1ms, not 8.1M of ns).
   */
  trendOf?: { label: string | ((row: R) => string); format?: (v: number) => string; help?: string };
  /**
   * Columns CSV has beyond the table's (home's steps: their figure and every field of theirs, numbers a spreadsheet can
   * use, where the table has only text).
   */
  csvExtra?: { keys: readonly string[]; value: (row: R, key: string) => CellValue };
  /** rows drawn dimmed: listed, but quiet now (a stalled connection) */
  quiet?: (row: R) => boolean;
  detail: readonly DetailField<R>[];
  /**
   * Row fields that are another field per second over the interval (`rx_per_s` of `rx_bytes`): a recording leaves them
   * out when they are exactly that, and replay computes them again (they are most of what changes every second).
   */
  rates?: Readonly<Record<string, string>>;
  /** what its rows can be grouped by (`t` / F5 steps through them, then back to single rows) */
  groupings?: readonly Grouping<R>[];
  /** what the panel cannot see, for its help */
  blindSpots: string;
  /** What it could not count, among its stats (a BPF panel has BPF_MISSED too: the engine counts it for every one). */
  drops?: readonly DropCounter[];
  /** its own families on /metrics, and how a frame of its rows folds into them */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  metrics?: PanelMetrics<R, any>;
  /**
   * When its source is attached: 'always' (from start, so its history is there when the user arrives), or
   * 'on-screen' (hooks that tax every process, as every read and write: attached only while the panel is on screen,
   * or from start when --panels names it). Default 'always'.
   */
  attach?: 'always' | 'on-screen';
  /** an event panel's recent events (`v` shows them instead of the aggregate rows) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  events?: EventsSpec<any>;
  /** a second table made from its rows (`v`: a stack panel's top functions) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  second?: SecondView<any>;
  /** its rows are stacks: `f` draws them as a flame graph */
  flame?: FlameSpec<R>;
  /** its rows are stacks whose text is folded stacks (`e` writes them beside the snapshot; batch --folded prints them) */
  folded?: (rows: readonly R[]) => string[];
  /** the hooks it can use, preferred first (for the help screen) */
  hookList: readonly { name: string; hooks: string }[];
  /**
   * 'start': the console's home (the checklist), where it starts, where h and Esc go, whose steps 1–9 and 0 select and
   * Enter drills from. 'second': home's second page (the BCC tools checklist), which `b` opens from anywhere and Enter
   * drills from, as home.
   */
  role?: 'start' | 'second';
  /** the host's essentials, from its stats (the panel that reads them: home); every screen's header shows them */
  host?: (stats: PanelStats) => HostFigures | undefined;
}

export interface PanelDef<S, R extends Row> extends PanelSpec<R> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  source: BpfSource<S, any, any, any> | ProcSource<S>;
  /** Pure: the rows of one interval from this sample, the previous one, and the measured elapsed time. */
  derive: (sample: S, previous: S | undefined, elapsedNs: number) => R[];
  /** Counters for this interval (and totals), e.g. events lost to a full map. */
  stats: (sample: S, previous: S | undefined) => Record<string, number>;
  /** the line above the table, from the interval's rows and stats */
  summarize: (rows: readonly R[], stats: PanelStats, elapsedNs: number) => Summary;
  /** the value that the per-row sparkline follows */
  trend: (row: R) => number | null;
  /**
   * A row's identity beyond this sixty's run, where its id is the run's own numbering (tcptop's connections): what
   * `sixty diff` matches rows of two runs on, so that a new connection is new and not another run's row of the same id.
   * Default: the id, which names the row itself (a pid, a disk, a path).
   */
  identity?: (row: R) => string;
  /**
   * Its source reads the other panels (HostInfo.panels): the engine reads it after the panels it reads, each tick. 1:
   * it reads panels with sources of their own (biolatency reads biotop); 2: it reads those too (the tools checklist).
   */
  readsPanels?: 1 | 2;
  /** an event panel's recent events, newest first (the reader keeps a bounded scrollback): the frame's `events` */
  recentEvents?: (sample: S) => readonly Row[];
  /**
   * The interval summed by process name over every key, not only the listed rows (a listing keeps the busiest 2000):
   * what per-process metrics are made of, exact however many keys there are.
   */
  byProcess?: (sample: S, previous: S | undefined) => ProcessTotals[];
}

// The registry holds panels of different sample and row types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPanelDef = PanelDef<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPanelSpec = PanelSpec<any>;

/** How views find a panel's presentation by id; the composition root provides it (and replay, the same one). */
export interface Catalog {
  spec(id: string): AnyPanelSpec | undefined;
  /** the rows in this sort order (the one comparator every output uses) */
  sortRows<R extends Row>(spec: AnyPanelSpec, rows: readonly R[], sort: SortSpec): readonly R[];
  /** the frame's rows grouped (`t`): one row per group, and the grouped table's spec */
  groupView<R extends Row>(spec: AnyPanelSpec, panel: PanelFrame, grouping: Grouping<R>): GroupedView;
  /** the rows (in the sort in use) as a tree, and the tree table's spec: for a panel with a `tree` */
  treeView(spec: AnyPanelSpec, rows: readonly Row[]): { spec: AnyPanelSpec; rows: readonly Row[] };
  /** an event panel's recent events (`v`): the events' spec, and the frame with them as its rows */
  eventsView(spec: AnyPanelSpec, panel: PanelFrame): { spec: AnyPanelSpec; panel: PanelFrame };
}
