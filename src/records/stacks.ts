/**
 * Stack records (bpf/stacks.h), shared by profile and offcputime: a counter per (process, thread name, cgroup, user
 * stack, kernel stack, state, waker), and the stacks map's values (return addresses, innermost first) by their hash.
 */
import type { MapRead } from '../native.js';
import { checkSize, cString, field, record, u32, u64n, type RecordLayout } from './layout.js';

export const STACKS_COMM_LEN = 16;
export const STACKS_MAX_DEPTH = 127;
/** no stack asked for (a kernel thread's user stack) */
export const STACKS_NONE = -1000;
/** no room in the stacks map for a new stack */
export const STACKS_ENOSPC = -28;
export const STACK_KEY_KTHREAD = 1;
/** bpf_get_stack's errors, as the key keeps them */
export const EFAULT = 14;

export const STACK_RECORDS = {
  key: record('stack_key', {
    tgid: 'u32',
    state: 'u32',
    cgroup: 'u64',
    user_stack: 'u64',
    kernel_stack: 'u64',
    user_err: 'u32',
    kernel_err: 'u32',
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
export const STACK_STATS = ['samples', 'idle', 'user_lost', 'kernel_lost', 'user_fault', 'map_full', 'start_full', 'unseen_in'] as const;
export type StackStat = (typeof STACK_STATS)[number];

/** One counter: cumulative since load. */
export interface StackCount {
  /** the key's bytes as hex: its identity across reads */
  key: string;
  tgid: number;
  /** the stack's key in the stacks map (its hash, as 16 hex digits), or null: none (the error says why) */
  userStack: string | null;
  kernelStack: string | null;
  /** 0, a negative errno (-EFAULT: no frames to walk), STACKS_ENOSPC, or STACKS_NONE (a kernel thread's user stack) */
  userErr: number;
  kernelErr: number;
  state: number;
  cgroup: number;
  wakerTgid: number;
  kthread: boolean;
  comm: string;
  wakerComm: string;
  count: number;
  ns: number;
}

/**
 * The counters of a read. `before` gives a key's counter as the read before decoded it: when its count and time have
 * not moved, that object is the one returned (most counters stand still from one second to the next, and decoding
 * each one again made two BigInts, four strings and an object per counter per read).
 */
export function decodeStackCounts(
  read: MapRead,
  layouts: Pick<StackLayouts, 'key' | 'val'>,
  what: string,
  before?: (key: string) => StackCount | undefined,
): StackCount[] {
  const { key: kl, val: vl } = layouts;
  checkSize(kl, read.keys.length, read.count, `${what} keys`);
  checkSize(vl, read.values.length, read.count, `${what} values`);
  const f = {
    tgid: field(kl, 'tgid'),
    user: field(kl, 'user_stack'),
    kernel: field(kl, 'kernel_stack'),
    userErr: field(kl, 'user_err'),
    kernelErr: field(kl, 'kernel_err'),
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
    const key = read.keys.toString('hex', k, k + kl.size);
    const count = u64n(read.values, v, f.count);
    const ns = u64n(read.values, v, f.ns);
    const was = before?.(key);
    if (was !== undefined && was.count === count && was.ns === ns) {
      out.push(was);
      continue;
    }
    out.push({
      key,
      tgid: u32(read.keys, k, f.tgid),
      userStack: stackId(read.keys, k + f.user.offset),
      kernelStack: stackId(read.keys, k + f.kernel.offset),
      userErr: read.keys.readInt32LE(k + f.userErr.offset),
      kernelErr: read.keys.readInt32LE(k + f.kernelErr.offset),
      state: u32(read.keys, k, f.state),
      cgroup: u64n(read.keys, k, f.cgroup),
      wakerTgid: u32(read.keys, k, f.wakerTgid),
      kthread: (u32(read.keys, k, f.flags) & STACK_KEY_KTHREAD) !== 0,
      comm: cString(read.keys, k, f.comm),
      wakerComm: cString(read.keys, k, f.wakerComm),
      count,
      ns,
    });
  }
  return out;
}

/** A stack's key (a u64 hash) as 16 hex digits, or null for 0 (no stack). */
function stackId(buf: Buffer, at: number): string | null {
  const v = buf.readBigUInt64LE(at);
  return v === 0n ? null : v.toString(16).padStart(16, '0');
}

/** The stacks map's values by key: return addresses, innermost first, up to the first 0. */
export function decodeStacks(read: MapRead): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  for (let i = 0; i < read.count; i++) {
    const id = stackId(read.keys, i * read.keySize) ?? '';
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

/** Stacks' keys (u64 each) for lookupKeys and takeKeys. */
export function stackIdKeys(ids: Iterable<string>): Buffer {
  const list = [...ids];
  const buf = Buffer.alloc(list.length * 8);
  list.forEach((id, i) => buf.writeBigUInt64LE(BigInt(`0x${id}`), i * 8));
  return buf;
}

/** The stats array's slots, summed over CPUs, by name. */
export function stackStats(values: readonly number[]): Record<StackStat, number> {
  return Object.fromEntries(STACK_STATS.map((s, i) => [s, values[i] ?? 0])) as Record<StackStat, number>;
}

/** The key's raw bytes back from its hex (for takeKeys). */
export const keyBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
