/** What opening a panel's source gives the engine: a handle to read samples from, or why there is none. */
import type { PanelStatus, TierAttempt } from '../frame.js';

export interface SourceHandle<S> {
  /** the tier in use and what it hooks or reads */
  tier: string;
  hooks: string;
  attempts: TierAttempt[];
  /** one sample: the kernel's or /proc's counters now */
  read: () => S;
  /** the kernel's count of runs it skipped for this source's programs, cumulative; null for /proc */
  missed: (() => number) | null;
  /**
   * Its programs' runs and their time in the kernel (ns), cumulative, summed over its programs; both stay 0 unless
   * kernel.bpf_stats_enabled is 1. null for /proc.
   */
  runStats: (() => { runs: number; runNs: number }) | null;
  close: () => void;
}

export type OpenOutcome<S> =
  | { ok: true; handle: SourceHandle<S> }
  | { ok: false; status: Exclude<PanelStatus, 'ok' | 'starting'>; reason: string; attempts: TierAttempt[] };
