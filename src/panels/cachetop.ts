/** The cachetop panel: page-cache hits, misses and dirtied pages per process, in pages (never folios). */
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { byCgroup } from './group.js';
import { hostConstants } from '../kernel/auxv.js';
import { cachetopStats, deriveCachetop, mergeCachetop, type CachetopEntry, type CachetopRow, type CachetopSample } from '../models/cachetop.js';
import { CACHETOP_RECORDS, decodeCachetop, type CachetopLayouts, type CachetopRecord } from '../records/cachetop.js';
import { compareValues } from '../models/delta.js';
import { humanCount, percent } from '../format.js';
import { decodeCounterArray } from '../records/layout.js';
import type { BpfObject } from '../native.js';
import { BPF_MISSED, type HostInfo, MAP_FULL, type PanelDef, type PanelStats, type Summary, type Tier, asNumber } from './types.js';
import { busyByName, num, sumByProcess } from './metric-kit.js';
import { cachetop as names } from '../generated/bpf.js';

/** The object's programs and maps, by name: a name it does not have does not compile. */
type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

/** A row whose counters have not moved for this long is taken out of the kernel map (with its last counts). */
const IDLE_DELETE_NS = 30e9;
/**
 * Above this share of the map's capacity, the quietest and smallest rows are taken out (with their last counts, so
 * nothing is lost) down to LOW_WATER: there is room for new processes, and the busiest stay.
 */
const HIGH_WATER = 0.75;
const LOW_WATER = 0.6;

/** The tiers whose accesses come from the proxy (bytes moved and mmap faults), not from a page-access hook. */
export const ESTIMATED = 'estimated';

const SYSCALLS = ['read', 'pread64', 'readv', 'preadv', 'preadv2', 'write', 'pwrite64', 'writev', 'pwritev', 'pwritev2'] as const;

/** Every tier: the exec rename, and misses and dirties from the tracepoints where the kernel adds and accounts pages. */
const COMMON = 'tp_btf mm_filemap_add_to_page_cache + writeback_dirty_folio + sched_process_exec';

/** Its tiers: cachestat takes them too (the same source built host-wide), without the exec rename. */
export const CACHE_TIERS: readonly Tier<Programs>[] = [
  {
    name: 'fentry',
    types: ['fentry', 'tp_btf'],
    programs: ['cachetop_exec', 'cachetop_miss_tp', 'cachetop_dirty_tp', 'cachetop_access_fentry'],
    hooks: `fentry folio_mark_accessed (exact accesses); ${COMMON}`,
  },
  {
    name: 'fentry_page',
    types: ['fentry', 'tp_btf', 'raw_tp'],
    programs: ['cachetop_exec', 'cachetop_miss_tp', 'cachetop_dirty_page_tp', 'cachetop_access_fpage'],
    hooks:
      'fentry mark_page_accessed (exact accesses); tp_btf mm_filemap_add_to_page_cache + sched_process_exec, raw_tp writeback_dirty_page (before folios, 5.10)',
  },
  {
    name: 'kprobe',
    types: ['kprobe', 'tp_btf'],
    programs: ['cachetop_exec', 'cachetop_miss_tp', 'cachetop_dirty_tp', 'cachetop_access_kprobe'],
    hooks: `kprobe folio_mark_accessed (exact accesses); ${COMMON}`,
  },
  {
    name: 'kprobe_page',
    types: ['kprobe', 'tp_btf', 'raw_tp'],
    programs: ['cachetop_exec', 'cachetop_miss_tp', 'cachetop_dirty_page_tp', 'cachetop_access_kpage'],
    hooks: 'kprobe mark_page_accessed (exact accesses); tp_btf mm_filemap_add_to_page_cache + sched_process_exec, raw_tp writeback_dirty_page (before folios)',
  },
  {
    name: 'tracepoint',
    types: ['tp_btf', 'tracepoint'],
    // Bytes to pages at the host's page size (4 KiB on x86-64; 16 or 64 KiB on some arm64 and ppc64 kernels).
    rodata: () => ({ page_shift: Math.log2(hostConstants().pageSize) }),
    programs: [
      'cachetop_exec',
      'cachetop_miss_tp',
      'cachetop_dirty_tp',
      'cachetop_mapped_tp',
      'cachetop_fault_tp',
      ...SYSCALLS.flatMap((s) => [`cachetop_in_${s}` as const, `cachetop_out_${s}` as const]),
    ],
    hooks: `accesses estimated from tracepoint syscalls read/write/pread64/pwrite64/readv/writev/preadv/pwritev/preadv2/pwritev2 (regular files) + tp_btf mm_filemap_map_pages + mm_filemap_fault; ${COMMON}`,
    traits: [ESTIMATED],
  },
];

