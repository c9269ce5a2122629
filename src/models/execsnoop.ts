/**
 * execsnoop model: the execs of one interval by (parent, command), and the recent execs as events, each with its
 * result and, once it ended, its exit status and lifetime. Pure: the reader joins exits to their execs and keeps the
 * scrollback; derive aggregates a sample.
 */
import type { Row } from '../rows.js';

/** One exec, as the recent-events view lists it (and, once its process ended, how). */
export interface ExecEvent extends Row {
  /** its order among the events sixty received (increasing) */
  seq: number;
  /** wall-clock time of the exec (ms since the epoch) */
  time_ms: number;
  pid: number;
  ppid: number;
  uid: number;
  /** the process's name after the exec (before it, for a failed one) */
  comm: string;
  /** its parent's name */
  pcomm: string;
  /** the file it asked to run */
  filename: string;
  /** argv, each argument escaped and quoted where it has spaces or is empty, joined by spaces */
  args: string;
  argc: number;
  /** argv had more than the kernel side keeps (32 arguments, 256 bytes each, 1 KiB in all) */
  truncated: boolean;
  /** a failed exec whose file name or argv could not be read from the caller's memory (not mapped in yet) */
  unread: boolean;
  /** 0, or -errno; null where the tier sees successes only */
  ret: number | null;
  /** the errno's name, for a failed exec ('' otherwise) */
  error: string;
  /**
   * a step of a PATH search that then found the command: an ENOENT of dir/name by a process that ran another dir's
   * name in the same interval (execvp, a shell). Listed, but neither an exec nor a failure in the counts.
   */
  searched: boolean;
  /** the exec system call's time (ns), where the tier sees the call */
  call_ns: number | null;
  /** its status as wait(2) gives it, once it ended (null: still running, or it ended unseen) */
  exit_status: number | null;
  /** 'exit 0', 'exit 2', 'SIGKILL', 'SIGSEGV (core)'; '' while it runs */
  exit: string;
  /** from its exec to its exit (ns) */
  life_ns: number | null;
  cgroup: string;
  workload: string;
}

/** A process that ended in the interval, under its exec's names where the exec was seen. */
export interface ExitSeen {
  ppid: number;
  pcomm: string;
  comm: string;
  uid: number;
  status: number;
  lifeNs: number;
  cgroup: string;
  workload: string;
}

export interface ExecsnoopSample {
  /** the interval's execs, as they stand at the read (an exit in the same interval is in them) */
  execs: readonly ExecEvent[];
  exits: readonly ExitSeen[];
  /** the last execs, oldest first (the scrollback) */
  recent: readonly ExecEvent[];
  /** cumulative since load: events the ring buffer had no room for; execs not followed (no room in a map); events over the rate sixty takes in */
  ringFull: number;
  mapFull: number;
  rateDropped: number;
}

/** The execs of one (parent, command) in the interval. */
export interface ExecsnoopRow extends Row {
  ppid: number;
  pcomm: string;
  comm: string;
  uid: number;
  execs: number;
  /** of those, failed (the result is known) */
  failed: number;
  /** processes of this (parent, command) that ended in the interval, and those with a non-zero status */
  exits: number;
  exit_errors: number;
  /** their mean lifetime */
  life_avg_ns: number | null;
  /** the last exec's argv and, if it failed, its error */
  last_args: string;
  last_error: string;
  /** its latest exec's pid */
  pid: number;
  cgroup: string;
  workload: string;
}

const baseName = (f: string): string => f.slice(f.lastIndexOf('/') + 1);

/**
 * Marks the steps of PATH searches among an interval's execs: a process's ENOENT on dir/name, when it ran a file of
 * the same name in the interval (execvp tries each directory of PATH in turn, and all but the last fail). Returns
 * the events, marked (new objects where marked).
 */
export function markPathSearches(execs: readonly ExecEvent[]): ExecEvent[] {
  const found = new Map<number, Set<string>>();
  for (const e of execs) if (e.ret === 0) (found.get(e.pid) ?? found.set(e.pid, new Set()).get(e.pid)!).add(baseName(e.filename));
  return execs.map((e) =>
    e.ret === -2 && e.filename.includes('/') && found.get(e.pid)?.has(baseName(e.filename)) ? { ...e, searched: true, error: 'ENOENT (PATH search)' } : e,
  );
}

/** A wait(2) status in words. */
export function exitText(status: number, signalName: (n: number) => string): string {
  const sig = status & 0x7f;
  if (sig === 0) return `exit ${(status >> 8) & 0xff}`;
  return `${signalName(sig)}${status & 0x80 ? ' (core)' : ''}`;
}

/** argv as a shell would read it back: arguments with spaces (or empty) in single quotes. */
export function argvText(argv: readonly string[]): string {
  return argv.map((a) => (a === '' || /[\s'"]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
}

const keyOf = (r: { ppid: number; pcomm: string; comm: string }): string => `${r.ppid}\u0000${r.pcomm}\u0000${r.comm}`;

/** The interval's rows: one per (parent pid, parent name, command) with an exec or an exit in it. */
export function deriveExecsnoop(sample: ExecsnoopSample, previous: ExecsnoopSample | undefined, _elapsedNs: number): ExecsnoopRow[] {
  if (!previous) return [];
  const rows = new Map<string, ExecsnoopRow & { lifeSum: number }>();
  const rowOf = (r: { ppid: number; pcomm: string; comm: string; uid: number; cgroup: string; workload: string }) => {
    const k = keyOf(r);
    let row = rows.get(k);
    if (!row) {
      row = {
        id: `${r.ppid}/${r.pcomm}/${r.comm}`,
        ppid: r.ppid,
        pcomm: r.pcomm,
        comm: r.comm,
        uid: r.uid,
        execs: 0,
        failed: 0,
        exits: 0,
        exit_errors: 0,
        life_avg_ns: null,
        last_args: '',
        last_error: '',
        pid: 0,
        cgroup: r.cgroup,
        workload: r.workload,
        lifeSum: 0,
      };
      rows.set(k, row);
    }
    return row;
  };
  for (const e of sample.execs) {
    if (e.searched) continue;
    const row = rowOf(e);
    row.execs++;
    if (e.ret !== null && e.ret !== 0) row.failed++;
    row.last_args = e.args;
    row.last_error = e.error;
    row.pid = e.pid;
  }
  for (const x of sample.exits) {
    const row = rowOf(x);
    row.exits++;
    if (x.status !== 0) row.exit_errors++;
    row.lifeSum += x.lifeNs;
  }
  return [...rows.values()].map(({ lifeSum, ...r }) => ({ ...r, life_avg_ns: r.exits > 0 ? lifeSum / r.exits : null }));
}
