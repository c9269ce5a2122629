/**
 * What profile and offcputime share: the reader of their counters and stacks (names from kallsyms, the processes' ELF
 * files and JIT perf maps), the counters' upkeep, and the columns and views of a stack panel.
 */
import { readFileSync, statSync } from 'node:fs';
import type { BpfObject } from '../native.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { escapeControl, humanCount, percent } from '../format.js';
import { decodeCounterArray } from '../records/layout.js';
import { decodeStackCounts, decodeStacks, keyBytes, STACKS_ENOSPC, stackIdKeys, stackStats, type StackCount, type StackLayouts } from '../records/stacks.js';
import { CUT_TEXT, joinStack, stackIdentity, windowOf, type StackEntry, type StackRow, type StackSample } from '../models/stacks.js';
import { KernelSymbols } from '../symbols/kernel.js';
import { UserSymbols, type Frame, type ProcReader, type UserStack } from '../symbols/user.js';
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { asNumber, type Column, type DetailField, type HostInfo, type PanelStats } from './types.js';

/** A counter idle this long is taken out of the kernel's map once the map is half full (its count is kept here). */
const IDLE_TAKE_NS = 30e9;
/** Taken out when the counters' map is this full, and the quietest first when it is fuller still. */
const TAKE_AT = 0.5;
const PRESSURE = 0.85;
/** Stacks no counter refers to are deleted from the stack map once it is this full. */
const STACKS_GC_AT = 0.5;
/** A counter gone from the kernel without being taken out (never, but for a map emptied by hand) is forgotten after this long. */
const FORGET_NS = 60e9;

/**
 * The innermost frames of a stack taken in a tracepoint that are the tracing itself, not the traced: the BPF program,
 * the trampolines and iterators that call it (offcputime's stacks start at __schedule, as the BCC tool's).
 */
const TRACING =
  /^(bpf_prog_|bpf_trace_run|__bpf_trace_|__traceiter_|trace_call_bpf|perf_trace_|perf_tp_event|__perf_event_overflow|perf_swevent|bpf_overflow_handler|__bpf_prog_run|trace_event_raw_event_)/;

/** The names of a stack object's maps. */
export interface StackMaps<M extends string> {
  counts: M;
  stacks: M;
  stats: M;
}

interface Kept {
  count: StackCount;
  /** counts of this key taken out of the kernel's map before (its cumulative total goes on from them) */
  baseCount: number;
  baseNs: number;
  /** when its count last moved, and when the kernel's map last had it */
  activeNs: number;
  seenNs: number;
  /** the kernel's map has it (not taken out) */
  inKernel: boolean;
  /** the reading it was taken out at */
  takenAt: number;
  entry: StackEntry;
}

