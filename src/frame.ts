/**
 * Frames: what the engine publishes once per interval. A frame is plain data that never changes after it is
 * published (deep-frozen), so pause, export, recording and replay can hold on to one, and it serialises as it is.
 */
import type { PanelStats, ProcessTotals, Row, Summary } from './rows.js';

export interface TierAttempt {
  readonly tier: string;
  readonly reason: string;
  /** libbpf's own words when the load or attach failed (the verifier's log, bounded), for diagnosis */
  readonly log?: string;
}

/** 'standby': a panel attached only while on screen (see PanelSpec.attach), not on screen now. */
export type PanelStatus = 'starting' | 'ok' | 'error' | 'off' | 'standby';

export interface PanelFrame<R extends Row = Row> {
  readonly id: string;
  readonly status: PanelStatus;
  /** the tier in use and what it hooks ("proc" and the files read, for a /proc source) */
  readonly tier: string | null;
  readonly hooks: string | null;
  /** why the panel is in error or off */
  readonly reason: string | null;
  /** tiers tried before the one chosen (or all, when none attached), and why each failed */
  readonly attempts: readonly TierAttempt[];
  /** when its source was attached (ISO 8601); null while it is not */
  readonly attachedAt: string | null;
  /** this interval's rows, in the panel's default sort */
  readonly rows: readonly R[];
  readonly summary: Summary;
  readonly stats: PanelStats;
  /** each row's recent trend values by row id, oldest first; null is a gap */
  readonly history: Readonly<Record<string, readonly (number | null)[]>>;
  /** an event panel's recent events, newest first (its spec's `events` draws them) */
  readonly events?: readonly Row[];
  /** the interval by process name over every key (panels that define it; not stored in snapshots or recordings) */
  readonly byProcess?: readonly ProcessTotals[];
}

/** The host's essentials every screen shows above its panel (htop's header): load, memory, swap, a meter per CPU. */
export interface HostFigures {
  readonly cpus: number;
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
  readonly memTotalKb: number;
  /** total − available, as free(1) counts it */
  readonly memUsedKb: number;
  readonly memAvailableKb: number;
  readonly memBuffCacheKb: number;
  readonly swapTotalKb: number;
  readonly swapUsedKb: number;
  /** each CPU's busy, softirq and iowait share of the interval (%), by CPU number; none before the first interval */
  readonly meters: readonly { readonly cpu: number; readonly busy: number; readonly soft: number; readonly iowait: number }[];
  /**
   * Pressure stall over the interval (% of the time some task stalled; memory and I/O also full: all of them), from
   * /proc/pressure; null on a kernel without PSI; absent before the first interval (and in files older than it).
   */
  readonly psi?: { readonly cpu: number; readonly memory: number; readonly memoryFull: number; readonly io: number; readonly ioFull: number } | null;
}

export interface Frame {
  /** wall-clock time of the tick (ISO 8601), taken at the same moment as the elapsed time's end */
  readonly time: string;
  /** measured time since the previous tick: the denominator of every rate in this frame; 0 before the first */
  readonly elapsedNs: number;
  /** the interval in force when it was read (the engine owns it; + and - change it); absent in files older than it */
  readonly intervalMs?: number;
  readonly panels: readonly PanelFrame[];
  /** sixty's own cost: CPU over the interval (100 = one CPU; null before the first interval) and resident memory */
  readonly self?: { readonly cpuPct: number | null; readonly rssBytes: number; readonly pid?: number };
  /** the host's essentials, from the panel that reads them (home); derived again when a file is read, not stored */
  readonly host?: HostFigures;
}

/** The host's figures, from the first panel that reads them (by its spec's `host`), deep-frozen; undefined when none does. */
export function hostOf(
  panels: readonly PanelFrame[],
  specOf: (id: string) => { host?: (stats: PanelStats) => HostFigures | undefined } | undefined,
): HostFigures | undefined {
  for (const p of panels) {
    const h = specOf(p.id)?.host?.(p.stats);
    if (h) return deepFreeze(h);
  }
  return undefined;
}

export const EMPTY_SUMMARY: Summary = Object.freeze({ text: '', values: Object.freeze({}) });

/** Freezes a value and everything reachable from it (plain objects and arrays). */
export function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const x of Object.values(v as object)) deepFreeze(x);
  return v;
}
