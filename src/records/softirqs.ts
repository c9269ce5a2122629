/** softirqs records: struct softirqs_val (bpf/softirqs.h), per vector, summed over CPUs by the addon. */
import type { MapRead } from '../native.js';
import { checkSize, u32, u64, type RecordLayout } from './layout.js';

/** Vector names in kernel order (include/linux/interrupt.h), as /proc/softirqs spells them in lower case. */
export const SOFTIRQ_VECTORS = ['hi', 'timer', 'net_tx', 'net_rx', 'block', 'irq_poll', 'tasklet', 'sched', 'hrtimer', 'rcu'] as const;
export type SoftirqVector = (typeof SOFTIRQ_VECTORS)[number];

export const SOFTIRQS_VAL: RecordLayout = {
  struct: 'softirqs_val',
  size: 16,
  fields: { count: { offset: 0, size: 8 }, time_ns: { offset: 8, size: 8 } },
};

export interface SoftirqsRecord {
  vector: SoftirqVector;
  /** cumulative since load, all CPUs */
  count: bigint;
  timeNs: bigint;
}

export function decodeSoftirqs(read: MapRead): SoftirqsRecord[] {
  checkSize(SOFTIRQS_VAL, read.values.length, read.count, 'softirqs_stats');
  const out: SoftirqsRecord[] = [];
  const f = SOFTIRQS_VAL.fields;
  for (let i = 0; i < read.count; i++) {
    const index = u32(read.keys, i * 4, { offset: 0, size: 4 });
    const vector = SOFTIRQ_VECTORS[index];
    if (!vector) continue;
    const base = i * SOFTIRQS_VAL.size;
    out.push({ vector, count: u64(read.values, base, f.count!), timeNs: u64(read.values, base, f.time_ns!) });
  }
  return out;
}
