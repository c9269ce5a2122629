/**
 * The cachestat panel: the host's page cache per interval, as the seed's cachestat: hits, misses, dirtied pages and
 * the hit ratio, for reads, writes and both, with the page cache's size and its dirty and writeback pages from
 * /proc/meminfo. cachetop's hooks and tiers (the same BPF source, built host-wide: one per-CPU row, no row per
 * process), so the two agree: cachetop says which processes, cachestat what the whole host does, cheaper.
 */
import { CACHE_TIERS, ESTIMATED } from './cachetop.js';
import { CACHETOP_RECORDS } from '../records/cachetop.js';
import { field, u64n, type RecordLayout } from '../records/layout.js';
import { deriveCachestat, parseCacheMem, type CachestatRow, type CachestatSample } from '../models/cachestat.js';
import { humanBytes, humanCount, percent } from '../format.js';
import type { BpfObject } from '../native.js';
import { asNumber, BPF_MISSED, type Column, type HostInfo, type PanelDef, type PanelStats, type Summary, type Tier } from './types.js';
import { cachestat as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

/** cachetop's row (its counters) and its stats: the host's row has the same layout. */
export const CACHESTAT_RECORDS = { val: CACHETOP_RECORDS.val, stat: CACHETOP_RECORDS.stat };
export type CachestatLayouts = Record<keyof typeof CACHESTAT_RECORDS, RecordLayout>;

/** cachetop's tiers without its exec rename (there is no process row to rename): the same programs, by name. */
const TIERS: readonly Tier<Programs>[] = CACHE_TIERS.map((t) => ({
  ...t,
  programs: t.programs.filter((p): p is Programs => p in names.programs),
  hooks: t.hooks.replace(' + sched_process_exec', ''),
}));

/** Sums the host's per-CPU row (the addon adds every CPU's words) and reads /proc/meminfo's page cache. */
export function createCachestatReader(obj: BpfObject<Maps>, layouts: CachestatLayouts, host: HostInfo, tier?: Tier<Programs>): () => CachestatSample {
  const estimated = tier?.traits?.includes(ESTIMATED) ?? false;
  const v = {
    read: field(layouts.val, 'read_pages'),
    write: field(layouts.val, 'write_pages'),
    misses: field(layouts.val, 'misses'),
    writeMisses: field(layouts.val, 'write_misses'),
    dirties: field(layouts.val, 'dirties'),
  };
  return () => {
    const read = obj.readMap('cachestat_totals');
    const b = read.values;
    const at = (f: typeof v.read): number => (read.count > 0 && b.length >= layouts.val.size ? u64n(b, 0, f) : 0);
    let mem = null;
    try {
      mem = parseCacheMem(host.readText('/proc/meminfo'));
    } catch {
      // the counters stand without it
    }
    return {
      totals: { readPages: at(v.read), writePages: at(v.write), misses: at(v.misses), writeMisses: at(v.writeMisses), dirties: at(v.dirties) },
      estimated,
      mem,
    };
  };
}

export function cachestatStats(sample: CachestatSample): Record<string, number> {
  const m = sample.mem;
  return {
    estimated: sample.estimated ? 1 : 0,
    ...(m ? { cached_kb: m.cachedKb, buffers_kb: m.buffersKb, dirty_kb: m.dirtyKb, writeback_kb: m.writebackKb } : {}),
  };
}

/** "hits 12.3k/s, misses 40/s, dirtied 1.2k/s (pages), hit ratio 99.7 % (reads 99.9 %, writes 98 %); cached 1.5 GiB …" */
export function cachestatSummary(rows: readonly CachestatRow[], stats: PanelStats, elapsedNs: number): Summary {
  const all = rows.find((r) => r.kind === 'all');
  const secs = elapsedNs > 0 ? elapsedNs / 1e9 : 1;
  const by = (k: CachestatRow['kind']): CachestatRow | undefined => rows.find((r) => r.kind === k);
  const estimated = (stats.estimated ?? 0) > 0;
  const kb = (k: string): string => (stats[k] === undefined ? '-' : humanBytes((stats[k] ?? 0) * 1024));
  const mem =
    stats.cached_kb === undefined ? '' : `; cached ${kb('cached_kb')}, buffers ${kb('buffers_kb')}, dirty ${kb('dirty_kb')}, writeback ${kb('writeback_kb')}`;
  if (!all) return { text: `measuring…${mem}`, values: {} };
  const r = by('read');
  const w = by('write');
  const text =
    `hits ${humanCount(Math.round(all.hits / secs))}/s, misses ${humanCount(Math.round(all.misses / secs))}/s, dirtied ${humanCount(Math.round(all.dirties / secs))}/s (pages), ` +
    `hit ratio ${all.hit_pct === null ? '-' : `${percent(all.hit_pct)} %`}` +
    ` (reads ${r?.hit_pct == null ? '-' : `${percent(r.hit_pct)} %`}, writes ${w?.hit_pct == null ? '-' : `${percent(w.hit_pct)} %`})` +
    mem +
    (estimated ? ' (accesses estimated: this kernel has no hook on page accesses)' : '');
  return {
    text,
    values: {
      hits_per_s: all.hits / secs,
      misses_per_s: all.misses / secs,
      dirties_per_s: all.dirties / secs,
      hit_pct: all.hit_pct,
      estimated: estimated ? 1 : 0,
    },
  };
}

const pagesColumn = (key: 'accesses' | 'hits' | 'misses' | 'dirties', title: string, help: string): Column<CachestatRow> => ({
  key,
  title,
  width: 8,
  align: 'right',
  perInterval: true,
  unit: 'count',
  value: (r) => r[key],
  format: (v) => humanCount(asNumber(v)),
  help,
  decimals: 0,
});

export const cachestatPanel: PanelDef<CachestatSample, CachestatRow> = {
  id: 'cachestat',
  title: 'cachestat',
  // cachetop's hooks: every read and write (estimated tier) or every page access (exact tiers), though only a per-CPU
  // counter each: attached while on screen, as cachetop.
  attach: 'on-screen',
  source: {
    kind: 'bpf',
    stem: 'cachestat',
    cgroupFilter: true,
    tiers: TIERS,
    records: CACHESTAT_RECORDS,
    createReader: (obj, layouts, host, tier) =>
      createCachestatReader(obj as BpfObject<Maps>, layouts as CachestatLayouts, host, tier as Tier<Programs> | undefined),
  },
  hookList: TIERS,
  derive: deriveCachestat,
  stats: (sample) => cachestatStats(sample),
  summarize: cachestatSummary,
  trend: (r) => r.misses,
  trendOf: { label: 'page cache misses in the interval (pages)', format: (v) => humanCount(Math.round(v)) },
  pinned: (r) => r.kind === 'all',
  columns: [
    {
      key: 'kind',
      ascending: true,
      title: 'ACCESS',
      width: 6,
      align: 'left',
      value: (r) => r.kind,
      format: (v) => String(v),
      help: 'read: by reads (and mmap faults); write: by writes; all: both',
    },
    pagesColumn(
      'accesses',
      'ACCESSES',
      'pages accessed through the page cache; estimated on the tracepoint tier (bytes moved by reads and writes of regular files, and pages mapped by faults)',
    ),
    pagesColumn('hits', 'HITS', 'pages accessed that were already cached: accesses − misses, never below 0'),
    pagesColumn('misses', 'MISSES', 'pages added to the page cache (mm_filemap_add_to_page_cache): a write miss when added by a write'),
    pagesColumn('dirties', 'DIRTIED', 'pages turned from clean to dirty (writeback_dirty_folio)'),
    {
      key: 'hit_pct',
      title: 'HIT%',
      width: 6,
      align: 'right',
      value: (r) => r.hit_pct,
      format: (v) => (asNumber(v) === null ? '-' : percent(asNumber(v)!)),
      help: 'hits as a share of accesses',
      decimals: 1,
    },
  ],
  defaultSort: { key: 'accesses', descending: true },
  detail: [
    {
      label: 'pages',
      value: (r) =>
        `${r.kind}: ${r.accesses} accessed, ${r.hits} hits, ${r.misses} misses, ${r.dirties} dirtied; hit ratio ${r.hit_pct === null ? '-' : `${percent(r.hit_pct)} %`}`,
    },
  ],
  drops: [BPF_MISSED],
  metrics: {
    families: {
      hits: {
        name: 'sixty_host_page_cache_hits_total',
        help: 'Page cache hits on the whole host, by access (read or write), while the cachestat panel is attached.',
        type: 'counter',
      },
      misses: {
        name: 'sixty_host_page_cache_misses_total',
        help: 'Pages added to the page cache on the whole host, by access (read or write).',
        type: 'counter',
      },
      dirtied: { name: 'sixty_host_page_cache_dirtied_pages_total', help: 'Page cache pages dirtied on the whole host.', type: 'counter' },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        if (r.kind === 'all') {
          sink.add('dirtied', {}, r.dirties);
          continue;
        }
        sink.add('hits', { access: r.kind }, r.hits);
        sink.add('misses', { access: r.kind }, r.misses);
      }
    },
  },
  blindSpots:
    'The host’s counts from cachetop’s hooks (help on cachetop says what each tier sees): on a kernel with fentry or kprobes, accesses are exact (every page marked accessed); on one without (as this one), they are estimated from the bytes that reads and writes of regular files move and the pages mmap faults map, so a hit ratio is an estimate there and says so. Misses are pages added to the page cache, dirtied pages those the kernel accounts: exact on every tier. cachetop counts the same per process (which processes); cachestat the whole host in one per-CPU counter (cheaper: no row to find). Files of the kernel’s own file systems (/proc, /sys, cgroups) are not page cache and are not counted. With --cgroup, only the subtree’s tasks count. Attached while on screen.',
};
