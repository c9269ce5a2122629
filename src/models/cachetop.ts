/**
 * cachetop model: page-cache hits, misses and dirtied pages per process in the interval, all in pages. Pure.
 *
 * Definitions (the panel's help says the same):
 * - accesses: pages read or written through the page cache (exact tiers: folio_mark_accessed × the folio's pages;
 *   the proxy tier estimates them from regular-file read/write bytes ÷ the page size and mmap faults);
 * - misses: pages the process added to the page cache; a write miss is one added while it was writing (a write to a
 *   page not cached), the rest are read misses (readahead included);
 * - read hits = max(0, read accesses − read misses), write hits likewise; hits = read hits + write hits;
 * - read_hit_pct = read hits ÷ read accesses, write_hit_pct = write hits ÷ write accesses (null with no access);
 * - dirties: pages turned from clean to dirty.
 * Readahead can add more pages than the reads then touch, so misses may exceed accesses: hits stay at 0, never below.
 * Cumulative kernel counters; an entry created again since the previous read (another `created`) counts whole.
 */
import type { CachetopRecord } from '../records/cachetop.js';
import { perSecond, since } from './delta.js';

export interface CachetopEntry extends CachetopRecord {
  /** `p<pid>`: what the row is, nothing secret */
  id: string;
  /** the process's cgroup (its path, '' when unknown) and workload, from cgid */
  cgroup: string;
  workload: string;
}

export interface CachetopSample {
  rows: ReadonlyMap<string, CachetopEntry>;
  /** true when accesses come from the proxy (read/write bytes and mmap faults), not from a page-access hook */
  estimated: boolean;
  /** events not counted for want of a row, cumulative */
  mapFull: number;
  /** rows sixty took out of the kernel map to make room (their counts kept), cumulative */
  evicted: number;
  entries: number;
  capacity: number;
}

export interface CachetopRow {
  id: string;
  pid: number;
  uid: number;
  comm: string;
  /** the process's cgroup and workload ('' when unknown) */
  cgroup: string;
  workload: string;
  /** read accesses + write accesses, pages */
  accesses: number;
  read_pages: number;
  write_pages: number;
  hits: number;
  misses: number;
  read_misses: number;
  write_misses: number;
  dirties: number;
  /** read hits ÷ read accesses, percent; null with no read access */
  read_hit_pct: number | null;
  /** write hits ÷ write accesses, percent; null with no write access */
  write_hit_pct: number | null;
  /** hits ÷ accesses, percent */
  hit_pct: number | null;
  hits_per_s: number | null;
  misses_per_s: number | null;
  /** hits come from a proxy (bytes moved, mmap faults), not a page-access hook */
  estimated: boolean;
}

const pct = (part: number, whole: number): number | null => (whole > 0 ? (100 * part) / whole : null);

export function deriveCachetop(sample: CachetopSample, previous: CachetopSample | undefined, elapsedNs: number): CachetopRow[] {
  const rows: CachetopRow[] = [];
  for (const cur of sample.rows.values()) {
    const p = previous?.rows.get(cur.id);
    const same =
      p !== undefined &&
      p.created === cur.created &&
      cur.readPages >= p.readPages &&
      cur.writePages >= p.writePages &&
      cur.misses >= p.misses &&
      cur.writeMisses >= p.writeMisses &&
      cur.dirties >= p.dirties;
    const d = (f: 'readPages' | 'writePages' | 'misses' | 'writeMisses' | 'dirties'): number => (same ? cur[f] - p[f] : cur[f]);
    const reads = d('readPages');
    const writes = d('writePages');
    const misses = d('misses');
    const dirties = d('dirties');
    if (reads === 0 && writes === 0 && misses === 0 && dirties === 0) continue;
    const writeMisses = Math.min(d('writeMisses'), misses);
    const readMisses = misses - writeMisses;
    const readHits = Math.max(0, reads - readMisses);
    const writeHits = Math.max(0, writes - writeMisses);
    const hits = readHits + writeHits;
    rows.push({
      id: cur.id,
      pid: cur.pid,
      uid: cur.uid,
      comm: cur.comm,
      cgroup: cur.cgroup,
      workload: cur.workload,
      accesses: reads + writes,
      read_pages: reads,
      write_pages: writes,
      hits,
      misses,
      read_misses: readMisses,
      write_misses: writeMisses,
      dirties,
      read_hit_pct: pct(readHits, reads),
      write_hit_pct: pct(writeHits, writes),
      hit_pct: pct(hits, reads + writes),
      hits_per_s: perSecond(hits, elapsedNs),
      misses_per_s: perSecond(misses, elapsedNs),
      estimated: sample.estimated,
    });
  }
  return rows;
}

/** One row for a group of processes (a cgroup's): pages summed, hit ratios over the sums. */
export function mergeCachetop(rows: readonly CachetopRow[]): CachetopRow {
  const sum = (f: (r: CachetopRow) => number): number => rows.reduce((s, r) => s + f(r), 0);
  const rate = (f: (r: CachetopRow) => number | null): number | null => rows.reduce<number | null>((s, r) => (f(r) === null ? s : (s ?? 0) + f(r)!), null);
  const readPages = sum((r) => r.read_pages);
  const writePages = sum((r) => r.write_pages);
  const readMisses = sum((r) => r.read_misses);
  const writeMisses = sum((r) => r.write_misses);
  const readHits = Math.max(0, readPages - readMisses);
  const writeHits = Math.max(0, writePages - writeMisses);
  return {
    ...rows[0]!,
    accesses: readPages + writePages,
    read_pages: readPages,
    write_pages: writePages,
    hits: sum((r) => r.hits),
    misses: sum((r) => r.misses),
    read_misses: readMisses,
    write_misses: writeMisses,
    dirties: sum((r) => r.dirties),
    read_hit_pct: pct(readHits, readPages),
    write_hit_pct: pct(writeHits, writePages),
    hit_pct: pct(
      sum((r) => r.hits),
      readPages + writePages,
    ),
    hits_per_s: rate((r) => r.hits_per_s),
    misses_per_s: rate((r) => r.misses_per_s),
  };
}

export function cachetopStats(sample: CachetopSample, previous: CachetopSample | undefined): Record<string, number> {
  return {
    map_full_drops: since(sample.mapFull, previous?.mapFull),
    map_full_drops_total: sample.mapFull,
    evicted: since(sample.evicted, previous?.evicted),
    evicted_total: sample.evicted,
    entries: sample.entries,
    capacity: sample.capacity,
    estimated: sample.estimated ? 1 : 0,
  };
}