const rowId = (r: CachetopRecord): string => `p${r.pid}`;

/**
 * Reads cachetop's maps. Rows are cumulative in the kernel; those idle for 30 s, and under pressure the quietest and
 * smallest, are taken out with lookup-and-delete, so their last counts still reach the sample.
 */
export function createCachetopReader(obj: BpfObject<Maps>, layouts: CachetopLayouts, host: HostInfo, tier?: Tier<Programs>): () => CachetopSample {
  const estimated = tier?.traits?.includes(ESTIMATED) ?? false;
  const capacity = obj.mapInfo('cachetop_rows').maxEntries;
  const cgroupOf = createCgroupNamer(host);
  const seen = new Map<string, { total: number; moved: number; lastActiveNs: number; rawKey: Buffer }>();
  let evicted = 0;
  return () => {
    const now = host.nowNs();
    const counters = decodeCounterArray(obj.readMap('cachetop_stats'), layouts.stat, 'cachetop_stats');
    const read = obj.readMap('cachetop_rows');
    const records = decodeCachetop(read, layouts);
    const rows = new Map<string, CachetopEntry>();
    const stale: Buffer[] = [];
    const busy: { id: string; lastActiveNs: number; moved: number; rawKey: Buffer }[] = [];
    // A loop, not an arrow made per read (models/delta.ts, addCounts).
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const id = rowId(r);
      const s = seen.get(id);
      const rawKey = s?.rawKey ?? Buffer.from(read.keys.subarray(i * layouts.key.size, (i + 1) * layouts.key.size));
      const total = r.readPages + r.writePages + r.misses + r.dirties;
      const moved = s ? Math.max(0, total - s.total) : total;
      const lastActiveNs = !s || moved > 0 ? now : s.lastActiveNs;
      seen.set(id, { total, moved, lastActiveNs, rawKey });
      if (now - lastActiveNs >= IDLE_DELETE_NS) stale.push(rawKey);
      else busy.push({ id, lastActiveNs, moved, rawKey });
      rows.set(id, { ...r, id, ...cgroupOf(r.cgid) });
    }
    const excess = read.count - stale.length - Math.floor(capacity * LOW_WATER);
    if (read.count > capacity * HIGH_WATER && excess > 0) {
      busy.sort((a, b) => compareValues(a.lastActiveNs, b.lastActiveNs) || compareValues(a.moved, b.moved));
      const out = busy.slice(0, excess);
      evicted += out.length;
      stale.push(...out.map((e) => e.rawKey));
    }
    if (stale.length > 0) {
      const taken = decodeCachetop(obj.takeKeys('cachetop_rows', Buffer.concat(stale)), layouts);
      for (const r of taken) {
        rows.set(rowId(r), { ...r, id: rowId(r), ...cgroupOf(r.cgid) }); // the counts at the moment it left
        seen.delete(rowId(r));
      }
    }
    for (const id of seen.keys()) if (!rows.has(id)) seen.delete(id);
    return { rows, estimated, mapFull: counters[names.enums.cachetop_stat.MAP_FULL] ?? 0, evicted, entries: read.count - stale.length, capacity };
  };
}

const pages = (v: number | null): string => humanCount(v);

