/**
 * profile's and offcputime's model (pure): counters per (process, stack) → the interval's rows; a stack's frames as
 * one list, root first; the top functions (self and total); folded stacks (flamegraph.pl's and speedscope's format).
 */
import type { Row } from '../rows.js';
import { since } from './delta.js';
import { ROOT_NAMES, type Frame, type FrameKind, type UserStack } from '../symbols/user.js';
import { EFAULT, STACKS_MAX_DEPTH, STACKS_NONE } from '../records/stacks.js';

/** Why a row's stack is not the whole stack: said on the row, never silently. */
export type CutReason = 'frame pointers' | 'astray' | 'depth' | 'user lost' | 'kernel lost' | 'no user stack';

/** The words for a cut in the table and the detail view. */
export const CUT_TEXT: Readonly<Record<CutReason, string>> = {
  'frame pointers': 'cut: ends before main (code without frame pointers?)',
  astray: 'cut: a function on the way keeps no frame pointer, so what the walk read past it is not its caller',
  depth: `cut: deeper than ${STACKS_MAX_DEPTH} frames`,
  'user lost': 'user stack lost: the stacks map was full',
  'kernel lost': 'kernel stack lost: the stacks map was full',
  'no user stack': 'no user stack could be walked',
};

/** The marker frame a cut stack starts with: cut stacks stand apart in the flame graph, under their own root. */
export const CUT_FRAME = '[stack cut]';

/** One counter with its stack named: cumulative, as the reader keeps it. */
export interface StackEntry {
  key: string;
  /** what makes it a row (process, cgroup, state, waker, the stack as named): counters of one identity are one row */
  identity?: string;
  tgid: number;
  comm: string;
  cgroup: string;
  workload: string;
  kthread: boolean;
  count: number;
  ns: number;
  /** offcputime: the state it blocked in ('S', 'D', …) and what woke it ('comm pid') */
  state: string | null;
  waker: string | null;
  /** root first; the kinds string has one letter per frame */
  stack: readonly string[];
  kinds: string;
  cut: CutReason | null;
}

export interface StackSample {
  entries: readonly StackEntry[];
  /** cumulative stats of the BPF side (bpf/stacks.h's slots), and the reader's own */
  stats: Readonly<Record<string, number>>;
  /** profile: samples per second on each CPU */
  hz: number;
  /** CPUs sampled */
  cpus: number;
  /** offcputime: kernel threads are listed */
  kthreads: boolean;
  /** when the counters were read (monotonic ns): an interval is the time between two readings, not between ticks */
  readNs?: number;
}

/** The time between two readings (the tick's own when a sample has no time of its own). */
export function windowOf(sample: StackSample, previous: StackSample | undefined, elapsedNs: number): number {
  return previous?.readNs !== undefined && sample.readNs !== undefined && sample.readNs > previous.readNs ? sample.readNs - previous.readNs : elapsedNs;
}

export interface StackRow extends Row {
  pid: number;
  comm: string;
  cgroup: string;
  workload: string;
  /** profile: samples in the interval; offcputime: waits that ended in it */
  samples: number;
  /** offcputime: time blocked in the interval's waits (ns); profile: the CPU time the samples stand for */
  ns: number;
  /** profile: % of one CPU (samples ÷ (rate × seconds)); offcputime: % of the interval spent blocked here */
  pct: number | null;
  /** where the time went: the innermost frame (off-CPU: the innermost below the scheduler's own) */
  leaf: string;
  stack: readonly string[];
  kinds: string;
  cut: CutReason | null;
  state: string | null;
  waker: string | null;
  kthread: boolean;
}

/**
 * Pure: a stack as one list, root first: the user frames (outermost first), then the kernel's (the system call's entry
 * first). `userErr`/`kernelErr` are the key's errors where it has no stack (0 where it has one: a stack of that key
 * that is not there any more was lost).
 */
