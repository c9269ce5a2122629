/** softirqs model: per-vector count and time per interval, rates over the measured elapsed time. Pure. */
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
}

export function deriveSoftirqs(sample: SoftirqsSample, previous: SoftirqsSample | undefined, elapsedNs: number): SoftirqsRow[] {
  const prev = new Map(previous?.vectors.map((r) => [r.vector, r]));
  return sample.vectors.map((cur) => {
    const p = prev.get(cur.vector);
    const count = p ? delta(cur.count, p.count) : null;
    const time = p ? delta(cur.timeNs, p.timeNs) : null;
    const timeShare = perSecond(time, elapsedNs);
    return {
      id: cur.vector,
      vector: cur.vector,
      count,
      time_ns: time,
      count_per_s: perSecond(count, elapsedNs),
      cpu_pct: timeShare === null || sample.ncpu <= 0 ? null : (timeShare / 1e9 / sample.ncpu) * 100,
    };
  });
}
