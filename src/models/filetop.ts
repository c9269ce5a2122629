/**
 * filetop model: reads and writes per (process, file) in the interval, with their bytes and rates. Pure. Cumulative
 * kernel counters; an entry created again since the previous read (another `created`) counts whole.
 */
import type { ProcessTotals } from '../rows.js';
import type { FiletopCounts, FiletopRecord, FiletopType } from '../records/filetop.js';
import { devMajor, devMinor } from '../records/biotop.js';
import { perSecond, since } from './delta.js';
import { firstK } from './select.js';

export interface FiletopEntry extends FiletopRecord {
  /** `<pid>-<major>:<minor>-<ino>`: what the row is, nothing secret */
  id: string;
  /** escaped; pipes as pipe:[ino], sockets as socket:[ino] */
  path: string;
  /** the process's cgroup (its path, '' when unknown) and workload, from cgid */
  cgroup: string;
  workload: string;
}

/** What a row is: its process and file. Made once per row; replaced only when the file's name comes or changes. */
export type FiletopInfo = Omit<FiletopEntry, keyof FiletopCounts>;

/**
 * Every row sixty knows at one read, column by column (typed arrays: at 100k files a sample must not be 100k
 * objects). Index i is a slot: a row keeps its slot for as long as sixty knows it, so the same slot in the previous
 * sample is the same row when it has the same id. Free slots have an empty id.
 */
export interface FiletopSample {
  /** `<pid>-<major>:<minor>-<ino>` per slot; '' = free */
  ids: readonly string[];
  info: readonly (FiletopInfo | undefined)[];
  /** cumulative since `created` (the kernel's creation time: another value is a new row) */
  reads: Float64Array;
  writes: Float64Array;
  readBytes: Float64Array;
  writeBytes: Float64Array;
  created: Float64Array;
  /** calls not counted for want of a row, cumulative */
  mapFull: number;
  /** rows the kernel's LRU evicted (their calls since the last read are lost), cumulative */
  evicted: number;
  /** names the kernel could not store, cumulative */
  namesFull: number;
  /** calls whose fd no longer named a file when they returned, cumulative */
  noFile: number;
  entries_in_map: number;
  capacity: number;
}

type SampleCounters = Pick<FiletopSample, 'mapFull' | 'evicted' | 'namesFull' | 'noFile' | 'entries_in_map' | 'capacity'>;

/** A sample of n slots, all free until putSlot fills them. */
export function newFiletopSample(n: number, counters: SampleCounters): FiletopSample {
  return {
    ids: new Array<string>(n).fill(''),
    info: new Array<FiletopInfo | undefined>(n),
    reads: new Float64Array(n),
    writes: new Float64Array(n),
    readBytes: new Float64Array(n),
    writeBytes: new Float64Array(n),
    created: new Float64Array(n),
    ...counters,
  };
}

/** Slot i of a sample being made holds this row, with these counts. */
export function putSlot(s: FiletopSample, i: number, info: FiletopInfo, c: FiletopCounts): void {
  (s.ids as string[])[i] = info.id;
  (s.info as (FiletopInfo | undefined)[])[i] = info;
  s.reads[i] = c.reads;
  s.writes[i] = c.writes;
  s.readBytes[i] = c.readBytes;
  s.writeBytes[i] = c.writeBytes;
  s.created[i] = c.created;
}

export interface FiletopRow {
  id: string;
  pid: number;
  comm: string;
  /** the process's cgroup and workload ('' when unknown) */
  cgroup: string;
  workload: string;
  type: FiletopType;
  path: string;
  major: number;
  minor: number;
  ino: number;
  reads: number;
  writes: number;
  read_bytes: number;
  write_bytes: number;
  read_bytes_per_s: number | null;
  write_bytes_per_s: number | null;
}

/**
 * At most this many rows per interval, the busiest (by bytes, then calls): with thousands of files in use, nobody reads
 * the rest, and building, sorting and drawing them is most of the cost. The totals (stats) cover every file.
 */
export const MAX_ROWS = 2000;

/** Each slot's calls and bytes in the interval, and the slots that did something. */
interface Interval {
  reads: Float64Array;
  writes: Float64Array;
  readBytes: Float64Array;
  writeBytes: Float64Array;
  /** the slots with a call in the interval */
  live: number[];
}

/**
 * The last interval computed: derive and stats ask for the same (sample, previous) back to back. One entry only: a
 * cache keyed by sample that held its previous would chain every sample ever read.
 */
let last: { sample: FiletopSample; previous: FiletopSample | undefined; value: Interval } | undefined;

