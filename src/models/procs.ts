/**
 * Process model: one row per process (or per thread, `H`) from two readings of /proc, with each one's run-queue waits
 * from BPF, and a row for every process that ended in the interval (from its exit record). Pure: a function of the
 * sample, the previous one and the measured elapsed time.
 *
 * Definitions (the panel's help says the same):
 * - CPU %: (utime + stime) ticks in the interval ÷ USER_HZ ÷ elapsed, 100 = one CPU (pidstat's %CPU); user and system
 *   as the kernel splits them. A process that started in the interval counts all its ticks; one seen for the first
 *   time otherwise (sixty's first reading) has no rate yet.
 * - an ended process's CPU in the interval: its exact on-CPU time at exit (sum_exec_runtime) less what the previous
 *   reading had counted, split into user and system in the kernel's ratio.
 * - WAIT: time runnable but waiting for a CPU in the interval, summed over the process's threads (the kernel's
 *   schedstat run_delay, from the scheduler's tracepoints); WAIT% is it over the elapsed time (200 % = two threads
 *   waiting all the time); P99: the 99th percentile of its waits that ended in the interval, as the upper bound of
 *   their log2 slot (within a factor of two).
 */
import type { PidIo, PidStat, PidStatus } from '../records/procpid.js';
import { exitStatusText, PROCS_SLOTS, type ExitRecord } from '../records/procs.js';
import { quantileSlot } from './delta.js';
import { firstK } from './select.js';

/** One process (or thread) as /proc showed it. */
export interface ProcEntry {
  /** the pid, or the tid of a thread row */
  id: number;
  /** its process */
  tgid: number;
  stat: PidStat;
  status: PidStatus | null;
  /** null when the kernel would not say (another user's process, without the privilege) */
  io: PidIo | null;
  /** escaped, cut */
  cmdline: string;
  /** escaped */
  comm: string;
  user: string;
  /** its cgroup's path (cgroup2's where the host has it), and whose workload that is; '' when unknown */
  cgroup: string;
  workload: string;
}

/** Run-queue waits, cumulative: a process's (its threads summed, those that exited included) or a thread's. */
export interface WaitTotals {
  waitNs: number;
  waits: number;
  hist: ArrayLike<number>;
}

/** An ended process, as the reader keeps it for a while (seq: which reading brought it). */
export interface ExitEntry extends ExitRecord {
  seq: number;
  user: string;
}

export interface ProcsSample {
  /** which reading this is (1, 2, …): exits with this seq arrived in it */
  seq: number;
  /** monotonic ns, as the exit records' times */
  nowNs: number;
  /** wall-clock ms at boot (start times) */
  bootMs: number;
  /** seconds since boot, from /proc/uptime (the clock starttime counts on) */
  uptimeS: number;
  hz: number;
  pageSize: number;
  /** rows are threads */
  threads: boolean;
  entries: ReadonlyMap<number, ProcEntry>;
  /** by entry id, cumulative; null without BPF */
  waits: ReadonlyMap<number, WaitTotals> | null;
  /** processes that ended recently (the reader keeps a minute of them), oldest first */
  exits: readonly ExitEntry[];
  /** the tier's counters, cumulative */
  mapFull: number;
  exitsLost: number;
}

export interface ProcsRow {
  /** the pid (or tid): what the row is */
  id: string;
  pid: number;
  /** the process a thread row belongs to (its own pid for a process row) */
  tgid: number;
  ppid: number;
  user: string;
  /** its cgroup (cgroup2's path where the host has one; '' for an ended process) and its workload */
  cgroup: string;
  workload: string;
  /** R, S, D, Z, T, I…; X for a process that ended */
  state: string;
  threads: number;
  nice: number;
  comm: string;
  cmdline: string;
  kernel: boolean;
  cpu_pct: number | null;
  usr_pct: number | null;
  sys_pct: number | null;
  /** CPU seconds in the interval (user + system) */
  cpu_s: number | null;
  /** user + system, since it started */
  cpu_time_s: number;
  rss_bytes: number;
  /** in the interval; negative when it shrank */
  rss_growth: number | null;
  minflt: number | null;
  majflt: number | null;
  vcsw: number | null;
  nvcsw: number | null;
  read_bytes: number | null;
  write_bytes: number | null;
  /** ns waiting for a CPU in the interval */
  wait_ns: number | null;
  waits: number | null;
  wait_pct: number | null;
  wait_p99_ns: number | null;
  /** wall-clock seconds (epoch) */
  start_s: number;
  exited: boolean;
  /** 'exit 0', 'SIGKILL' */
  exit_status: string | null;
  /** a process that ended: how long it lived */
  lifetime_s: number | null;
  /** an ended process: its peak RSS */
  max_rss_bytes: number | null;
  /** ended in an earlier interval: kept for a while, quiet */
  quiet: boolean;
}