/** Totals over the rows (pages per second), the overall hit ratio, and drops: never silent. */
export function cachetopSummary(rows: readonly CachetopRow[], stats: PanelStats, elapsedNs: number): Summary {
  let hits = 0;
  let misses = 0;
  let dirties = 0;
  let accesses = 0;
  for (const r of rows) {
    hits += r.hits;
    misses += r.misses;
    dirties += r.dirties;
    accesses += r.accesses;
  }
  const secs = elapsedNs > 0 ? elapsedNs / 1e9 : 1;
  const ratio = accesses > 0 ? (100 * hits) / accesses : null;
  const estimated = (stats.estimated ?? 0) > 0;
  let text = `${rows.length} processes, hits ${Math.round(hits / secs)}/s, misses ${Math.round(misses / secs)}/s, dirtied ${Math.round(dirties / secs)}/s (pages), hit ratio ${percent(ratio)}%`;
  if (estimated) text += ' (estimated: this kernel has no hook on page accesses)';
  const dropped = stats.map_full_drops_total ?? 0;
  if (dropped > 0) text += `; totals incomplete: ${dropped} events dropped since start (map full)`;
  return {
    text,
    ...(dropped > 0 ? { warning: true } : {}),
    values: {
      processes: rows.length,
      hits_per_s: hits / secs,
      misses_per_s: misses / secs,
      dirties_per_s: dirties / secs,
      hit_pct: ratio,
      estimated: estimated ? 1 : 0,
      dropped_total: dropped,
    },
  };
}

const pctCell = (v: number | null): string => (v === null ? '-' : percent(v));

