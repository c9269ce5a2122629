/**
 * What every panel's rows, summaries and counters are, below frames and panels alike: a frame holds them, a panel
 * makes them, and neither needs the other to say what they are.
 */

export type CellValue = number | string | null;

/** A cell value as a number for the numeric formatters (strings and null become null). */
export const asNumber = (v: CellValue): number | null => (typeof v === 'number' ? v : null);

/** Every row has an opaque id, stable across frames while its entity lives, and safe to export. */
export interface Row {
  readonly id: string;
}

/** The line above a panel's table: raw values for JSON and snapshots, and the text every screen shows. */
export interface Summary {
  readonly text: string;
  readonly values: Readonly<Record<string, number | null>>;
  /** the text says the panel's totals are incomplete (drawn as a warning) */
  readonly warning?: boolean;
}

/** Counters a panel shows beside its table (drops, misses). */
export type PanelStats = Readonly<Record<string, number>>;

/** One process name's totals over every key of an interval (listed as a row or not), e.g. its bytes. */
export interface ProcessTotals {
  readonly comm: string;
  /** a finer split where the panel has one (filetop: the file type) */
  readonly type?: string;
  readonly values: Readonly<Record<string, number>>;
}
