/**
 * opensnoop model: the opens of one interval per (process, path, result), and the recent opens as events. Pure: the
 * reader resolves relative paths and keeps the scrollback; derive aggregates a sample.
 */
import type { Row } from '../rows.js';

/** One open, as the recent-events view lists it. */
export interface OpenEvent extends Row {
  seq: number;
  time_ms: number;
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  /** open, openat, openat2 or creat */
  call: string;
  /** the path, made absolute where it was relative and the process's directory could be read */
  path: string;
  /** relative, and its directory could not be read (the process had ended): shown as the caller gave it */
  relative: boolean;
  /** the path filled the kernel side's 512 bytes: cut */
  cut: boolean;
  flags: number;
  flags_text: string;
  mode: number;
  /** the fd, or -errno */
  ret: number;
  /** the errno's name, for a failed open ('' otherwise) */
  error: string;
  call_ns: number;
  cgroup: string;
  workload: string;
}

export interface OpensnoopSample {
  /** the interval's opens */
  opens: readonly OpenEvent[];
  /** the last opens, oldest first (the scrollback) */
  recent: readonly OpenEvent[];
  /** cumulative since load: events the ring had no room for; opens not followed (no room in a map); events over the rate sixty takes in */
  ringFull: number;
  mapFull: number;
  rateDropped: number;
}

/** The opens of one (process, path, result) in the interval: a path's failures are counted per error. */
export interface OpensnoopRow extends Row {
  pid: number;
  comm: string;
  path: string;
  /** relative, its directory not read (as the event's) */
  relative: boolean;
  /** '' for opens that succeeded, else the errno's name */
  error: string;
  opens: number;
  /** the mean time of the calls */
  call_avg_ns: number;
  /** the last fd given (opens that succeeded) */
  fd: number | null;
  flags_text: string;
  uid: number;
  cgroup: string;
  workload: string;
}

/** One row per (pid, path, error) with an open in the interval. */
export function deriveOpensnoop(sample: OpensnoopSample, previous: OpensnoopSample | undefined, _elapsedNs: number): OpensnoopRow[] {
  if (!previous) return [];
  const rows = new Map<string, OpensnoopRow & { callSum: number }>();
  for (const e of sample.opens) {
    const k = `${e.pid}\u0000${e.path}\u0000${e.error}`;
    let r = rows.get(k);
    if (!r) {
      r = {
        id: `${e.pid}:${e.error}:${e.path}`,
        pid: e.pid,
        comm: e.comm,
        path: e.path,
        relative: e.relative,
        error: e.error,
        opens: 0,
        call_avg_ns: 0,
        fd: null,
        flags_text: e.flags_text,
        uid: e.uid,
        cgroup: e.cgroup,
        workload: e.workload,
        callSum: 0,
      };
      rows.set(k, r);
    }
    r.opens++;
    r.callSum += e.call_ns;
    r.comm = e.comm;
    r.flags_text = e.flags_text;
    if (e.ret >= 0) r.fd = e.ret;
  }
  return [...rows.values()].map(({ callSum, ...r }) => ({ ...r, call_avg_ns: callSum / r.opens }));
}
