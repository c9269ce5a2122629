/**
 * biolatency model: block I/O latency per (disk, operation) over the interval, as the seed's biolatency -D: a log2
 * histogram, its p50, p99 and longest slot, the exact mean (issue → completion), await (start → completion, as iostat),
 * and the distribution's modes; one row over every disk pinned on top, with the heat map of the last intervals. Pure:
 * the reader merges biotop's rows (the same hooks: biolatency costs the kernel nothing more) and keeps the heat map.
 */
import type { Row } from '../rows.js';
import { histQuantile } from './biotop.js';
import { addCounts, sumCounts, lastCounted } from './delta.js';

/** One (disk, op) of biotop's interval, merged over its processes. */
export interface LatencyGroup {
  disk: string;
  op: string;
  /** requests completed */
  io: number;
  bytes: number;
  /** the log2 histogram of issue → completion (slot i: 2^i to 2^(i+1) − 1 ns) of the requests whose completion a hook saw */
  hist: readonly number[];
  /** their total latency (ns), and the start → completion total of every request (ns) */
  latSumNs: number;
  awaitSumNs: number;
}

export interface BiolatencySample {
  /** biotop's state: the panel these rows come from is not reading (why), or null when it is */
  off: string | null;
  groups: readonly LatencyGroup[];
  /** the last intervals' histograms over every disk, oldest first (the reader keeps them: the heat map) */
  recent: readonly (readonly number[])[];
}

export interface BiolatencyRow extends Row {
  /** 'all' on the row over every disk and operation */
  disk: string;
  op: string;
  io: number;
  bytes: number;
  avg_ns: number | null;
  await_ns: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  /** the upper bound of the longest request's slot */
  max_ns: number | null;
  hist: readonly number[];
  /** the histogram's modes (slots), where it has more than one far apart */
  modes: readonly number[];
  /** the all row: the last intervals' histograms, oldest first */
  heat?: readonly (readonly number[])[];
}

/** The upper bound (ns) of slot i. */
export const slotTop = (i: number): number => 2 ** (i + 1) - 1;

/** Peaks of at least a tenth of the largest, apart from the next by a valley under half of the smaller of the two. */
export function histModes(hist: readonly number[]): number[] {
  const max = Math.max(0, ...hist);
  if (max === 0) return [];
  const peaks: number[] = [];
  for (let i = 0; i < hist.length; i++) {
    const c = hist[i] ?? 0;
    if (c < max / 10 || c < (hist[i - 1] ?? 0) || c < (hist[i + 1] ?? 0)) continue;
    const last = peaks[peaks.length - 1];
    if (last !== undefined) {
      const valley = Math.min(...hist.slice(last + 1, i));
      if (i - last < 2 || valley >= Math.min(hist[last]!, c) / 2) {
        if (c > hist[last]!) peaks[peaks.length - 1] = i;
        continue;
      }
    }
    peaks.push(i);
  }
  return peaks;
}

function row(id: string, disk: string, op: string, groups: readonly LatencyGroup[]): BiolatencyRow {
  const slots = Math.max(0, ...groups.map((g) => g.hist.length));
  const hist = new Array<number>(slots).fill(0);
  let io = 0;
  let bytes = 0;
  let lat = 0;
  let aw = 0;
  for (const g of groups) {
    addCounts(hist, g.hist);
    io += g.io;
    bytes += g.bytes;
    lat += g.latSumNs;
    aw += g.awaitSumNs;
  }
  const timed = sumCounts(hist);
  const top = lastCounted(hist);
  const modes = histModes(hist);
  return {
    id,
    disk,
    op,
    io,
    bytes,
    avg_ns: timed > 0 ? lat / timed : null,
    await_ns: io > 0 ? aw / io : null,
    p50_ns: histQuantile(hist, 0.5),
    p99_ns: histQuantile(hist, 0.99),
    max_ns: top < 0 ? null : slotTop(top),
    hist,
    modes: modes.length > 1 ? modes : [],
  };
}

/** One row per (disk, op) with requests in the interval, and the all row first. No previous reading: no rows. */
export function deriveBiolatency(sample: BiolatencySample, previous: BiolatencySample | undefined, _elapsedNs: number): BiolatencyRow[] {
  if (!previous || sample.off !== null) return [];
  const rows = sample.groups.filter((g) => g.io > 0).map((g) => row(`${g.disk}/${g.op}`, g.disk, g.op, [g]));
  return [{ ...row('all', 'all', 'all', sample.groups), heat: sample.recent.map((h) => [...h]) }, ...rows];
}

/** biotop's rows of one interval merged per (disk, op): what the reader does with each reading. */
export function groupBiotopRows(rows: readonly Row[]): LatencyGroup[] {
  const out = new Map<string, LatencyGroup & { hist: number[] }>();
  for (const r of rows as unknown as readonly Record<string, unknown>[]) {
    const hist = Array.isArray(r.lat_hist) ? (r.lat_hist as number[]) : [];
    const disk = String(r.disk ?? '');
    const op = String(r.op ?? '');
    const k = `${disk}\u0000${op}`;
    let g = out.get(k);
    if (!g) out.set(k, (g = { disk, op, io: 0, bytes: 0, hist: [], latSumNs: 0, awaitSumNs: 0 }));
    const io = typeof r.io === 'number' ? r.io : 0;
    const timed = sumCounts(hist);
    addCounts(g.hist, hist);
    g.io += io;
    g.bytes += typeof r.bytes === 'number' ? r.bytes : 0;
    g.latSumNs += typeof r.avg_lat_ns === 'number' ? r.avg_lat_ns * timed : 0;
    g.awaitSumNs += typeof r.await_ns === 'number' ? r.await_ns * io : 0;
  }
  return [...out.values()];
}
