/** What a panel is: its hooks (an ordered list of tiers), its reader, its pure model and its columns. */
import type { AttachType } from '../kernel/attach-types.js';
import type { BpfObject } from '../native.js';

/** What a tier may ask of the running kernel before load, to fit its programs to the kernel's signatures. */
export interface KernelInfo {
  /** parameters of a kernel function per the kernel's BTF; -1 when there is none */
  functionParams(name: string): number;
}

/** One rung of a panel's hook ladder: the attach types it needs and the programs it loads. */
export interface Tier {
  name: string;
  types: readonly AttachType[];
  programs: readonly string[];
  /** what this tier hooks, for the panel's help and the README */
  hooks: string;
  /** values for the object's `const volatile` globals, set between open and load */
  rodata?: (kernel: KernelInfo) => Record<string, number>;
}

export interface ColumnContext {
  elapsedNs: number;
}

export type CellValue = number | string | null;

/** A cell value as a number for the numeric formatters (strings and null become null). */
export const asNumber = (v: CellValue): number | null => (typeof v === 'number' ? v : null);

/** One column: drives the table, the sort, the help, and the text export. */
export interface Column<R> {
  key: string;
  title: string;
  /** preferred width in cells */
  width: number;
  /** narrowest it may be squeezed to (default: width) */
  minWidth?: number;
  /** widest it may grow to when there is room (default: width) */
  maxWidth?: number;
  align: 'left' | 'right';
  value: (row: R) => CellValue;
  format: (value: CellValue, row: R) => string;
  /** what the column means and which hook feeds it */
  help: string;
}

/** Counters a panel shows beside its table (drops, misses). */
export type PanelStats = Record<string, number>;

export interface PanelDef<S, R> {
  id: string;
  title: string;
  /** bpf/<stem>.bpf.c */
  stem: string;
  /** ordered, preferred first */
  tiers: readonly Tier[];
  /** Makes the reader for one loaded object: reads its maps and returns a sample. It may keep state. */
  createReader: (obj: BpfObject) => () => S;
  /** Pure: the rows of one interval from this sample, the previous one, and the measured elapsed time. */
  derive: (sample: S, previous: S | undefined, elapsedNs: number) => R[];
  /** Counters for this interval (and totals), e.g. events lost to a full map. */
  stats: (sample: S, previous: S | undefined) => PanelStats;
  rowId: (row: R) => string;
  /** the value that the per-row sparkline follows */
  trend: (row: R) => number | null;
  columns: readonly Column<R>[];
  defaultSort: { key: string; descending: boolean };
}

// The registry holds panels of different sample and row types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPanelDef = PanelDef<any, any>;
