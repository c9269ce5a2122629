/** What opening a panel's source gives the engine: a handle to read samples from, or why there is none. */
import type { PanelStatus, TierAttempt } from '../frame.js';

export interface SourceHandle<S> {
  /** the tier in use and what it hooks or reads */
  tier: string;
  hooks: string;
  attempts: TierAttempt[];
  /** one sample: the kernel's or /proc's counters now */
  read: () => S;
  /** its programs' counters, summed over them, cumulative (one read of the programs' info); null for /proc */
  programStats: (() => ProgramStats) | null;
  /** Detaches and unloads now (exit paths). */
  close: () => void;
  /**
   * Detaches and unloads without holding up the JavaScript thread (a panel leaving the screen); done for JavaScript at
   * once. Sources whose close is quick have none.
   */
  closeAsync?: () => Promise<void>;
}

export interface ProgramStats {
  /** runs the kernel skipped because another BPF program was running on that CPU: events lost to the panel */
  missed: number;
  /** runs and their time in the kernel (ns); both stay 0 unless kernel.bpf_stats_enabled is 1 */
  runs: number;
  runNs: number;
}

export type OpenOutcome<S> =
  | { ok: true; handle: SourceHandle<S> }
  | { ok: false; status: Exclude<PanelStatus, 'ok' | 'starting'>; reason: string; attempts: TierAttempt[] };