export const cachetopPanel: PanelDef<CachetopSample, CachetopRow> = {
  id: 'cachetop',
  title: 'cachetop',
  // No cost estimate: its estimated tier runs once per read or write call, its exact tiers once per page, and its rows
  // count pages; the events behind them are not known here. With kernel.bpf_stats_enabled (B) it is measured.
  // The estimated tier hooks every read and write of every process, the exact tiers every page access: attached only
  // while on screen, or when asked for.
  attach: 'on-screen',
  source: {
    kind: 'bpf',
    stem: 'cachetop',
    cgroupFilter: true,
    tiers: CACHE_TIERS,
    records: CACHETOP_RECORDS,
    createReader: (obj, layouts, host, tier) => createCachetopReader(obj, layouts as CachetopLayouts, host, tier),
  },
  hookList: CACHE_TIERS,
  derive: deriveCachetop,
  stats: cachetopStats,
  summarize: cachetopSummary,
  trend: (row) => row.hits,
  trendOf: { label: 'page cache hits in the interval (pages)', format: (v) => humanCount(Math.round(v)) },
  columns: [
    pidColumn('process (tgid) whose task touched the page cache'),
    {
      key: 'uid',
      ascending: true,
      title: 'UID',
      width: 6,
      drop: 2,
      align: 'right',
      value: (r) => r.uid,
      format: (v) => String(v),
      help: 'its user id when its row was created',
    },
    commColumn('its name (renamed at exec; control characters escaped)', { kernel: true }),
    {
      key: 'hits',
      perInterval: true,
      title: 'HITS',
      width: 7,
      align: 'right',
      value: (r) => r.hits,
      format: (v) => pages(asNumber(v)),
      unit: 'count',
      help: 'pages accessed that were already cached: accesses − misses per direction, never below 0; estimated on the tracepoint tier (the default sort)',
    },
    {
      key: 'misses',
      perInterval: true,
      title: 'MISS',
      width: 7,
      align: 'right',
      value: (r) => r.misses,
      format: (v) => pages(asNumber(v)),
      unit: 'count',
      help: 'pages the process added to the page cache (readahead included), × the folio size',
    },
    {
      key: 'dirties',
      perInterval: true,
      title: 'DIRTY',
      width: 8,
      align: 'right',
      value: (r) => r.dirties,
      format: (v) => pages(asNumber(v)),
      unit: 'count',
      help: 'pages turned from clean to dirty, × the folio size',
    },
    {
      key: 'read_hit_pct',
      title: 'READ_HIT%',
      width: 9,
      align: 'right',
      value: (r) => r.read_hit_pct,
      format: (v) => pctCell(asNumber(v)),
      help: 'read hits ÷ pages read (- : no reads)',
    },
    {
      key: 'write_hit_pct',
      title: 'WRITE_HIT%',
      width: 10,
      align: 'right',
      value: (r) => r.write_hit_pct,
      format: (v) => pctCell(asNumber(v)),
      help: 'write hits ÷ pages written: a write to a page not cached is a miss (- : no writes)',
    },
    {
      key: 'estimated',
      title: 'EST',
      width: 3,
      align: 'left',
      value: (r) => (r.estimated ? 'est' : ''),
      format: (v) => (v ? '~' : ''),
      help: '~ : hits estimated from read/write bytes and mmap faults (no page-access hook on this kernel)',
    },
    workloadColumn<CachetopRow>(5),
    cgroupColumn<CachetopRow>(9),
  ],
  cgroupOf: (r) => r.cgroup || null,
  groupings: [byCgroup(mergeCachetop, ['pid', 'uid', 'comm'], (r) => `${r.pid} ${r.comm}`, ['process'])],
  defaultSort: { key: 'hits', descending: true },
  rates: { hits_per_s: 'hits', misses_per_s: 'misses' },
  detail: [
    { label: 'process', value: (r) => `${r.pid} ${r.comm} (uid ${r.uid})` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
    { label: 'accesses', value: (r) => `${r.accesses} pages: ${r.read_pages} read, ${r.write_pages} written${r.estimated ? ' (estimated)' : ''}` },
    { label: 'misses', value: (r) => `${r.misses} pages: ${r.read_misses} by reads, ${r.write_misses} by writes` },
    { label: 'hit ratio', value: (r) => `${pctCell(r.hit_pct)}% (read ${pctCell(r.read_hit_pct)}%, write ${pctCell(r.write_hit_pct)}%)` },
    { label: 'dirtied', value: (r) => `${r.dirties} pages` },
  ],
  drops: [MAP_FULL, BPF_MISSED],
  metrics: {
    families: {
      hits: { name: 'sixty_page_cache_hits_total', help: 'Page cache accesses that hit, by process name.', type: 'counter' },
      misses: { name: 'sixty_page_cache_misses_total', help: 'Page cache accesses that missed (pages added), by process name.', type: 'counter' },
      dirtied: { name: 'sixty_page_cache_dirtied_pages_total', help: 'Page cache pages dirtied, by process name.', type: 'counter' },
    },
    fold(panel, sink) {
      const rows = panel.rows as unknown as readonly Record<string, unknown>[];
      const labelOf = sink.processLabels(busyByName(rows, (r) => num(r.accesses)));
      for (const { labels, sums } of sumByProcess(rows, ['hits', 'misses', 'dirties'] as const, labelOf)) {
        sink.add('hits', labels, sums.hits);
        sink.add('misses', labels, sums.misses);
        sink.add('dirtied', labels, sums.dirties);
      }
    },
  },
  blindSpots:
    'Counts are pages, not folios. Accesses = pages read or written through the page cache; misses = pages added to it (a write miss: added while writing); hits = accesses − misses per direction, never below 0, so readahead that brings more than is read shows 0 % rather than less. On the tracepoint tier (kernels without fentry or kprobes) accesses are estimated from regular-file read/write bytes (rounded up to pages per call; O_DIRECT left out) and mmap faults (the whole fault-around window), marked ~: sendfile, splice, copy_file_range, io_uring and AIO reads are not counted as accesses there, while their misses are. On exact tiers, an access to a large folio counts all its pages. Work done by kernel threads (writeback, khugepaged) counts under them, and tmpfs/shmem pages are never misses. Reads of the kernel’s own files (/proc, /sys, cgroups) are not page cache and are not counted. cachestat is the same hooks and counts for the whole host in one per-CPU counter: which processes here, how much in all there.',
};
