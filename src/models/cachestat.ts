/**
 * cachestat model: the host's page cache over the interval, as the seed's cachestat: hits, misses, dirtied pages and
 * the hit ratio, per direction (reads, writes) and over both, beside the page cache's size from /proc/meminfo. Pure:
 * the reader sums the per-CPU counters (cumulative since load); derive takes the interval's.
 */
import type { Row } from '../rows.js';

/** The host's counters, in pages, cumulative since the programs were loaded. */
export interface CacheTotals {
  readPages: number;
  writePages: number;
  misses: number;
  writeMisses: number;
  dirties: number;
}

/** /proc/meminfo's page cache (kB), or null where it could not be read. */
export interface CacheMem {
  cachedKb: number;
  buffersKb: number;
  dirtyKb: number;
  writebackKb: number;
}

export interface CachestatSample {
  totals: CacheTotals;
  /** accesses estimated from reads, writes and mmap faults (the kernel has no hook on page accesses) */
  estimated: boolean;
  mem: CacheMem | null;
}

export interface CachestatRow extends Row {
  /** read, write, or all */
  kind: 'read' | 'write' | 'all';
  accesses: number;
  hits: number;
  misses: number;
  /** pages turned from clean to dirty (writes; on the all row too) */
  dirties: number;
  hit_pct: number | null;
}

const pct = (hits: number, accesses: number): number | null => (accesses > 0 ? (100 * hits) / accesses : null);

/** Three rows: reads, writes, and all of them (pinned), as cachetop derives its hits: accesses − misses per direction. */
export function deriveCachestat(sample: CachestatSample, previous: CachestatSample | undefined, _elapsedNs: number): CachestatRow[] {
  if (!previous) return [];
  const c = sample.totals;
  const p = previous.totals;
  // Counters only grow while the programs are loaded; a reload starts them again from zero.
  const back = c.readPages < p.readPages || c.writePages < p.writePages || c.misses < p.misses || c.writeMisses < p.writeMisses || c.dirties < p.dirties;
  const d = (k: keyof CacheTotals): number => (back ? c[k] : c[k] - p[k]);
  const reads = d('readPages');
  const writes = d('writePages');
  const misses = d('misses');
  const writeMisses = Math.min(d('writeMisses'), misses);
  const readMisses = misses - writeMisses;
  const readHits = Math.max(0, reads - readMisses);
  const writeHits = Math.max(0, writes - writeMisses);
  const dirties = d('dirties');
  return [
    { id: 'all', kind: 'all', accesses: reads + writes, hits: readHits + writeHits, misses, dirties, hit_pct: pct(readHits + writeHits, reads + writes) },
    { id: 'read', kind: 'read', accesses: reads, hits: readHits, misses: readMisses, dirties: 0, hit_pct: pct(readHits, reads) },
    { id: 'write', kind: 'write', accesses: writes, hits: writeHits, misses: writeMisses, dirties, hit_pct: pct(writeHits, writes) },
  ];
}

/** The page cache's lines of /proc/meminfo, or null where one is missing. */
export function parseCacheMem(text: string): CacheMem | null {
  const kb = (k: string): number | null => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const [cachedKb, buffersKb, dirtyKb, writebackKb] = [kb('Cached'), kb('Buffers'), kb('Dirty'), kb('Writeback')];
  if (cachedKb === null || buffersKb === null || dirtyKb === null || writebackKb === null) return null;
  return { cachedKb, buffersKb, dirtyKb, writebackKb };
}