/** Rows listed per interval at most: the busiest (CPU, then waits, RSS); the summary counts them all. */
export const PROCS_MAX_ROWS = 2000;
/** An ended process stays listed for this long (or three intervals, if longer). */
export const EXIT_KEEP_NS = 10e9;

/** The upper bound (ns) of a log2 slot: slot 0 is under 1 µs, slot n under 2^n µs. */
export const slotUpperNs = (slot: number): number => 2 ** slot * 1000;

/** The p-th percentile's slot upper bound over `hist` (counts per slot); null with no count. */
export function histPercentileNs(hist: ArrayLike<number>, p: number): number | null {
  const slot = quantileSlot(hist, p / 100);
  return slot === null ? null : slotUpperNs(slot);
}

function waitsOf(cur: WaitTotals | undefined, prev: WaitTotals | undefined, known: boolean, elapsedNs: number) {
  if (!known) return { wait_ns: null, waits: null, wait_pct: null, wait_p99_ns: null };
  const waitNs = Math.max(0, (cur?.waitNs ?? 0) - (prev?.waitNs ?? 0));
  const waits = Math.max(0, (cur?.waits ?? 0) - (prev?.waits ?? 0));
  let p99: number | null = null;
  if (cur && waits > 0) {
    const d = new Array<number>(PROCS_SLOTS).fill(0);
    for (let i = 0; i < PROCS_SLOTS; i++) d[i] = Math.max(0, (cur.hist[i] ?? 0) - (prev?.hist[i] ?? 0));
    p99 = histPercentileNs(d, 99);
  }
  return { wait_ns: waitNs, waits, wait_pct: elapsedNs > 0 ? (waitNs / elapsedNs) * 100 : null, wait_p99_ns: p99 };
}

const diff = (cur: number, prev: number | undefined): number | null => (prev === undefined || cur < prev ? null : cur - prev);

function liveRow(e: ProcEntry, p: ProcEntry | undefined, s: ProcsSample, prev: ProcsSample | undefined, elapsedNs: number): ProcsRow {
  const st = e.stat;
  const secs = elapsedNs / 1e9;
  // The same process as before (a pid used again starts later), or one that started within the interval.
  const same = p && p.stat.starttime === st.starttime ? p : undefined;
  const born = !same && prev !== undefined && st.starttime / s.hz >= prev.uptimeS;
  const base = same ? same.stat : born ? { utime: 0, stime: 0, minflt: 0, majflt: 0, rss: 0 } : undefined;
  const pct = (ticks: number | null): number | null => (ticks === null || !(secs > 0) ? null : (ticks / s.hz / secs) * 100);
  const usr = base ? diff(st.utime, base.utime) : null;
  const sys = base ? diff(st.stime, base.stime) : null;
  const io = e.io;
  const pio = same?.io ?? (born ? { readBytes: 0, writeBytes: 0, cancelledWriteBytes: 0 } : undefined);
  const pstatus = same?.status ?? (born ? { uid: 0, vcsw: 0, nvcsw: 0 } : undefined);
  const known = s.waits !== null && prev?.waits !== null && prev !== undefined;
  return {
    id: String(e.id),
    pid: e.id,
    tgid: e.tgid,
    ppid: st.ppid,
    user: e.user,
    cgroup: e.cgroup,
    workload: e.workload,
    state: st.state,
    threads: st.threads,
    nice: st.nice,
    comm: e.comm,
    cmdline: e.cmdline,
    kernel: (st.flags & 0x00200000) !== 0,
    cpu_pct: usr === null || sys === null ? null : pct(usr + sys),
    usr_pct: pct(usr),
    sys_pct: pct(sys),
    cpu_s: usr === null || sys === null ? null : (usr + sys) / s.hz,
    cpu_time_s: (st.utime + st.stime) / s.hz,
    rss_bytes: st.rss * s.pageSize,
    rss_growth: base ? (st.rss - base.rss) * s.pageSize : null,
    minflt: base ? diff(st.minflt, base.minflt) : null,
    majflt: base ? diff(st.majflt, base.majflt) : null,
    vcsw: e.status && pstatus ? diff(e.status.vcsw, pstatus.vcsw) : null,
    nvcsw: e.status && pstatus ? diff(e.status.nvcsw, pstatus.nvcsw) : null,
    read_bytes: io && pio ? diff(io.readBytes, pio.readBytes) : null,
    write_bytes: io && pio ? diff(io.writeBytes, pio.writeBytes) : null,
    ...waitsOf(s.waits?.get(e.id), same || born ? prev?.waits?.get(e.id) : undefined, known && (same !== undefined || born), elapsedNs),
    start_s: (s.bootMs + (st.starttime / s.hz) * 1000) / 1000,
    exited: false,
    exit_status: null,
    lifetime_s: null,
    max_rss_bytes: null,
    quiet: false,
  };
}

