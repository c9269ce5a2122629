/** softirqs records: struct softirqs_val (bpf/softirqs.h), per vector, summed over CPUs by the addon. */
import type { MapRead } from '../native.js';
import { checkSize, field, record, u64, type RecordLayout } from './layout.js';

/** Vector names in kernel order (include/linux/interrupt.h), as /proc/softirqs spells them in lower case. */
export const SOFTIRQ_VECTORS = ['hi', 'timer', 'net_tx', 'net_rx', 'block', 'irq_poll', 'tasklet', 'sched', 'hrtimer', 'rcu'] as const;
export type SoftirqVector = (typeof SOFTIRQ_VECTORS)[number];

export const SOFTIRQS_RECORDS = {
  val: record('softirqs_val', { count: 'u64', time_ns: 'u64' }),
};

export interface SoftirqsRecord {
  vector: SoftirqVector;
  /** cumulative since load, all CPUs */
  count: bigint;
  timeNs: bigint;
}

export function decodeSoftirqs(read: MapRead, val: RecordLayout): SoftirqsRecord[] {
  checkSize(val, read.values.length, read.count, 'softirqs_stats');
  const count = field(val, 'count');
  const time = field(val, 'time_ns');
  const out: SoftirqsRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const vector = SOFTIRQ_VECTORS[read.keys.readUInt32LE(i * 4)];
    if (!vector) continue;
    const base = i * val.size;
    out.push({ vector, count: u64(read.values, base, count), timeNs: u64(read.values, base, time) });
  }
  return out;
}
