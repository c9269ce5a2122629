/**
 * biotop model: per (process, disk, operation) in the interval: requests, bytes, average and p99 latency (from the
 * row's log2 histogram). Pure. Cumulative kernel counters; an entry created again since the previous read (another
 * `created`) counts whole.
 */
import { BIOTOP_HIST_SLOTS, devMajor, devMinor, type BiotopOp, type BiotopRecord } from '../records/biotop.js';
import { perSecond, quantileSlot, since } from './delta.js';

export interface BiotopEntry extends BiotopRecord {
  /** `p<pid>-<major>:<minor>-<op>`: what the row is, nothing secret */
  id: string;
  /** the submitter's cgroup (its path, '' when unknown) and workload, from cgid */
  cgroup: string;
  workload: string;
}

export interface BiotopSample {
  rows: ReadonlyMap<string, BiotopEntry>;
  /** requests that completed with no program seeing it, counted (without latency) when found, cumulative */
  unseen: number;
  /** issued requests biotop holds in flight now */
  inFlight: number;
  /** completions with no issue seen, cumulative */
  unmatched: number;
  /** completions not counted for want of a row, cumulative */
  mapFull: number;
  entries: number;
  capacity: number;
}

export interface BiotopRow {
  id: string;
  pid: number;
  comm: string;
  /** the submitter's cgroup (taken with its comm when the request started) and its workload; '' when none was seen */
  cgroup: string;
  workload: string;
  op: BiotopOp;
  major: number;
  minor: number;
  disk: string;
  io: number;
  bytes: number;
  /** issue → completion */
  avg_lat_ns: number | null;
  /** the request's start → completion (queued time included), as /proc/diskstats and iostat's await count it */
  await_ns: number | null;
  /** the upper edge of the log2 bucket that holds the 99th percentile (within a factor of two) */
  p99_lat_ns: number | null;
  io_per_s: number | null;
  bytes_per_s: number | null;
  /** the interval's latency histogram: slot i counts requests of 2^i to 2^(i+1) − 1 ns */
  lat_hist: readonly number[];
}

/** The upper edge (ns) of the bucket holding quantile q of a log2 histogram; null when it is empty. */
export function histQuantile(hist: ArrayLike<number>, q: number): number | null {
  const slot = quantileSlot(hist, q);
  return slot === null ? null : 2 ** (slot + 1) - 1;
}

export function deriveBiotop(sample: BiotopSample, previous: BiotopSample | undefined, elapsedNs: number): BiotopRow[] {
  const rows: BiotopRow[] = [];
  for (const cur of sample.rows.values()) {
    const p = previous?.rows.get(cur.id);
    const same = p !== undefined && p.created === cur.created && cur.io >= p.io;
    const io = same ? cur.io - p.io : cur.io;
    if (io === 0) continue;
    const bytes = same ? cur.bytes - p.bytes : cur.bytes;
    const latIo = same ? cur.latIo - p.latIo : cur.latIo;
    const lat = same ? cur.latNs - p.latNs : cur.latNs;
    const waited = same ? cur.awaitNs - p.awaitNs : cur.awaitNs;
    const waitedIo = same ? cur.awaitIo - p.awaitIo : cur.awaitIo;
    const hist = new Array<number>(BIOTOP_HIST_SLOTS);
    for (let s = 0; s < BIOTOP_HIST_SLOTS; s++) hist[s] = same ? cur.hist[s]! - p.hist[s]! : cur.hist[s]!;
    rows.push({
      id: cur.id,
      pid: cur.pid,
      comm: cur.comm,
      cgroup: cur.cgroup,
      workload: cur.workload,
      op: cur.op,
      major: devMajor(cur.dev),
      minor: devMinor(cur.dev),
      disk: cur.disk,
      io,
      bytes,
      // Over the requests whose completion was seen (an unseen one has bytes but no latency).
      avg_lat_ns: latIo > 0 ? lat / latIo : null,
      await_ns: waitedIo > 0 ? waited / waitedIo : null,
      p99_lat_ns: histQuantile(hist, 0.99),
      io_per_s: perSecond(io, elapsedNs),
      bytes_per_s: perSecond(bytes, elapsedNs),
      lat_hist: Object.freeze(hist),
    });
  }
  return rows;
}

export function biotopStats(sample: BiotopSample, previous: BiotopSample | undefined): Record<string, number> {
  return {
    unseen_completions: since(sample.unseen, previous?.unseen),
    unseen_completions_total: sample.unseen,
    in_flight: sample.inFlight,
    unmatched_completions: since(sample.unmatched, previous?.unmatched),
    unmatched_completions_total: sample.unmatched,
    map_full_drops: since(sample.mapFull, previous?.mapFull),
    map_full_drops_total: sample.mapFull,
    entries: sample.entries,
    capacity: sample.capacity,
  };
}