function exitRow(x: ExitEntry, s: ProcsSample, prev: ProcsSample | undefined, elapsedNs: number): ProcsRow {
  const fresh = x.seq === s.seq;
  const secs = elapsedNs / 1e9;
  // What the previous reading counted of it (its /proc ticks), if it was there: the interval has the rest.
  const before = prev?.entries.get(x.pid);
  const seenBefore = before && before.tgid === x.pid && Math.abs(before.stat.starttime / s.hz - (x.startNs / 1e9 - (s.nowNs / 1e9 - s.uptimeS))) < 1;
  const counted = seenBefore ? ((before.stat.utime + before.stat.stime) / s.hz) * 1e9 : 0;
  const cpuNs = fresh ? Math.max(0, x.cpuNs - counted) : 0;
  const split = x.utimeNs + x.stimeNs;
  const userShare = split > 0 ? x.utimeNs / split : 0;
  const pct = (ns: number): number | null => (secs > 0 ? (ns / 1e9 / secs) * 100 : null);
  const known = fresh && s.waits !== null && prev !== undefined && prev.waits !== null;
  const wait = waitsOf(s.waits?.get(x.pid), seenBefore ? prev?.waits?.get(x.pid) : undefined, known, elapsedNs);
  return {
    id: String(x.pid),
    pid: x.pid,
    tgid: x.pid,
    ppid: x.ppid,
    user: x.user,
    cgroup: seenBefore ? before.cgroup : '',
    workload: seenBefore ? before.workload : '',
    state: 'X',
    threads: 0,
    nice: 0,
    comm: x.comm,
    cmdline: seenBefore ? before.cmdline : '',
    kernel: false,
    cpu_pct: fresh ? pct(cpuNs) : 0,
    usr_pct: fresh ? pct(cpuNs * userShare) : 0,
    sys_pct: fresh ? pct(cpuNs * (1 - userShare)) : 0,
    cpu_s: fresh ? cpuNs / 1e9 : 0,
    cpu_time_s: x.cpuNs / 1e9,
    rss_bytes: 0,
    rss_growth: fresh && seenBefore ? -before.stat.rss * s.pageSize : fresh ? 0 : null,
    minflt: fresh ? Math.max(0, x.minflt - (seenBefore ? before.stat.minflt : 0)) : 0,
    majflt: fresh ? Math.max(0, x.majflt - (seenBefore ? before.stat.majflt : 0)) : 0,
    vcsw: null,
    nvcsw: null,
    read_bytes: null,
    write_bytes: null,
    ...(fresh ? wait : { wait_ns: 0, waits: 0, wait_pct: 0, wait_p99_ns: null }),
    start_s: (s.bootMs + (s.uptimeS * 1e9 - (s.nowNs - x.startNs)) / 1e6) / 1000,
    exited: true,
    exit_status: exitStatusText(x.exitCode),
    lifetime_s: Math.max(0, x.endNs - x.startNs) / 1e9,
    max_rss_bytes: x.maxRssPages * s.pageSize,
    quiet: !fresh,
  };
}

/** Busiest first: CPU, then waiting, then memory; the pid breaks ties (a total order for the selection). */
const busier = (a: ProcsRow, b: ProcsRow): number =>
  (b.cpu_pct ?? -1) - (a.cpu_pct ?? -1) || (b.wait_ns ?? -1) - (a.wait_ns ?? -1) || b.rss_bytes - a.rss_bytes || a.pid - b.pid;

/** Every process (or thread) of this reading, and those that ended recently; no previous reading: no rates yet. */
export function deriveProcs(sample: ProcsSample, previous: ProcsSample | undefined, elapsedNs: number): ProcsRow[] {
  const rows: ProcsRow[] = [];
  const prevEntries = previous && previous.threads === sample.threads ? previous : undefined;
  for (const e of sample.entries.values()) rows.push(liveRow(e, prevEntries?.entries.get(e.id), sample, prevEntries, elapsedNs));
  const keepNs = Math.max(EXIT_KEEP_NS, 3 * elapsedNs);
  for (const x of sample.exits) {
    // A pid already used again is the live process's row.
    if (sample.nowNs - x.endNs > keepNs || sample.entries.has(x.pid)) continue;
    rows.push(exitRow(x, sample, prevEntries, elapsedNs));
  }
  return rows.length > PROCS_MAX_ROWS ? firstK(rows, PROCS_MAX_ROWS, busier) : rows;
}

/** The interval's counts, over every process (not only the rows listed). */
export function procsTotals(sample: ProcsSample): Record<string, number> {
  const states: Record<string, number> = {};
  const tgids = new Set<number>();
  let threads = 0;
  for (const e of sample.entries.values()) {
    states[e.stat.state] = (states[e.stat.state] ?? 0) + 1;
    if (sample.threads) tgids.add(e.tgid);
    else threads += e.stat.threads;
  }
  let exited = 0;
  for (const x of sample.exits) if (x.seq === sample.seq) exited++;
  return {
    processes: sample.threads ? tgids.size : sample.entries.size,
    threads: sample.threads ? sample.entries.size : threads,
    running: states.R ?? 0,
    blocked: states.D ?? 0,
    zombies: states.Z ?? 0,
    exited,
  };
}