export function joinStack(
  user: UserStack | null,
  kernel: readonly Frame[] | null,
  userErr: number,
  kernelErr: number,
  kthread: boolean,
): { stack: string[]; kinds: string; cut: CutReason | null } {
  let cut: CutReason | null = null;
  const frames: Frame[] = [];
  if (!kthread) {
    if (user && user.frames.length > 0) {
      const u = user.frames;
      const outer = u[u.length - 1]!;
      if (user.astray) cut = 'astray';
      else if (u.length >= STACKS_MAX_DEPTH) cut = 'depth';
      else if (!ROOT_NAMES.has(outer.name)) cut = 'frame pointers';
      for (let i = u.length - 1; i >= 0; i--) frames.push(u[i]!);
    } else if (userErr !== STACKS_NONE) {
      cut = userErr === -EFAULT ? 'no user stack' : 'user lost';
    }
  }
  if (kernel) {
    for (let i = kernel.length - 1; i >= 0; i--) frames.push(kernel[i]!);
    if (kernel.length >= STACKS_MAX_DEPTH) cut ??= 'depth';
  } else if (kernelErr !== 0 && kernelErr !== -EFAULT && kernelErr !== STACKS_NONE) cut ??= 'kernel lost';
  const stack = frames.map((f) => f.name);
  let kinds = frames.map((f) => f.kind).join('');
  if (cut !== null) {
    stack.unshift(CUT_FRAME);
    kinds = `?${kinds}`;
  }
  return { stack, kinds, cut };
}

/** A row's identity: counters whose stacks name the same functions in the same process are one row. */
export function stackIdentity(
  tgid: number,
  comm: string,
  cgroup: string,
  state: string | null,
  waker: string | null,
  kinds: string,
  stack: readonly string[],
): string {
  return [tgid, comm, cgroup, state ?? '', waker ?? '', kinds, ...stack].join('\u0000');
}

