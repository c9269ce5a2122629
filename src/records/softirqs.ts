/**
 * softirqs records: struct softirqs_val (bpf/softirqs.h), per vector and per CPU, read raw from a per-CPU array:
 * cumulative counts and times per CPU, and the longest single softirq of the interval just closed.
 */
import type { MapRead } from '../native.js';
import { checkSize, field, record, u64, u64n, type RecordLayout } from './layout.js';

/** Vector names in kernel order (include/linux/interrupt.h), as /proc/softirqs spells them in lower case. */
export const SOFTIRQ_VECTORS = ['hi', 'timer', 'net_tx', 'net_rx', 'block', 'irq_poll', 'tasklet', 'sched', 'hrtimer', 'rcu'] as const;
export type SoftirqVector = (typeof SOFTIRQ_VECTORS)[number];

export const SOFTIRQS_RECORDS = {
  val: record('softirqs_val', { count: 'u64', time_ns: 'u64', max_ns: { u64s: 2 }, max_epoch: { u64s: 2 } }),
};

export interface SoftirqsRecord {
  vector: SoftirqVector;
  /** cumulative since load, all CPUs */
  count: bigint;
  timeNs: bigint;
  /** cumulative since load, per CPU (index: CPU number) */
  cpuCounts: readonly number[];
  cpuTimeNs: readonly number[];
  /** the longest single softirq of this vector in interval `epoch`, on any CPU; null when none ran */
  maxNs: number | null;
}

/**
 * Decodes a raw per-CPU read (`read.cpus` values per vector, CPU 0's first). `epoch` is the interval just closed:
 * a CPU's longest for it is in slot epoch & 1 when that slot is tagged with it (otherwise none ran there). Epochs
 * start at 1: a zeroed value's tags (0) match no read.
 */
export function decodeSoftirqs(read: MapRead, val: RecordLayout, epoch: number): SoftirqsRecord[] {
  checkSize(val, read.values.length, read.count * read.cpus, 'softirqs_stats');
  const f = { count: field(val, 'count'), time: field(val, 'time_ns'), max: field(val, 'max_ns'), tag: field(val, 'max_epoch') };
  const slot = (epoch & 1) * 8;
  const out: SoftirqsRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const vector = SOFTIRQ_VECTORS[read.keys.readUInt32LE(i * 4)];
    if (!vector) continue;
    let count = 0n;
    let timeNs = 0n;
    let maxNs: number | null = null;
    const cpuCounts: number[] = [];
    const cpuTimeNs: number[] = [];
    for (let cpu = 0; cpu < read.cpus; cpu++) {
      const base = (i * read.cpus + cpu) * val.size;
      const c = u64(read.values, base, f.count);
      const t = u64(read.values, base, f.time);
      count += c;
      timeNs += t;
      cpuCounts.push(Number(c));
      cpuTimeNs.push(Number(t));
      if (u64n(read.values, base + slot, f.tag) === epoch) {
        const m = u64n(read.values, base + slot, f.max);
        if (maxNs === null || m > maxNs) maxNs = m;
      }
    }
    out.push({ vector, count, timeNs, cpuCounts, cpuTimeNs, maxNs });
  }
  return out;
}
