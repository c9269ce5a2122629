/**
 * tcptop model: bytes per connection per interval, from cumulative per-entry counters. Pure. A connection that goes
 * quiet stays listed (0 B/s, marked quiet) for a while, so a stalled sender is the row a user can find, not a gap.
 */
import type { ProcessTotals } from '../rows.js';
import type { TcptopNames } from '../records/tcptop.js';
import { delta, perSecond, since } from './delta.js';

/**
 * Every connection sixty knows at one read, column by column (typed arrays: at 20k connections a sample must not be
 * 20k objects). Index i is a slot: a connection keeps its slot for as long as sixty knows it, so the same slot in the
 * previous sample is the same connection when it has the same id. Free slots have an empty id.
 */
export interface TcptopSample {
  /** opaque, stable while sixty knows the connection (the reader numbers entries as it first sees them); '' = free */
  ids: readonly string[];
  names: readonly TcptopNames[];
  /** cumulative counts since `created` (the kernel's creation time: another value is a new entry) */
  rx: Float64Array;
  tx: Float64Array;
  created: Float64Array;
  /** monotonic ns when its counters last moved */
  lastActiveNs: Float64Array;
  /** monotonic ns of this read */
  nowNs: number;
  /** events dropped because no entry could be created in the kernel map, cumulative */
  mapFull: number;
  /** entries the kernel's LRU evicted, cumulative */
  evicted: number;
  /** the tier keeps each socket's counts in socket storage: an evicted entry comes back with them, nothing lost */
  countsKept: boolean;
  /** entries in the kernel map and its capacity */
  entries: number;
  capacity: number;
}

/** A row names its connection as the record does, and carries the interval's bytes and rates. */
export interface TcptopRow extends TcptopNames {
  id: string;
  rx_bytes: number | null;
  tx_bytes: number | null;
  rx_per_s: number | null;
  tx_per_s: number | null;
  /** ns since its counters last moved: 0 for a connection that moved bytes in this interval */
  quiet_ns: number;
}

/** A quiet connection stays listed for this long (or three intervals, if longer) after its last byte. */
export const QUIET_KEEP_NS = 10e9;

/**
 * At most this many rows per interval, the biggest talkers (by bytes in the interval; a quiet one by all it moved): at tens of thousands of
 * connections, building, sorting and drawing a row for each one that moved a byte is most of the cost, and nobody
 * reads them. The totals (stats) cover every connection, listed or not.
 */
export const MAX_ROWS = 2000;

/** Each slot's bytes in the interval (NaN: unknown, its counter went backwards) and how long it has been quiet. */
interface Interval {
  rx: Float64Array;
  tx: Float64Array;
  quiet: Float64Array;
  /**
   * What ranks a slot for a place in the list: its bytes in the interval, or, gone quiet, all it moved since it was
   * created: a stalled transfer is the row a user looks for, and a crowd of small talkers must not push it out.
   */
  rank: Float64Array;
  /** the slots that get a row: moved bytes, or went quiet recently */
  live: Uint32Array;
}

/**
 * The last interval computed: derive and stats ask for the same (sample, previous) back to back. One entry only: a
 * cache keyed by sample that held its previous would chain every sample ever read.
 */
let last: { sample: TcptopSample; previous: TcptopSample | undefined; value: Interval } | undefined;

function interval(s: TcptopSample, p: TcptopSample | undefined): Interval {
  if (last && last.sample === s && last.previous === p) return last.value;
  const n = s.ids.length;
  const rx = new Float64Array(n);
  const tx = new Float64Array(n);
  const quiet = new Float64Array(n);
  const rank = new Float64Array(n);
  const live: number[] = [];
  const keep = Math.max(QUIET_KEEP_NS, 3 * (p ? s.nowNs - p.nowNs : 0));
  for (let i = 0; i < n; i++) {
    const id = s.ids[i]!;
    if (id === '') continue;
    const known = p !== undefined && i < p.ids.length && p.ids[i] === id;
    // Created again since (another `created`), or new: all its bytes are this interval's.
    const same = known && p.created[i] === s.created[i];
    rx[i] = same ? (delta(s.rx[i]!, p.rx[i]!) ?? NaN) : s.rx[i]!;
    tx[i] = same ? (delta(s.tx[i]!, p.tx[i]!) ?? NaN) : s.tx[i]!;
    quiet[i] = rx[i] === 0 && tx[i] === 0 ? s.nowNs - s.lastActiveNs[i]! : 0;
    if (quiet[i]! > 0 && (quiet[i]! >= keep || !known)) continue;
    rank[i] = quiet[i]! > 0 ? s.rx[i]! + s.tx[i]! : (rx[i]! || 0) + (tx[i]! || 0);
    live.push(i);
  }
  const value = { rx, tx, quiet, rank, live: Uint32Array.from(live) };
  last = { sample: s, previous: p, value };
  return value;
}

