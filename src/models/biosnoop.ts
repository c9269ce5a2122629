/**
 * biosnoop model: the block I/O requests of one interval per (process, disk, operation), and the recent requests as
 * events. Pure: the reader decodes and keeps the scrollback; derive aggregates a sample.
 */
import type { Row } from '../rows.js';

/** One request, as the recent-events view lists it. */
export interface IoEvent extends Row {
  seq: number;
  time_ms: number;
  pid: number;
  comm: string;
  disk: string;
  op: string;
  sector: number;
  bytes: number;
  /** issue → completion */
  lat_ns: number;
  /** the block layer's status: 0, or an error */
  error: number;
  cgroup: string;
  workload: string;
}

export interface BiosnoopSample {
  ios: readonly IoEvent[];
  /** the last requests, oldest first (the scrollback) */
  recent: readonly IoEvent[];
  ringFull: number;
  mapFull: number;
  rateDropped: number;
  /** requests whose completion no program saw, cumulative */
  unseen: number;
}

export interface BiosnoopRow extends Row {
  pid: number;
  comm: string;
  disk: string;
  op: string;
  ios: number;
  bytes: number;
  lat_avg_ns: number;
  lat_max_ns: number;
  errors: number;
  cgroup: string;
  workload: string;
}

/** One row per (pid, disk, op) with a request completed in the interval. */
export function deriveBiosnoop(sample: BiosnoopSample, previous: BiosnoopSample | undefined, _elapsedNs: number): BiosnoopRow[] {
  if (!previous) return [];
  const rows = new Map<string, BiosnoopRow & { latSum: number }>();
  for (const e of sample.ios) {
    const k = `${e.pid}\u0000${e.disk}\u0000${e.op}`;
    let r = rows.get(k);
    if (!r) {
      r = {
        id: `${e.pid}/${e.disk}/${e.op}`,
        pid: e.pid,
        comm: e.comm,
        disk: e.disk,
        op: e.op,
        ios: 0,
        bytes: 0,
        lat_avg_ns: 0,
        lat_max_ns: 0,
        errors: 0,
        cgroup: e.cgroup,
        workload: e.workload,
        latSum: 0,
      };
      rows.set(k, r);
    }
    r.ios++;
    r.bytes += e.bytes;
    r.latSum += e.lat_ns;
    r.lat_max_ns = Math.max(r.lat_max_ns, e.lat_ns);
    if (e.error !== 0) r.errors++;
  }
  return [...rows.values()].map(({ latSum, ...r }) => ({ ...r, lat_avg_ns: latSum / r.ios }));
}
