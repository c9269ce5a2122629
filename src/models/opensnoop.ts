/**
 * opensnoop model: the opens of one interval per (process, path, result), and the recent opens as events. Pure: the
 * reader resolves relative paths and keeps the scrollback; derive aggregates a sample.
 */
import type { Row } from '../rows.js';
import { firstK } from './select.js';

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
  const all = [...rows.values()].map(({ callSum, ...r }) => ({ ...r, call_avg_ns: callSum / r.opens }));
  return all.length > OPENSNOOP_MAX_ROWS ? foldRest(all) : all;
}

/**
 * Rows listed per interval at most. A fork storm opens a few files in each of thousands of new processes: 70,000 rows
 * an interval here, 200 MB of sixty's memory. Beyond the busiest, rows are summed per process name and result.
 */
export const OPENSNOOP_MAX_ROWS = 2000;
/** Process names the rest is summed under, at most; beyond them, one row for every other process. */
const REST_NAMES = 200;

/**
 * The busiest OPENSNOOP_MAX_ROWS rows (by opens), and the rest summed per (process name, result) into a row whose path
 * says how many files it holds: every open is still counted under its process name (the summary and /metrics sum the
 * rows by name).
 */
function foldRest(all: OpensnoopRow[]): OpensnoopRow[] {
  const busier = (a: OpensnoopRow, b: OpensnoopRow): number => b.opens - a.opens || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const kept = firstK(all, OPENSNOOP_MAX_ROWS, busier);
  const keep = new Set(kept);
  const rest = new Map<string, OpensnoopRow & { files: number; callSum: number }>();
  for (const r of all) {
    if (keep.has(r)) continue;
    const named = rest.size < REST_NAMES || rest.has(`${r.comm}\u0000${r.error}`);
    const comm = named ? r.comm : '(other processes)';
    const k = `${comm}\u0000${r.error}`;
    let g = rest.get(k);
    if (!g) {
      g = { ...r, id: `rest:${r.error}:${comm}`, pid: 0, comm, path: '', relative: false, opens: 0, fd: null, files: 0, callSum: 0, cgroup: '', workload: '' };
      rest.set(k, g);
    }
    g.opens += r.opens;
    g.callSum += r.call_avg_ns * r.opens;
    g.files++;
  }
  for (const { files, callSum, ...g } of rest.values())
    kept.push({ ...g, path: `(${files} more files of less-busy processes)`, call_avg_ns: callSum / g.opens });
  return kept;
}
