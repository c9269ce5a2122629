/** runqlat records: struct runqlat_val (bpf/runqlat.h), one per CPU, read raw from a per-CPU array. */
import type { MapRead } from '../native.js';
import { checkSize, field, record, u64n, type RecordLayout } from './layout.js';

/** Waits by log2 of their length in µs: slot 0 under 1 µs, slot n from 2^(n-1) µs to 2^n µs; the last, longer. */
export const RUNQLAT_SLOTS = 28;

export const RUNQLAT_RECORDS = {
  val: record('runqlat_val', { count: 'u64', sum_ns: 'u64', hist: { u64s: RUNQLAT_SLOTS } }),
  stat: record('runqlat_stats_val', { count: 'u64' }),
};

export interface RunqlatRecord {
  cpu: number;
  /** cumulative since load: waits that ended on this CPU, their total length, and their log2 histogram */
  count: number;
  sumNs: number;
  hist: number[];
}

/** One record per possible CPU, in CPU order, from the one-entry per-CPU array read raw. */
export function decodeRunqlat(read: MapRead, val: RecordLayout): RunqlatRecord[] {
  if (read.count === 0) return [];
  checkSize(val, read.values.length, read.count * read.cpus, 'runqlat_hist');
  const f = { count: field(val, 'count'), sum: field(val, 'sum_ns'), hist: field(val, 'hist') };
  const out: RunqlatRecord[] = [];
  for (let cpu = 0; cpu < read.cpus; cpu++) {
    const base = cpu * val.size;
    const hist: number[] = [];
    for (let s = 0; s < RUNQLAT_SLOTS; s++) hist.push(u64n(read.values, base + s * 8, f.hist));
    out.push({ cpu, count: u64n(read.values, base, f.count), sumNs: u64n(read.values, base, f.sum), hist });
  }
  return out;
}