/** The process's files as the reader reads them: /proc, and a JIT's perf map. */
const procReader: ProcReader = {
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
  stat(path) {
    try {
      const s = statSync(path);
      return { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return null;
    }
  },
};

/** offcputime's state letters, as ps writes them (TASK_INTERRUPTIBLE 1 → S, TASK_UNINTERRUPTIBLE 2 → D, …). */
export function stateName(state: number): string {
  // TASK_IDLE is TASK_UNINTERRUPTIBLE | TASK_NOLOAD: an idle kernel thread, not I/O.
  if ((state & 0x402) === 0x402) return 'I';
  const parts: string[] = [];
  if (state & 1) parts.push('S');
  if (state & 2) parts.push('D');
  if (state & 4) parts.push('T');
  if (state & 8) parts.push('t');
  if (state & 0x100) parts.push('K');
  if (state & 0x200) parts.push('W');
  return parts.join('') || `0x${state.toString(16)}`;
}

export interface StackReaderOptions<M extends string> {
  kind: 'cpu' | 'offcpu';
  maps: StackMaps<M>;
  /** the sampling rate in force over the interval being read (profile) */
  hz?: () => number;
  /** kernel threads listed (offcputime) */
  kthreads?: () => boolean;
  kernel?: KernelSymbols;
  user?: UserSymbols;
}

/**
 * Reads the counters (cumulative, kept monotonic here across the ones taken out of the kernel), names the stacks new
 * to it, and keeps both maps from filling: counters idle for 30 s are taken out once the map is half full, and stacks
 * no counter refers to any more are deleted once the stack map is half full.
 *
 * A stack's key is its hash: a sample that lands between the read and a stack's deletion takes it again, under the same
 * key, so no counter ever names another stack; one whose stack is gone when it is read is counted as lost.
 */
export function createStackReader<M extends string>(obj: BpfObject<M>, layouts: StackLayouts, host: HostInfo, opts: StackReaderOptions<M>): () => StackSample {
  const { maps } = opts;
  const cgroupOf = createCgroupNamer(host);
  const kernel = opts.kernel ?? new KernelSymbols();
  if (!opts.kernel) kernel.prefetch();
  const user = opts.user ?? new UserSymbols(host.symbolizeFile ?? (() => ({ ok: false, names: [] })), procReader);
  const capacity = obj.mapInfo(maps.counts).maxEntries;
  const stackCapacity = obj.mapInfo(maps.stacks).maxEntries;
  const kept = new Map<string, Kept>();
  /** each stack's addresses by its key (its hash), as read from the stacks map */
  const stacks = new Map<string, bigint[]>();
  /** kernel stacks' frames by key; user stacks' by process and key */
  const kernelFrames = new Map<string, Frame[]>();
  const userFrames = new Map<string, UserStack>();
  let stacksDeleted = 0;
  let readings = 0;

  /** A kernel stack's frames, without the tracing machinery that took it (the BPF program, the tracepoint's call). */
  const kernelStackOf = (addrs: readonly bigint[]): Frame[] => {
    const frames = addrs.map((a) => ({ name: kernel.name(a), kind: 'k' as const }));
    let skip = 0;
    while (skip < frames.length && TRACING.test(frames[skip]!.name)) skip++;
    return skip < frames.length ? frames.slice(skip) : frames;
  };

  const entryOf = (c: StackCount): StackEntry => {
    const cg = c.cgroup ? cgroupOf(c.cgroup) : { cgroup: '', workload: '' };
    const k = c.kernelStack !== null ? kernelFrames.get(c.kernelStack) : undefined;
    const u = c.userStack !== null ? userFrames.get(`${c.tgid}:${c.userStack}`) : undefined;
    // A stack id that no longer resolves (deleted under it): lost.
    const uErr = c.userStack !== null && !u ? STACKS_ENOSPC : c.userErr;
    const kErr = c.kernelStack !== null && !k ? STACKS_ENOSPC : c.kernelErr;
    const joined = joinStack(u ?? null, k ?? null, uErr, kErr, c.kthread);
    const state = opts.kind === 'offcpu' ? stateName(c.state) : null;
    const waker = opts.kind === 'offcpu' ? (c.wakerTgid || c.wakerComm ? `${escapeControl(c.wakerComm)} ${c.wakerTgid}` : '') : null;
    const comm = escapeControl(c.comm);
    return {
      identity: stackIdentity(c.tgid, comm, cg.cgroup, state, waker, joined.kinds, joined.stack),
      key: c.key,
      tgid: c.tgid,
      comm,
      cgroup: cg.cgroup,
      workload: cg.workload,
      kthread: c.kthread,
      count: 0,
      ns: 0,
      state,
      waker,
      ...joined,
    };
  };

  const prevCount = (key: string): StackCount | undefined => kept.get(key)?.count;

  return () => {
    const now = host.nowNs();
    const stats = stackStats(decodeCounterArray(obj.readMap(maps.stats), layouts.stat, maps.stats));
    const counts = decodeStackCounts(obj.readMap(maps.counts), layouts, maps.counts, prevCount);
    const inForce = opts.hz?.() ?? 0;
    // The stacks new to this reader: read by id, named (kernel: kallsyms; user: per process, all of its at once).
    const fresh = new Set<string>();
    for (const c of counts) {
      if (kept.has(c.key)) continue;
      if (c.userStack !== null && !stacks.has(c.userStack)) fresh.add(c.userStack);
      if (c.kernelStack !== null && !stacks.has(c.kernelStack)) fresh.add(c.kernelStack);
    }
    if (fresh.size > 0) for (const [id, addrs] of decodeStacks(obj.lookupKeys(maps.stacks, stackIdKeys(fresh)))) stacks.set(id, addrs);
    const byProcess = new Map<number, string[]>();
    for (const c of counts) {
      if (kept.has(c.key)) continue;
      if (c.kernelStack !== null && !kernelFrames.has(c.kernelStack)) {
        const addrs = stacks.get(c.kernelStack);
        if (addrs) kernelFrames.set(c.kernelStack, kernelStackOf(addrs));
      }
      if (c.userStack !== null && !userFrames.has(`${c.tgid}:${c.userStack}`) && stacks.has(c.userStack)) {
        const list = byProcess.get(c.tgid) ?? [];
        if (!list.includes(c.userStack)) list.push(c.userStack);
        byProcess.set(c.tgid, list);
      }
    }
    for (const [pid, ids] of byProcess) {
      const named = user.resolve(
        pid,
        ids.map((id) => stacks.get(id)!),
      );
      ids.forEach((id, i) => userFrames.set(`${pid}:${id}`, named[i]!));
    }
    // The counters: cumulative here, across the ones taken out of the kernel.
    for (const c of counts) {
      let k = kept.get(c.key);
      if (!k) {
        k = { count: c, baseCount: 0, baseNs: 0, activeNs: now, seenNs: now, inKernel: true, takenAt: -1, entry: entryOf(c) };
        kept.set(c.key, k);
      } else if (c.count !== k.count.count || c.ns !== k.count.ns) {
        k.activeNs = now;
      }
      k.count = c;
      k.seenNs = now;
      k.inKernel = true;
      // A new entry only when its count moved: the samples' entries are never changed (the previous one is read for
      // deltas), and most counters stand still from one reading to the next.
      const count = k.baseCount + c.count;
      const ns = k.baseNs + c.ns;
      if (k.entry.count !== count || k.entry.ns !== ns) k.entry = { ...k.entry, count, ns };
    }
    // Upkeep of the counters' map: idle counters out when it is half full, the quietest too under pressure. When the
    // stack map is half full, every counter that did not move in this interval goes (with its stacks): code without
    // frame pointers makes a new stack of garbage addresses at almost every sample, each used once.
    readings++;
    const stackPressure = stacks.size > stackCapacity * STACKS_GC_AT;
    if (counts.length > capacity * TAKE_AT || stackPressure) {
      const live = counts.map((c) => kept.get(c.key)!);
      const idleFor = stackPressure ? 1 : IDLE_TAKE_NS;
      let take = live.filter((k) => now - k.activeNs >= idleFor);
      const excess = counts.length - take.length - Math.floor(capacity * TAKE_AT);
      if (counts.length > capacity * PRESSURE && excess > 0) {
        const rest = live.filter((k) => now - k.activeNs < IDLE_TAKE_NS).sort((a, b) => a.activeNs - b.activeNs || a.count.count - b.count.count);
        take = [...take, ...rest.slice(0, excess)];
      }
      if (take.length > 0) {
        const got = decodeStackCounts(obj.takeKeys(maps.counts, Buffer.concat(take.map((k) => keyBytes(k.count.key)))), layouts, maps.counts);
        for (const c of got) {
          const k = kept.get(c.key)!;
          // What moved between the read and the take belongs to this interval.
          k.baseCount += c.count;
          k.baseNs += c.ns;
          k.entry = { ...k.entry, count: k.baseCount, ns: k.baseNs };
          k.inKernel = false;
          k.takenAt = readings;
        }
      }
    }
    // Counters gone from the kernel a while: forgotten (their last interval was counted).
    const alive = new Set<number>();
    // A counter taken out is in this sample with its last total; from the next reading on, when the kernel has not
    // made it again, it is forgotten (a counter made again later starts from zero, and the sample before has none).
    for (const [key, k] of kept) {
      if (k.seenNs !== now) k.inKernel = false;
      const gone = !k.inKernel && k.seenNs !== now && (k.takenAt >= 0 ? readings > k.takenAt : now - k.seenNs >= FORGET_NS);
      if (gone) kept.delete(key);
      else alive.add(k.count.tgid);
    }
    // Upkeep of the stack map: stacks that no counter in the kernel refers to are deleted once it is half full.
    if (stacks.size > stackCapacity * STACKS_GC_AT) {
      const used = new Set<string>();
      for (const k of kept.values()) {
        if (!k.inKernel) continue;
        if (k.count.userStack !== null) used.add(k.count.userStack);
        if (k.count.kernelStack !== null) used.add(k.count.kernelStack);
      }
      const unused = [...stacks.keys()].filter((id) => !used.has(id));
      if (unused.length > 0) {
        obj.takeKeys(maps.stacks, stackIdKeys(unused));
        stacksDeleted += unused.length;
        for (const id of unused) {
          stacks.delete(id);
          kernelFrames.delete(id);
        }
        const dead = new Set(unused);
        for (const key of userFrames.keys()) if (dead.has(key.slice(key.indexOf(':') + 1))) userFrames.delete(key);
      }
    }
    user.keepOnly(alive);
    for (const key of userFrames.keys()) if (!alive.has(Number(key.slice(0, key.indexOf(':'))))) userFrames.delete(key);
    return {
      entries: [...kept.values()].map((k) => k.entry),
      stats: { ...stats, stacks: stacks.size, stacks_deleted: stacksDeleted, processes: user.processes },
      hz: inForce,
      cpus: host.onlineCpus(),
      kthreads: opts.kthreads?.() ?? false,
      readNs: now,
    };
  };
}

/** The interval's counters of the BPF side and the reader, from two samples' cumulative ones. */
export function stackStatsOf(sample: StackSample, previous: StackSample | undefined): Record<string, number> {
  const d = (k: string): number => Math.max(0, (sample.stats[k] ?? 0) - (previous?.stats[k] ?? 0));
  return {
    samples: d('samples'),
    idle: d('idle'),
    user_lost: d('user_lost'),
    kernel_lost: d('kernel_lost'),
    user_fault: d('user_fault'),
    map_full_drops: d('map_full'),
    map_full_drops_total: sample.stats.map_full ?? 0,
    start_full: d('start_full'),
    unseen_in: d('unseen_in'),
    stacks: sample.stats.stacks ?? 0,
    stacks_deleted: d('stacks_deleted'),
    hz: sample.hz,
    cpus: sample.cpus,
    window_ns: previous ? windowOf(sample, previous, 0) : 0,
  };
}

/** STACK: the row's stack, innermost first ("leaf ← caller ← …"), the part the table has room for. */
export function stackColumn<R extends StackRow>(help: string): Column<R> {
  return {
    key: 'stack',
    title: 'STACK (innermost first)',
    width: 60,
    minWidth: 20,
    maxWidth: 400,
    align: 'left',
    keep: 'start',
    value: (r) => stackText(r),
    format: (v) => String(v),
    help,
  };
}

/** "leaf ← caller ← … ← main", a cut stack marked at its end. */
export function stackText(r: Pick<StackRow, 'stack' | 'cut'>): string {
  const frames = r.stack.filter((f, i) => !(i === 0 && r.cut !== null));
  const text = frames.length ? [...frames].reverse().join(' ← ') : '[no stack]';
  return r.cut ? `${text} ← [cut]` : text;
}

export function cutColumn<R extends StackRow>(): Column<R> {
  return {
    key: 'cut',
    title: 'CUT',
    width: 5,
    align: 'left',
    drop: 3,
    value: (r) => r.cut ?? '',
    format: (v) => (v === 'frame pointers' || v === 'astray' ? 'fp' : v === 'depth' ? 'deep' : v ? 'lost' : ''),
    help: `why the stack is not whole: fp (it ends before main: code built without frame pointers, the user stack walk stops or goes astray; what it has is still right), deep (deeper than the stack map keeps), lost (the stack map had no room). The detail view says it in words`,
  };
}

/** The detail fields both stack panels have. */
export function stackDetail<R extends StackRow>(): DetailField<R>[] {
  return [
    { label: 'process', value: (r) => `${r.comm} (pid ${r.pid})${r.kthread ? ', a kernel thread' : ''}` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
    { label: 'cut', value: (r) => (r.cut ? CUT_TEXT[r.cut] : 'no: the stack is whole') },
    {
      label: 'stack',
      value: (r) => `${r.stack.length} frames, innermost first (k kernel, u user, j JIT, ? unknown)`,
      lines: (r) =>
        [...r.stack.keys()]
          .reverse()
          .filter((i) => !(i === 0 && r.cut !== null))
          .map((i) => `${r.kinds[i] ?? '?'} ${r.stack[i]}`),
    },
  ];
}

export function stackIdentityColumns<R extends StackRow>(): Column<R>[] {
  return [
    pidColumn<R>('the process (its thread group id)'),
    commColumn<R>('the thread’s name as the sample found it (kernel threads: their own names)', { width: 15, minWidth: 8 }),
  ];
}

export function stackTailColumns<R extends StackRow>(): Column<R>[] {
  return [workloadColumn<R>(6), cgroupColumn<R>(7)];
}

export const pctColumn = <R extends StackRow>(title: string, help: string): Column<R> => ({
  key: 'pct',
  title,
  width: 6,
  align: 'right',
  value: (r) => r.pct,
  format: (v) => percent(asNumber(v)),
  help,
  decimals: 1,
});

/** The summary's words for what the stacks panel could not count. */
export function lostWords(stats: PanelStats): string {
  const parts: string[] = [];
  const n = (k: string): number => stats[k] ?? 0;
  if (n('user_lost') + n('kernel_lost') > 0) parts.push(`${humanCount(n('user_lost') + n('kernel_lost'))} stacks lost (stack map full)`);
  if (n('map_full_drops') > 0) parts.push(`${humanCount(n('map_full_drops'))} not counted (map full)`);
  if (n('start_full') > 0) parts.push(`${humanCount(n('start_full'))} waits not timed (start map full)`);
  if (n('unseen_in') > 0)
    parts.push(
      n('unseen_in') === 1
        ? '1 wait whose switch back in went unreported (timed to its wake-up)'
        : `${humanCount(n('unseen_in'))} waits whose switch back in went unreported (timed to their wake-up)`,
    );
  return parts.length ? `; ${parts.join(', ')}` : '';
}
