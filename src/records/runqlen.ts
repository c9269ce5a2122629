/** runqlen records: struct runqlen_val (bpf/runqlen.h), one per CPU, read raw from a per-CPU array. */
import type { MapRead } from '../native.js';
import { checkSize, field, record, u64n, type RecordLayout } from './layout.js';

export const RUNQLEN_SLOTS = 32;

export const RUNQLEN_RECORDS = {
  val: record('runqlen_val', { samples: 'u64', queued: 'u64', runnable: 'u64', occupied: 'u64', hist: { u64s: RUNQLEN_SLOTS } }),
};

export interface RunqlenRecord {
  cpu: number;
  /** cumulative since load, on this CPU */
  samples: number;
  /** tasks waiting, summed over the samples */
  queued: number;
  /** nr_running (the running task counted), summed over the samples */
  runnable: number;
  /** samples with a task waiting */
  occupied: number;
  /** samples by queue length; the last slot also holds longer queues */
  hist: Float64Array;
}

/** One record per possible CPU, in CPU order (CPU 0's value first), from the one-entry per-CPU array read raw. */
export function decodeRunqlen(read: MapRead, val: RecordLayout): RunqlenRecord[] {
  if (read.count === 0) return [];
  checkSize(val, read.values.length, read.count * read.cpus, 'runqlen_stats');
  const f = {
    samples: field(val, 'samples'),
    queued: field(val, 'queued'),
    runnable: field(val, 'runnable'),
    occupied: field(val, 'occupied'),
    hist: field(val, 'hist'),
  };
  const out: RunqlenRecord[] = [];
  for (let cpu = 0; cpu < read.cpus; cpu++) {
    const base = cpu * val.size;
    const hist = new Float64Array(RUNQLEN_SLOTS);
    for (let s = 0; s < RUNQLEN_SLOTS; s++) hist[s] = u64n(read.values, base + s * 8, f.hist);
    out.push({
      cpu,
      samples: u64n(read.values, base, f.samples),
      queued: u64n(read.values, base, f.queued),
      runnable: u64n(read.values, base, f.runnable),
      occupied: u64n(read.values, base, f.occupied),
      hist,
    });
  }
  return out;
}
