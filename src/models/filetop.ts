/**
 * filetop model: reads and writes per (process, file) in the interval, with their bytes and rates. Pure. Cumulative
 * kernel counters; an entry created again since the previous read (another `created`) counts whole.
 */
import type { ProcessTotals } from '../panels/types.js';
import type { FiletopRecord, FiletopType } from '../records/filetop.js';
import { devMajor, devMinor } from '../records/biotop.js';
import { perSecond, since } from './delta.js';

export interface FiletopEntry extends FiletopRecord {
  /** `<pid>-<major>:<minor>-<ino>`: what the row is, nothing secret */
  id: string;
  /** escaped; pipes as pipe:[ino], sockets as socket:[ino] */
  path: string;
}

export interface FiletopSample {
  /** every entry sixty knows, by id; an entry object never changes (a changed entry is a new object) */
  entries: ReadonlyMap<string, FiletopEntry>;
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

export interface FiletopRow {
  id: string;
  pid: number;
  comm: string;
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

interface Moved {
  e: FiletopEntry;
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
}

/** The last interval computed: derive and stats ask for the same (sample, previous) back to back. */
let last: { sample: FiletopSample; previous: FiletopSample | undefined; value: Moved[] } | undefined;

function moved(sample: FiletopSample, previous: FiletopSample | undefined): Moved[] {
  if (last && last.sample === sample && last.previous === previous) return last.value;
  const out: Moved[] = [];
  for (const e of sample.entries.values()) {
    const p = previous?.entries.get(e.id);
    if (p === e) continue; // the same object: nothing moved
    // Created again since (another `created`), counters that went backwards, or new: all its calls are this interval's.
    const same = p !== undefined && p.created === e.created && e.reads >= p.reads && e.writes >= p.writes;
    const m = same
      ? { e, reads: e.reads - p.reads, writes: e.writes - p.writes, readBytes: e.readBytes - p.readBytes, writeBytes: e.writeBytes - p.writeBytes }
      : { e, reads: e.reads, writes: e.writes, readBytes: e.readBytes, writeBytes: e.writeBytes };
    if (m.reads > 0 || m.writes > 0) out.push(m);
  }
  last = { sample, previous, value: out };
  return out;
}

const busier = (a: Moved, b: Moved): number => {
  const x = b.readBytes + b.writeBytes - (a.readBytes + a.writeBytes);
  if (x !== 0) return x > 0 ? 1 : -1;
  const y = b.reads + b.writes - (a.reads + a.writes);
  return y > 0 ? 1 : y < 0 ? -1 : a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0;
};

/** The interval's calls and bytes by process name and file type over every file, listed as a row or not. */
export function filetopByProcess(sample: FiletopSample, previous: FiletopSample | undefined): ProcessTotals[] {
  const by = new Map<string, ProcessTotals & { values: Record<string, number> }>();
  for (const m of moved(sample, previous)) {
    const k = `${m.e.type}\0${m.e.comm}`;
    let t = by.get(k);
    if (!t) by.set(k, (t = { comm: m.e.comm, type: m.e.type, values: { reads: 0, writes: 0, read_bytes: 0, write_bytes: 0 } }));
    t.values.reads! += m.reads;
    t.values.writes! += m.writes;
    t.values.read_bytes! += m.readBytes;
    t.values.write_bytes! += m.writeBytes;
  }
  return [...by.values()];
}

/** One row per (process, file) that was read or written in the interval: the busiest MAX_ROWS of them. */
export function deriveFiletop(sample: FiletopSample, previous: FiletopSample | undefined, elapsedNs: number): FiletopRow[] {
  let m = moved(sample, previous);
  if (m.length > MAX_ROWS) m = [...m].sort(busier).slice(0, MAX_ROWS);
  return m.map(({ e, reads, writes, readBytes, writeBytes }) => ({
    id: e.id,
    pid: e.pid,
    comm: e.comm,
    type: e.type,
    path: e.path,
    major: devMajor(e.dev),
    minor: devMinor(e.dev),
    ino: e.ino,
    reads,
    writes,
    read_bytes: readBytes,
    write_bytes: writeBytes,
    read_bytes_per_s: perSecond(readBytes, elapsedNs),
    write_bytes_per_s: perSecond(writeBytes, elapsedNs),
  }));
}

/** Counters, and the interval's totals over every file (listed as a row or not). */
export function filetopStats(sample: FiletopSample, previous: FiletopSample | undefined): Record<string, number> {
  const m = moved(sample, previous);
  let reads = 0;
  let writes = 0;
  let readBytes = 0;
  let writeBytes = 0;
  const pids = new Set<number>();
  for (const x of m) {
    reads += x.reads;
    writes += x.writes;
    readBytes += x.readBytes;
    writeBytes += x.writeBytes;
    pids.add(x.e.pid);
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
    files: m.length,
    processes: pids.size,
    listed: Math.min(m.length, MAX_ROWS),
    reads,
    writes,
    read_bytes: readBytes,
    write_bytes: writeBytes,
  };
}