function interval(s: FiletopSample, p: FiletopSample | undefined): Interval {
  if (last && last.sample === s && last.previous === p) return last.value;
  const n = s.ids.length;
  const iv: Interval = { reads: new Float64Array(n), writes: new Float64Array(n), readBytes: new Float64Array(n), writeBytes: new Float64Array(n), live: [] };
  for (let i = 0; i < n; i++) {
    const id = s.ids[i]!;
    if (id === '') continue;
    // The same row (same slot, id and `created`) with counters that did not go backwards: the difference. Otherwise
    // (new, created again since, or backwards) all its calls are this interval's.
    const same =
      p !== undefined && i < p.ids.length && p.ids[i] === id && p.created[i] === s.created[i] && s.reads[i]! >= p.reads[i]! && s.writes[i]! >= p.writes[i]!;
    const r = same ? s.reads[i]! - p.reads[i]! : s.reads[i]!;
    const w = same ? s.writes[i]! - p.writes[i]! : s.writes[i]!;
    if (r === 0 && w === 0) continue;
    iv.reads[i] = r;
    iv.writes[i] = w;
    iv.readBytes[i] = same ? s.readBytes[i]! - p.readBytes[i]! : s.readBytes[i]!;
    iv.writeBytes[i] = same ? s.writeBytes[i]! - p.writeBytes[i]! : s.writeBytes[i]!;
    iv.live.push(i);
  }
  last = { sample: s, previous: p, value: iv };
  return iv;
}

/** The interval's calls and bytes by process name and file type over every file, listed as a row or not. */
export function filetopByProcess(sample: FiletopSample, previous: FiletopSample | undefined): ProcessTotals[] {
  const iv = interval(sample, previous);
  const by = new Map<string, ProcessTotals & { values: Record<string, number> }>();
  for (const i of iv.live) {
    const info = sample.info[i]!;
    const k = `${info.type}\0${info.comm}`;
    let t = by.get(k);
    if (!t) by.set(k, (t = { comm: info.comm, type: info.type, values: { reads: 0, writes: 0, read_bytes: 0, write_bytes: 0 } }));
    t.values.reads! += iv.reads[i]!;
    t.values.writes! += iv.writes[i]!;
    t.values.read_bytes! += iv.readBytes[i]!;
    t.values.write_bytes! += iv.writeBytes[i]!;
  }
  return [...by.values()];
}

/** One row per (process, file) that was read or written in the interval: the busiest MAX_ROWS of them. */
export function deriveFiletop(sample: FiletopSample, previous: FiletopSample | undefined, elapsedNs: number): FiletopRow[] {
  const iv = interval(sample, previous);
  // Busiest first: by bytes, then by calls, then by id (a total order, so which rows are listed is stable).
  const busier = (a: number, b: number): number => {
    const x = iv.readBytes[b]! + iv.writeBytes[b]! - (iv.readBytes[a]! + iv.writeBytes[a]!);
    if (x !== 0) return x > 0 ? 1 : -1;
    const y = iv.reads[b]! + iv.writes[b]! - (iv.reads[a]! + iv.writes[a]!);
    if (y !== 0) return y > 0 ? 1 : -1;
    const ia = sample.ids[a]!;
    const ib = sample.ids[b]!;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };
  const slots = iv.live.length > MAX_ROWS ? firstK(iv.live, MAX_ROWS, busier) : iv.live;
  // A loop, not an arrow made per call (models/delta.ts, addCounts).
  const out: FiletopRow[] = [];
  for (const i of slots) {
    const e = sample.info[i]!;
    const readBytes = iv.readBytes[i]!;
    const writeBytes = iv.writeBytes[i]!;
    out.push({
      id: e.id,
      pid: e.pid,
      comm: e.comm,
      cgroup: e.cgroup,
      workload: e.workload,
      type: e.type,
      path: e.path,
      major: devMajor(e.dev),
      minor: devMinor(e.dev),
      ino: e.ino,
      reads: iv.reads[i]!,
      writes: iv.writes[i]!,
      read_bytes: readBytes,
      write_bytes: writeBytes,
      read_bytes_per_s: perSecond(readBytes, elapsedNs),
      write_bytes_per_s: perSecond(writeBytes, elapsedNs),
    });
  }
  return out;
}

/** Counters, and the interval's totals over every file (listed as a row or not). */
export function filetopStats(sample: FiletopSample, previous: FiletopSample | undefined): Record<string, number> {
  const iv = interval(sample, previous);
  let reads = 0;
  let writes = 0;
  let readBytes = 0;
  let writeBytes = 0;
  const pids = new Set<number>();
  for (const i of iv.live) {
    reads += iv.reads[i]!;
    writes += iv.writes[i]!;
    readBytes += iv.readBytes[i]!;
    writeBytes += iv.writeBytes[i]!;
    pids.add(sample.info[i]!.pid);
  }
  return {
    map_full_drops: since(sample.mapFull, previous?.mapFull),
    map_full_drops_total: sample.mapFull,
    lru_evicted: since(sample.evicted, previous?.evicted),
    lru_evicted_total: sample.evicted,
    names_full_total: sample.namesFull,
    no_file_total: sample.noFile,
    entries: sample.entries_in_map,
    capacity: sample.capacity,
    files: iv.live.length,
    processes: pids.size,
    listed: Math.min(iv.live.length, MAX_ROWS),
    reads,
    writes,
    read_bytes: readBytes,
    write_bytes: writeBytes,
  };
}
