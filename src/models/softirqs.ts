/**
 * softirqs model: per vector in the interval: count and time over all CPUs, the per-CPU counts (BCC's softirqs -C),
 * the CPU that spent the most time on it, and the longest single softirq. Rates over the measured elapsed time. Pure.
 */
import type { SoftirqsRecord, SoftirqVector } from '../records/softirqs.js';
import { delta, perSecond } from './delta.js';

export interface SoftirqsSample {
  vectors: SoftirqsRecord[];
  /** CPUs online, for the share of all CPU time */
  ncpu: number;
}

export interface SoftirqsRow {
  /** the vector's name: stable, and what the row is */
  id: SoftirqVector;
  vector: SoftirqVector;
  /** softirqs raised and run in this interval */
  count: number | null;
  /** time spent in them in this interval */
  time_ns: number | null;
  count_per_s: number | null;
  /** time_ns as a share of all CPUs' time over the interval */
  cpu_pct: number | null;
  /** count per CPU in the interval, indexed by CPU number (as /proc/softirqs's columns) */
  cpu_counts: readonly number[] | null;
  /** time per CPU in the interval, indexed by CPU number */
  cpu_time_ns: readonly number[] | null;
  /** the CPU that spent the most time in this vector, and its share of that CPU's time */
  busiest_cpu: number | null;
  busiest_cpu_pct: number | null;
  /** the longest single softirq of this vector in the interval, on any CPU */
  max_ns: number | null;
}

function perCpu(cur: readonly number[], prev: readonly number[] | undefined): readonly number[] | null {
  if (!prev || prev.length !== cur.length) return null;
  const out = cur.map((v, i) => v - prev[i]!);
  return out.some((v) => v < 0) ? null : Object.freeze(out);
}

/** The index of the largest positive value, or null when none is positive (the first wins a tie). */
export function busiestIndex(values: readonly number[] | null): number | null {
  let best: number | null = null;
  if (values) for (let i = 0; i < values.length; i++) if (values[i]! > 0 && (best === null || values[i]! > values[best]!)) best = i;
  return best;
}

export function deriveSoftirqs(sample: SoftirqsSample, previous: SoftirqsSample | undefined, elapsedNs: number): SoftirqsRow[] {
  const prev = new Map(previous?.vectors.map((r) => [r.vector, r]));
  return sample.vectors.map((cur) => {
    const p = prev.get(cur.vector);
    const count = p ? delta(cur.count, p.count) : null;
    const time = p ? delta(cur.timeNs, p.timeNs) : null;
    const timeShare = perSecond(time, elapsedNs);
    const cpuTimes = perCpu(cur.cpuTimeNs, p?.cpuTimeNs);
    const busiest = busiestIndex(cpuTimes);
    return {
      id: cur.vector,
      vector: cur.vector,
      count,
      time_ns: time,
      count_per_s: perSecond(count, elapsedNs),
      cpu_pct: timeShare === null || sample.ncpu <= 0 ? null : (timeShare / 1e9 / sample.ncpu) * 100,
      cpu_counts: perCpu(cur.cpuCounts, p?.cpuCounts),
      cpu_time_ns: cpuTimes,
      busiest_cpu: busiest,
      busiest_cpu_pct: busiest === null || !(elapsedNs > 0) ? null : (cpuTimes![busiest]! / elapsedNs) * 100,
      max_ns: p ? cur.maxNs : null,
    };
  });
}

/** Softirq time per CPU over all vectors in the interval, as % of that CPU's time; null before two samples. */
export function softirqCpuShares(rows: readonly SoftirqsRow[], elapsedNs: number): number[] | null {
  let out: number[] | null = null;
  for (const r of rows) {
    if (!r.cpu_time_ns) continue;
    out ??= new Array<number>(r.cpu_time_ns.length).fill(0);
    r.cpu_time_ns.forEach((t, c) => (out![c]! += elapsedNs > 0 ? (t / elapsedNs) * 100 : 0));
  }
  return out;
}