/** The `k` slots of `live` ranked highest (see Interval.rank), in a stable order: a selection in linear time, not a sort. */
function biggest(iv: Interval, k: number): Uint32Array {
  const { live } = iv;
  if (live.length <= k) return live;
  const v = Float64Array.from(live, (i) => iv.rank[i]!);
  // The k-th largest total (quickselect on a copy), then every slot above it and enough of those equal to it.
  const a = Float64Array.from(v);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  const threshold = a[target]!;
  let ties = 0;
  for (let x = 0; x < k; x++) if (a[x] === threshold) ties++;
  const out = new Uint32Array(k);
  let o = 0;
  for (let x = 0; x < live.length && o < k; x++) {
    if (v[x]! > threshold) out[o++] = live[x]!;
    else if (v[x] === threshold && ties > 0) {
      out[o++] = live[x]!;
      ties--;
    }
  }
  return out;
}

/**
 * One row per connection that moved bytes in this interval, or went quiet recently: the biggest MAX_ROWS of them.
 * An entry absent from `previous`, or created again since, counts all its bytes as this interval's. A counter that
 * went backwards gives null, never a negative.
 */
export function deriveTcptop(sample: TcptopSample, previous: TcptopSample | undefined, elapsedNs: number): TcptopRow[] {
  const iv = interval(sample, previous);
  const slots = biggest(iv, MAX_ROWS);
  const rows: TcptopRow[] = new Array(slots.length);
  for (let r = 0; r < slots.length; r++) {
    const i = slots[r]!;
    const n = sample.names[i]!;
    const rx = Number.isNaN(iv.rx[i]) ? null : iv.rx[i]!;
    const tx = Number.isNaN(iv.tx[i]) ? null : iv.tx[i]!;
    rows[r] = {
      id: sample.ids[i]!,
      pid: n.pid,
      comm: n.comm,
      family: n.family,
      laddr: n.laddr,
      lport: n.lport,
      raddr: n.raddr,
      rport: n.rport,
      cgroup: n.cgroup,
      workload: n.workload,
      rx_bytes: rx,
      tx_bytes: tx,
      rx_per_s: perSecond(rx, elapsedNs),
      tx_per_s: perSecond(tx, elapsedNs),
      quiet_ns: iv.quiet[i]!,
    };
  }
  return rows;
}

/** The interval's bytes by process name over every connection, listed as a row or not (per-process metrics). */
export function tcptopByProcess(sample: TcptopSample, previous: TcptopSample | undefined): ProcessTotals[] {
  const iv = interval(sample, previous);
  const by = new Map<string, { rx_bytes: number; tx_bytes: number }>();
  for (const i of iv.live) {
    const rx = iv.rx[i]! || 0;
    const tx = iv.tx[i]! || 0;
    if (rx === 0 && tx === 0) continue;
    const comm = sample.names[i]!.comm;
    const t = by.get(comm);
    if (t) {
      t.rx_bytes += rx;
      t.tx_bytes += tx;
    } else by.set(comm, { rx_bytes: rx, tx_bytes: tx });
  }
  return [...by].map(([comm, values]) => ({ comm, values }));
}

/** Counters, and the interval's totals over every connection (listed as a row or not). */
export function tcptopStats(sample: TcptopSample, previous: TcptopSample | undefined): Record<string, number> {
  const iv = interval(sample, previous);
  let rx = 0;
  let tx = 0;
  let quiet = 0;
  for (const i of iv.live) {
    rx += iv.rx[i]! || 0;
    tx += iv.tx[i]! || 0;
    if (iv.quiet[i]! > 0) quiet++;
  }
  const elapsed = previous ? sample.nowNs - previous.nowNs : 0;
  return {
    map_full_drops: since(sample.mapFull, previous?.mapFull),
    map_full_drops_total: sample.mapFull,
    lru_evicted: since(sample.evicted, previous?.evicted),
    lru_evicted_total: sample.evicted,
    counts_kept: sample.countsKept ? 1 : 0,
    entries: sample.entries,
    capacity: sample.capacity,
    connections: iv.live.length - quiet,
    quiet_connections: quiet,
    listed: Math.min(iv.live.length, MAX_ROWS),
    rx_bytes: rx,
    tx_bytes: tx,
    rx_per_s: elapsed > 0 ? (rx * 1e9) / elapsed : 0,
    tx_per_s: elapsed > 0 ? (tx * 1e9) / elapsed : 0,
  };
}
