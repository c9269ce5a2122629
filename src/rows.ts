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

/**
 * Something a panel could not count, as two of its stats: the interval's count (`key`) and the running total since
 * start (`total`). /metrics exports the total as sixty_panel_dropped_total{reason}; a `shown` one is said on the
 * panel's status line while it moves.
 */
export interface DropCounter {
  readonly key: string;
  readonly total: string;
  readonly reason: string;
  /** its words on the status line ("map full drops: 3"), when it is said there */
  readonly shown?: string;
}

/** Events the BPF side could not store: its map was full. */
export const MAP_FULL: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'map full drops' };
/** Entries an LRU map evicted (what they counted since the last read is lost, unless the tier keeps it elsewhere). */
export const LRU_EVICTED: DropCounter = { key: 'lru_evicted', total: 'lru_evicted_total', reason: 'lru_evicted' };
/** Completions of requests that started before the panel's programs were attached. */
export const UNMATCHED_COMPLETIONS: DropCounter = { key: 'unmatched_completions', total: 'unmatched_completions_total', reason: 'unmatched_completions' };
/** Runs of the panel's programs that the kernel skipped (another BPF program was running on that CPU). */
export const BPF_MISSED: DropCounter = { key: 'bpf_missed_drops', total: 'bpf_missed_drops_total', reason: 'bpf_missed_drops', shown: 'bpf missed drops' };
