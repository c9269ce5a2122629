/**
 * fsslower model: file system operations (reads, writes, opens, fsyncs on ext4, xfs and btrfs) as latency
 * distributions per (file system, operation), as the seed's ext4dist, with an all row pinned on top (its heat map over
 * the last intervals); and the operations slower than the threshold, one by one, as ext4slower lists them. Pure: the
 * reader decodes the ring and the histograms (cumulative in the kernel); derive makes the interval's rows.
 */
import type { Row } from '../rows.js';
import type { FsName, FsOp, FsHist } from '../records/fsslower.js';
import { histQuantile } from './biotop.js';
import { histModes, slotTop } from './biolatency.js';
import { addCounts, sumCounts, lastCounted } from './delta.js';

/** One operation slower than the threshold, as the recent-events view lists it. */
export interface SlowOp extends Row {
  seq: number;
  time_ms: number;
  pid: number;
  tid: number;
  comm: string;
  op: FsOp;
  fs: FsName;
  /** major:minor of the file system's device */
  dev: string;
  /** its directory's name, then its own (the dentry's two last components) */
  file: string;
  ino: number;
  offset: number;
  /** bytes read or written; the fd an open returned; 0 for fsync; −errno for a failure */
  ret: number;
  lat_ns: number;
  cgroup: string;
  workload: string;
}

export interface FsslowerSample {
  /** cumulative since the programs were loaded, per (fs, op) that has counted anything */
  hists: readonly FsHist[];
  /** the operations over the threshold in the interval */
  slow: readonly SlowOp[];
  recent: readonly SlowOp[];
  /** the last intervals' histograms over every fs and op, oldest first (the heat map) */
  heat: readonly (readonly number[])[];
  /** the threshold in force (ns) */
  thresholdNs: number;
  ringFull: number;
  mapFull: number;
  rateDropped: number;
}

export interface FsslowerRow extends Row {
  /** 'all' on the row over every file system and operation */
  fs: string;
  op: string;
  ops: number;
  /** of them over the threshold (listed one by one: v) */
  slow: number;
  avg_ns: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  max_ns: number | null;
  hist: readonly number[];
  modes: readonly number[];
  /** the slowest operations of the interval for this row: "comm file lat" */
  slowest: readonly SlowOp[];
  heat?: readonly (readonly number[])[];
}

/** The interval's counts and sum per slot: the cumulative ones less the previous reading's. */
function since(cur: FsHist, prev: FsHist | undefined): { counts: number[]; sum: number } {
  let sum = 0;
  const counts = new Array<number>(cur.counts.length);
  for (let i = 0; i < cur.counts.length; i++) {
    const c = cur.counts[i]!;
    const back = prev !== undefined && c >= prev.counts[i]!;
    sum += cur.sums[i]! - (back ? prev.sums[i]! : 0);
    counts[i] = c - (back ? prev.counts[i]! : 0);
  }
  return { counts, sum };
}

const SLOWEST = 5;

function row(id: string, fs: string, op: string, parts: readonly { counts: readonly number[]; sum: number }[], slow: readonly SlowOp[]): FsslowerRow {
  const hist = new Array<number>(Math.max(0, ...parts.map((p) => p.counts.length))).fill(0);
  let sum = 0;
  for (const p of parts) {
    addCounts(hist, p.counts);
    sum += p.sum;
  }
  const ops = sumCounts(hist);
  const top = lastCounted(hist);
  const modes = histModes(hist);
  return {
    id,
    fs,
    op,
    ops,
    slow: slow.length,
    avg_ns: ops > 0 ? sum / ops : null,
    p50_ns: histQuantile(hist, 0.5),
    p99_ns: histQuantile(hist, 0.99),
    max_ns: top < 0 ? null : slotTop(top),
    hist,
    modes: modes.length > 1 ? modes : [],
    slowest: [...slow].sort((a, b) => b.lat_ns - a.lat_ns).slice(0, SLOWEST),
  };
}

/** One row per (fs, op) with operations in the interval, and the all row first. No previous reading: no rows. */
export function deriveFsslower(sample: FsslowerSample, previous: FsslowerSample | undefined, _elapsedNs: number): FsslowerRow[] {
  if (!previous) return [];
  const before = new Map(previous.hists.map((h) => [`${h.fs}/${h.op}`, h]));
  const parts = sample.hists.map((h) => ({ h, d: since(h, before.get(`${h.fs}/${h.op}`)) }));
  // Loops, not arrows made per call (models/delta.ts, addCounts).
  const rows: FsslowerRow[] = [];
  for (const { h, d } of parts) {
    if (lastCounted(d.counts) < 0) continue;
    const slow: SlowOp[] = [];
    for (const s of sample.slow) if (s.fs === h.fs && s.op === h.op) slow.push(s);
    rows.push(row(`${h.fs}/${h.op}`, h.fs, h.op, [d], slow));
  }
  return [
    {
      ...row(
        'all',
        'all',
        'all',
        parts.map((p) => p.d),
        sample.slow,
      ),
      heat: sample.heat.map((h) => [...h]),
    },
    ...rows,
  ];
}