/** A short, stable id for a row's identity text (FNV-1a, two 32-bit lanes): ids are opaque and safe to export. */
export function rowId(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** Heaviest first, made once (an arrow made per call is compiled again after each major GC: models/delta.ts). */
const byTimeThenSamples = (a: StackRow, b: StackRow): number => b.ns - a.ns || b.samples - a.samples || (a.id < b.id ? -1 : 1);
const bySelfThenTotal = (a: FunctionRow, b: FunctionRow): number => b.self - a.self || b.total - a.total || (a.id < b.id ? -1 : 1);

/**
 * Pure: the interval's rows from two readings of the cumulative counters. Counters whose stacks read the same once
 * named (the same functions at other addresses: another line of the same loop) are one row: a row is a process name's
 * stack of functions, as a person reads it.
 */
export function deriveStacks(kind: 'cpu' | 'offcpu') {
  return (sample: StackSample, previous: StackSample | undefined, tickNs: number): StackRow[] => {
    if (!previous) return [];
    const prev = new Map(previous.entries.map((e) => [e.key, e]));
    // Over the time between the two readings: a reading late in its tick (after a slow panel) covers more than the tick.
    const elapsedNs = windowOf(sample, previous, tickNs);
    const seconds = elapsedNs / 1e9;
    const byStack = new Map<string, StackRow>();
    for (const e of sample.entries) {
      if (e.kthread && kind === 'offcpu' && !sample.kthreads) continue;
      const p = prev.get(e.key);
      const samples = since(e.count, p?.count);
      if (samples <= 0) continue;
      const ns = kind === 'cpu' ? (samples * 1e9) / sample.hz : since(e.ns, p?.ns);
      const identity = e.identity ?? stackIdentity(e.tgid, e.comm, e.cgroup, e.state, e.waker, e.kinds, e.stack);
      const row = byStack.get(identity);
      if (row) {
        row.samples += samples;
        row.ns += ns;
        continue;
      }
      byStack.set(identity, {
        id: rowId(identity),
        pid: e.tgid,
        comm: e.comm,
        cgroup: e.cgroup,
        workload: e.workload,
        samples,
        ns,
        pct: null,
        leaf: e.stack.length > 0 ? e.stack[siteOf(e, kind === 'offcpu' ? SCHEDULER : undefined)]! : '[no stack]',
        stack: e.stack,
        kinds: e.kinds,
        cut: e.cut,
        state: e.state,
        waker: e.waker,
        kthread: e.kthread,
      });
    }
    const rows = [...byStack.values()];
    for (const r of rows) r.pct = seconds > 0 ? (kind === 'cpu' ? (r.samples / (sample.hz * seconds)) * 100 : (r.ns / elapsedNs) * 100) : null;
    // Heaviest first: the frame's rows come in the default sort.
    rows.sort(byTimeThenSamples);
    return rows;
  };
}

/** What a stack row weighs in the flame graph and the functions: samples (profile) or time blocked (offcputime). */
export const weightOf = (r: Pick<StackRow, 'ns'>): number => r.ns;

/** One function of the top functions view. */
export interface FunctionRow extends Row {
  name: string;
  kind: FrameKind;
  /** weight where it is the innermost frame (profile: CPU ns; offcputime: blocked ns) */
  self: number;
  /** weight of every stack it is in (once per stack, recursion counted once) */
  total: number;
  self_pct: number | null;
  total_pct: number | null;
  /** processes it was seen in */
  processes: number;
}

/**
 * The scheduler's own frames at the tip of an off-CPU stack: every blocked stack ends in them, so the function a
 * thread waited in is the first frame below them (do_nanosleep, ep_poll, io_schedule's caller).
 */
export const SCHEDULER = /^(__schedule|schedule|schedule_\w+|io_schedule\w*|preempt_schedule\w*|finish_task_switch[.\w]*|context_switch)$/;

/** Where a row's time went: its innermost frame, or for an off-CPU stack the innermost one below the scheduler's. */
export function siteOf(r: Pick<StackRow, 'stack'>, skip?: RegExp): number {
  let i = r.stack.length - 1;
  if (skip) while (i > 0 && skip.test(r.stack[i]!)) i--;
  return i;
}

/** Pure: the functions of these stacks, by self then total weight (`skip`: tip frames that are not the site, as the scheduler's). */
export function topFunctions(rows: readonly StackRow[], skip?: RegExp): FunctionRow[] {
  const fns = new Map<string, { name: string; kind: FrameKind; self: number; total: number; pids: Set<number> }>();
  let all = 0;
  for (const r of rows) {
    const w = weightOf(r);
    all += w;
    const seen = new Set<string>();
    const site = siteOf(r, skip);
    r.stack.forEach((name, i) => {
      if (i > site) return;
      if (name === CUT_FRAME) return;
      const kind = (r.kinds[i] ?? '?') as FrameKind;
      const id = `${kind}\u0000${name}`;
      let f = fns.get(id);
      if (!f) fns.set(id, (f = { name, kind, self: 0, total: 0, pids: new Set() }));
      if (!seen.has(id)) {
        seen.add(id);
        f.total += w;
        f.pids.add(r.pid);
      }
      if (i === site) f.self += w;
    });
  }
  const pct = (v: number): number | null => (all > 0 ? (v / all) * 100 : null);
  return [...fns.entries()]
    .map(([id, f]) => ({
      id,
      name: f.name,
      kind: f.kind,
      self: f.self,
      total: f.total,
      self_pct: pct(f.self),
      total_pct: pct(f.total),
      processes: f.pids.size,
    }))
    .sort(bySelfThenTotal);
}

/** flamegraph.pl's annotations: kernel frames end in _[k], JIT frames in _[j]. */
const annotate = (name: string, kind: string): string => (kind === 'k' ? `${name}_[k]` : kind === 'j' ? `${name}_[j]` : name);

/** A frame as folded text: ';' separates frames and ' ' ends the stack, so neither may be in a name; newlines neither. */
const foldedName = (s: string): string => s.replace(/[;\s]+/g, '_');

/**
 * Pure: folded stacks, one line per (process name, stack): "comm;root;…;leaf weight", summed over rows that fold to
 * the same line, heaviest first. The weight is samples (profile) or microseconds blocked (offcputime), as the BCC
 * tools' -f output.
 */
export function foldedStacks(rows: readonly StackRow[], weight: (r: StackRow) => number): string[] {
  const lines = new Map<string, number>();
  for (const r of rows) {
    const w = weight(r);
    if (!(w > 0)) continue;
    const text = [foldedName(r.comm || '?'), ...r.stack.map((n, i) => foldedName(annotate(n, r.kinds[i] ?? '?')))].join(';');
    lines.set(text, (lines.get(text) ?? 0) + w);
  }
  return [...lines.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, w]) => `${t} ${Math.round(w)}`);
}
