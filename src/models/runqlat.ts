/**
 * runqlat model: run-queue latency per CPU and over all CPUs in the interval, from cumulative per-CPU log2 histograms.
 * Pure. A wait counts on the CPU it ended on. Percentiles are the upper bound of the slot they fall in (within 2×);
 * the mean is exact (the sum of the waits over their count).
 */
import type { RunqlatRecord } from '../records/runqlat.js';
import { histPercentileNs, slotUpperNs } from './procs.js';
import { addCounts, lastCounted } from './delta.js';

export interface RunqlatSample {
  cpus: readonly RunqlatRecord[];
  /** CPUs online now */
  online: number;
  /** the last intervals' histograms over all CPUs, oldest first (the reader keeps them: the heat map) */
  recent: readonly (readonly number[])[];
  /** wake-ups not timed (no room in the start map), cumulative */
  mapFull: number;
}

export interface RunqlatRow {
  /** "all" or "cpuN" */
  id: string;
  cpu: number | 'all';
  /** waits that ended in the interval */
  count: number;
  /** their total length (ns): per second, the mean number of tasks waiting */
  sum_ns: number;
  avg_ns: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  /** the upper bound of the longest wait's slot */
  max_ns: number | null;
  /** the interval's waits by log2 slot */
  hist: number[];
  /** the all-CPU row: the last intervals' histograms, oldest first (the heat map in the detail view) */
  heat?: number[][];
}

/** How many intervals the heat map shows. */
export const HEAT_INTERVALS = 40;

function row(id: string, cpu: number | 'all', count: number, sumNs: number, hist: number[]): RunqlatRow {
  const top = lastCounted(hist);
  return {
    id,
    cpu,
    count,
    sum_ns: sumNs,
    avg_ns: count > 0 ? sumNs / count : null,
    p50_ns: histPercentileNs(hist, 50),
    p99_ns: histPercentileNs(hist, 99),
    max_ns: top < 0 ? null : slotUpperNs(top),
    hist,
  };
}

/** One row per CPU sampled in both readings, and the all-CPU row. No previous reading: no rows. */
export function deriveRunqlat(sample: RunqlatSample, previous: RunqlatSample | undefined, _elapsedNs: number): RunqlatRow[] {
  if (!previous) return [];
  const rows: RunqlatRow[] = [];
  const slots = sample.cpus[0]?.hist.length ?? 0;
  const all = new Array<number>(slots).fill(0);
  let count = 0;
  let sum = 0;
  for (const c of sample.cpus) {
    const p = previous.cpus[c.cpu];
    if (!p || c.count < p.count) continue;
    const hist = new Array<number>(c.hist.length);
    for (let i = 0; i < c.hist.length; i++) hist[i] = Math.max(0, c.hist[i]! - (p.hist[i] ?? 0));
    const r = row(`cpu${c.cpu}`, c.cpu, c.count - p.count, Math.max(0, c.sumNs - p.sumNs), hist);
    addCounts(all, hist);
    count += r.count;
    sum += r.sum_ns;
    // CPUs that are offline and never ran a wait are not listed.
    if (c.cpu < sample.online || r.count > 0) rows.push(r);
  }
  rows.unshift({ ...row('all', 'all', count, sum, all), heat: sample.recent.map((h) => [...h]) });
  return rows;
}
