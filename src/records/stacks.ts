/**
 * Stack records (bpf/stacks.h), shared by profile and offcputime: a counter per (process, thread name, cgroup, user
 * stack, kernel stack, state, waker), and the stack map's values (return addresses, innermost first).
 */
import type { MapRead } from '../native.js';
import { checkSize, cString, field, record, u32, u64n, type RecordLayout } from './layout.js';

export const STACKS_COMM_LEN = 16;
export const STACKS_MAX_DEPTH = 127;
/** no stack asked for (a kernel thread's user stack) */
export const STACKS_NONE = -1000;
export const STACK_KEY_KTHREAD = 1;
/** bpf_get_stackid's errors, as the key keeps them */
export const EFAULT = 14;

export const STACK_RECORDS = {
  key: record('stack_key', {
    tgid: 'u32',
    user_stack: 'u32',
    kernel_stack: 'u32',
    state: 'u32',
    cgroup: 'u64',
    waker_tgid: 'u32',
    flags: 'u32',
    comm: { cstr: STACKS_COMM_LEN },
    waker_comm: { cstr: STACKS_COMM_LEN },
  }),
  val: record('stack_val', { count: 'u64', ns: 'u64' }),
  stat: record('stacks_stats_val', { count: 'u64' }),
};
export type StackLayouts = Record<keyof typeof STACK_RECORDS, RecordLayout>;

/** The stats array's slots (bpf/stacks.h). */
export const STACK_STATS = ['samples', 'idle', 'user_lost', 'kernel_lost', 'user_fault', 'map_full', 'start_full'] as const;
export type StackStat = (typeof STACK_STATS)[number];

/** One counter: cumulative since load. */
export interface StackCount {
  /** the key's bytes as hex: its identity across reads */
  key: string;
  tgid: number;
  /** a stack map id, or a negative errno, or STACKS_NONE */
  userStack: number;
  kernelStack: number;
  state: number;
  cgroup: number;
  wakerTgid: number;
  kthread: boolean;
  comm: string;
  wakerComm: string;
  count: number;
  ns: number;
}

export function decodeStackCounts(read: MapRead, layouts: Pick<StackLayouts, 'key' | 'val'>, what: string): StackCount[] {
  const { key: kl, val: vl } = layouts;
  checkSize(kl, read.keys.length, read.count, `${what} keys`);
  checkSize(vl, read.values.length, read.count, `${what} values`);
  const f = {
    tgid: field(kl, 'tgid'),
    user: field(kl, 'user_stack'),
    kernel: field(kl, 'kernel_stack'),
    state: field(kl, 'state'),
    cgroup: field(kl, 'cgroup'),
    wakerTgid: field(kl, 'waker_tgid'),
    flags: field(kl, 'flags'),
    comm: field(kl, 'comm'),
    wakerComm: field(kl, 'waker_comm'),
    count: field(vl, 'count'),
    ns: field(vl, 'ns'),
  };
  const out: StackCount[] = [];
  for (let i = 0; i < read.count; i++) {
    const k = i * kl.size;
    const v = i * vl.size;
    out.push({
      key: read.keys.toString('hex', k, k + kl.size),
      tgid: u32(read.keys, k, f.tgid),
      userStack: read.keys.readInt32LE(k + f.user.offset),
      kernelStack: read.keys.readInt32LE(k + f.kernel.offset),
      state: u32(read.keys, k, f.state),
      cgroup: u64n(read.keys, k, f.cgroup),
      wakerTgid: u32(read.keys, k, f.wakerTgid),
      kthread: (u32(read.keys, k, f.flags) & STACK_KEY_KTHREAD) !== 0,
      comm: cString(read.keys, k, f.comm),
      wakerComm: cString(read.keys, k, f.wakerComm),
      count: u64n(read.values, v, f.count),
      ns: u64n(read.values, v, f.ns),
    });
  }
  return out;
}

/** A stack map's values by id: return addresses, innermost first, up to the first 0. */
export function decodeStacks(read: MapRead): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>();
  for (let i = 0; i < read.count; i++) {
    const id = read.keys.readUInt32LE(i * read.keySize);
    const base = i * read.valueSize;
    const addrs: bigint[] = [];
    for (let off = 0; off + 8 <= read.valueSize; off += 8) {
      const a = read.values.readBigUInt64LE(base + off);
      if (a === 0n) break;
      addrs.push(a);
    }
    out.set(id, addrs);
  }
  return out;
}

/** Stack ids as a stack map's keys (u32 each), for lookupKeys and takeKeys. */
export function stackIdKeys(ids: Iterable<number>): Buffer {
  const list = [...ids];
  const buf = Buffer.alloc(list.length * 4);
  list.forEach((id, i) => buf.writeUInt32LE(id >>> 0, i * 4));
  return buf;
}

/** The stats array's slots, summed over CPUs, by name. */
export function stackStats(values: readonly number[]): Record<StackStat, number> {
  return Object.fromEntries(STACK_STATS.map((s, i) => [s, values[i] ?? 0])) as Record<StackStat, number>;
}

/** The key's raw bytes back from its hex (for takeKeys). */
export const keyBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
