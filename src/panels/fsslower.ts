/**
 * The fsslower panel: file system latency (the seed's ext4dist and ext4slower, for ext4, xfs and btrfs): every read,
 * write, open and fsync timed into a log2 histogram per (file system, operation), with p50, p99 and the slowest
 * slot, the exact mean, the modes, and the heat map of the last intervals on the all row; and every operation slower
 * than the threshold (`(` and `)` change it) sent one by one through a ring buffer: `v` lists them with the process,
 * the file, the offset, the bytes and the latency. Attached while on screen: its hooks run on every read and write.
 */
import { cgroupColumn, commColumn, latencyColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { humanBytes, humanCount, humanNs } from '../format.js';
import { decodeCounterArray, encode } from '../records/layout.js';
import { decodeFsHist, FS_SLOTS, FSSLOWER_RECORDS, slowDecoder, type FsHist, type FsslowerLayouts } from '../records/fsslower.js';
import { ringRecords } from '../records/ring.js';
import { deriveFsslower, type FsslowerRow, type FsslowerSample, type SlowOp } from '../models/fsslower.js';
import { slotTop } from '../models/biolatency.js';
import { latencyDist, latencyHeat, latencyLines } from './biolatency.js';
import type { BpfObject } from '../native.js';
import {
  asNumber,
  BPF_MISSED,
  type Column,
  type DropCounter,
  type EventsSpec,
  type HostInfo,
  type PanelDef,
  type PanelStats,
  type Summary,
  type Tier,
} from './types.js';
import { clock, keepRecent, lostEvents, lostText, RATE_DROPPED, RING_FULL, ringMapSize, ringStats, STAGING_BYTES, timeColumn } from './events.js';
import { num } from './metric-kit.js';
import { fsslower as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.fsslower_stat;

const CALLS = [
  'read',
  'write',
  'pread64',
  'pwrite64',
  'readv',
  'writev',
  'preadv',
  'pwritev',
  'preadv2',
  'pwritev2',
  'fsync',
  'fdatasync',
  'openat',
  'openat2',
] as const;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: CALLS.flatMap((c) => [`fsslower_enter_${c}`, `fsslower_exit_${c}`] as Programs[]),
    hooks: `tracepoint syscalls:sys_enter_X/sys_exit_X (X: ${CALLS.join(', ')})`,
  },
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['fsslower_sys_enter_btf', 'fsslower_sys_exit_btf'],
    hooks: 'tp_btf sys_enter + sys_exit (raw_syscalls, filtered by call number: runs on every system call)',
  },
];

export const RECENT_SLOW = 1000;
/** The thresholds `(` and `)` step through (ms); 0: every operation is listed. */
export const THRESHOLDS_MS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] as const;
/** ext4slower's default. */
export const DEFAULT_THRESHOLD_MS = 10;

/** The threshold the console's keys set; the reader gives it to the kernel at its next read. */
export const fsslowerView = { thresholdMs: DEFAULT_THRESHOLD_MS as number };

/** The next threshold up (step 1) or down (−1) from `ms`. */
export function nextThreshold(ms: number, step: 1 | -1): number {
  const i = THRESHOLDS_MS.findIndex((t) => t >= ms);
  const at = i < 0 ? THRESHOLDS_MS.length - 1 : i;
  const exact = THRESHOLDS_MS[at] === ms;
  const next = step > 0 ? (exact ? at + 1 : at) : at - 1;
  return THRESHOLDS_MS[Math.max(0, Math.min(THRESHOLDS_MS.length - 1, next))]!;
}

const UNTIMED: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'calls not timed' };

/** Reads the ring (the slow operations), the histograms (cumulative), and gives the kernel the threshold when it changed. */
export function createFsslowerReader(obj: BpfObject<Maps>, layouts: FsslowerLayouts, host: HostInfo): () => FsslowerSample {
  obj.openRing('fsslower_events', { maxBytes: STAGING_BYTES });
  const decode = slowDecoder(layouts.event);
  const cgroupOf = createCgroupNamer(host);
  const zero = Buffer.alloc(4);
  let applied = -1;
  let recent: SlowOp[] = [];
  let heat: number[][] = [];
  let last: readonly FsHist[] | undefined;
  let seq = 0;
  return () => {
    const thresholdNs = Math.round(fsslowerView.thresholdMs * 1e6);
    if (thresholdNs !== applied) {
      obj.updateKeys('fsslower_config', zero, encode(layouts.config, { min_ns: thresholdNs }));
      applied = thresholdNs;
    }
    const take = obj.takeRing('fsslower_events');
    const stats = decodeCounterArray(obj.readMap('fsslower_stats'), layouts.stat, 'fsslower_stats');
    const hists = decodeFsHist(obj.readMap('fsslower_hist'), layouts.slot);
    const offsetMs = Date.now() - host.nowNs() / 1e6;
    const slow: SlowOp[] = [];
    for (const buf of ringRecords(take)) {
      const r = decode(buf);
      if (!r) continue;
      const cg = cgroupOf(r.cgid);
      slow.push({
        id: `f${++seq}`,
        seq,
        time_ms: Math.round(offsetMs + r.tsNs / 1e6),
        pid: r.pid,
        tid: r.tid,
        comm: r.comm,
        op: r.op,
        fs: r.fs,
        dev: `${r.major}:${r.minor}`,
        file: r.dir && r.dir !== '/' ? `${r.dir}/${r.name}` : r.name,
        ino: r.ino,
        offset: r.offset,
        ret: r.ret,
        lat_ns: r.latNs,
        cgroup: cg.cgroup,
        workload: cg.workload,
      });
    }
    recent = keepRecent(recent, slow, RECENT_SLOW);
    // The heat map: the interval's operations over every fs and op, per slot.
    if (last) {
      const before = new Map(last.map((h) => [`${h.fs}/${h.op}`, h]));
      const all = new Array<number>(FS_SLOTS).fill(0);
      for (const h of hists) {
        const p = before.get(`${h.fs}/${h.op}`);
        for (let i = 0; i < h.counts.length; i++) {
          const c = h.counts[i]!;
          all[i]! += c - (p && c >= p.counts[i]! ? p.counts[i]! : 0);
        }
      }
      heat = [...heat, all].slice(-FS_HEAT);
    }
    last = hists;
    return {
      hists,
      slow,
      recent,
      heat,
      thresholdNs,
      ringFull: stats[STAT.RING_FULL] ?? 0,
      mapFull: stats[STAT.MAP_FULL] ?? 0,
      rateDropped: take.dropped,
    };
  };
}

/** How many intervals the heat map shows. */
export const FS_HEAT = 40;

export function fsslowerStats(sample: FsslowerSample, previous: FsslowerSample | undefined): Record<string, number> {
  return { slow: sample.slow.length, threshold_ms: sample.thresholdNs / 1e6, ...ringStats(sample, previous) };
}

const opText = (e: SlowOp): string => `${e.comm} ${e.op} ${e.file} ${humanNs(e.lat_ns)}`;

/** "ext4: 1.2k ops/s, read p99 ≤65us, write p99 ≤…, fsync p99 ≤33ms; 3 slower than 10 ms/s, slowest: postgres fsync 16384/2619 35ms" */
export function fsslowerSummary(rows: readonly FsslowerRow[], stats: PanelStats, elapsedNs: number): Summary {
  const per = (n: number): number | null => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : null);
  const rate = (n: number): string => humanCount(Math.round(per(n) ?? 0));
  const all = rows.find((r) => r.fs === 'all');
  const threshold = num(stats.threshold_ms);
  const lost = lostEvents(stats);
  if (!all) return { text: '', values: {} };
  const byFs = new Map<string, FsslowerRow[]>();
  for (const r of rows) if (r.fs !== 'all') byFs.set(r.fs, [...(byFs.get(r.fs) ?? []), r]);
  const parts = [...byFs.entries()].map(
    ([fs, rs]) =>
      `${fs} ${rate(rs.reduce((a, r) => a + r.ops, 0))} ops/s (${rs
        .sort((a, b) => b.ops - a.ops)
        .map((r) => `${r.op} p99 ≤${humanNs(r.p99_ns)}`)
        .join(', ')})`,
  );
  const slowest = all.slowest[0];
  const text =
    (parts.length ? parts.join('; ') : 'no ext4, xfs or btrfs operation in the interval') +
    `; ${rate(all.slow)}/s slower than ${threshold} ms` +
    (slowest ? `, slowest: ${opText(slowest)}` : '') +
    lostText(lost);
  return {
    text,
    values: { ops_per_s: per(all.ops), slow_per_s: per(all.slow), p99_ns: all.p99_ns, threshold_ms: threshold, lost },
    ...(lost ? { warning: true } : {}),
  };
}

const ns = (key: 'avg_ns' | 'p50_ns' | 'p99_ns' | 'max_ns', title: string, help: string, bound: boolean): Column<FsslowerRow> =>
  latencyColumn<FsslowerRow>(key, title, help, bound);

const retText = (e: SlowOp): string => (e.ret < 0 ? `error ${-e.ret}` : e.op === 'open' ? `fd ${e.ret}` : e.op === 'fsync' ? '-' : humanBytes(e.ret));

export const SLOW_EVENTS: EventsSpec<SlowOp> = {
  noun: 'slow operation',
  order: (e) => e.seq,
  help: `the last ${RECENT_SLOW} operations slower than the threshold, newest first`,
  defaultSort: { key: 'seq', descending: true },
  columns: [
    timeColumn<SlowOp>('when it returned (local time, ms)'),
    pidColumn<SlowOp>('the process'),
    commColumn<SlowOp>('its name'),
    { key: 'op', title: 'OP', width: 5, align: 'left', value: (e) => e.op, format: (v) => String(v), help: 'read, write, open or fsync (fdatasync too)' },
    { key: 'fs', title: 'FS', width: 5, align: 'left', drop: 3, value: (e) => e.fs, format: (v) => String(v), help: 'the file system: ext4, xfs or btrfs' },
    {
      key: 'ret',
      title: 'BYTES',
      width: 8,
      align: 'right',
      value: (e) => e.ret,
      format: (_v, e) => retText(e),
      help: 'bytes read or written; the fd an open returned; an error',
    },
    {
      key: 'offset',
      title: 'OFFSET',
      width: 8,
      align: 'right',
      drop: 2,
      value: (e) => e.offset,
      format: (_v, e) => (e.op === 'read' || e.op === 'write' ? humanBytes(e.offset) : '-'),
      help: 'where a read or write began in the file',
    },
    {
      key: 'lat_ns',
      title: 'LAT',
      width: 8,
      align: 'right',
      unit: 'latency',
      value: (e) => e.lat_ns,
      format: (v) => humanNs(asNumber(v)),
      help: 'from the call’s entry to its return',
      decimals: 0,
    },
    {
      key: 'file',
      title: 'FILE',
      width: 30,
      minWidth: 12,
      maxWidth: 80,
      align: 'left',
      keep: 'end',
      value: (e) => e.file,
      format: (v) => String(v),
      help: 'its directory’s name and its own (the last two components of its path)',
    },
    workloadColumn<SlowOp>(5),
    cgroupColumn<SlowOp>(6),
  ],
  detail: [
    { label: 'operation', value: (e) => `${clock(e.time_ms)}: ${e.op} on ${e.fs} (${e.dev}) took ${humanNs(e.lat_ns)}, returned ${retText(e)}` },
    { label: 'file', value: (e) => `${e.file} (inode ${e.ino})${e.op === 'read' || e.op === 'write' ? ` at offset ${e.offset}` : ''}` },
    { label: 'process', value: (e) => `${e.comm} (pid ${e.pid}, thread ${e.tid})` },
    { label: 'cgroup', value: (e) => (e.cgroup ? `${e.cgroup} (${e.workload})` : '-') },
  ],
  cgroupOf: (e) => e.cgroup || null,
  tone: (e) => (e.ret < 0 ? 'bad' : null),
};

export const fsslowerPanel: PanelDef<FsslowerSample, FsslowerRow> = {
  id: 'fsslower',
  title: 'fsslower',
  source: {
    kind: 'bpf',
    stem: 'fsslower',
    tiers: TIERS,
    mapSizes: ringMapSize('fsslower_events'),
    records: FSSLOWER_RECORDS,
    cgroupFilter: true,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createFsslowerReader(obj, layouts as FsslowerLayouts, host),
  },
  hookList: TIERS,
  attach: 'on-screen',
  derive: deriveFsslower,
  stats: fsslowerStats,
  summarize: fsslowerSummary,
  trend: (r) => r.p99_ns,
  trendOf: { label: 'p99 latency (slot upper bound)', format: humanNs },
  pinned: (r) => r.fs === 'all',
  recentEvents: (sample) => [...sample.recent].reverse(),
  events: SLOW_EVENTS,
  columns: [
    {
      key: 'fs',
      ascending: true,
      title: 'FS',
      width: 6,
      align: 'left',
      value: (r) => r.fs,
      format: (v) => String(v),
      help: 'the file system: ext4, xfs or btrfs ("all": every one and every operation)',
    },
    { key: 'op', ascending: true, title: 'OP', width: 5, align: 'left', value: (r) => r.op, format: (v) => String(v), help: 'read, write, open or fsync' },
    {
      key: 'ops',
      title: 'OPS',
      width: 7,
      align: 'right',
      perInterval: true,
      unit: 'count',
      value: (r) => r.ops,
      format: (v) => humanCount(asNumber(v)),
      help: 'operations that returned in the interval',
      decimals: 0,
    },
    {
      key: 'slow',
      title: 'SLOW',
      width: 6,
      align: 'right',
      perInterval: true,
      unit: 'count',
      value: (r) => r.slow,
      format: (v) => humanCount(asNumber(v)),
      help: 'of them slower than the threshold (( and ) change it; v lists them)',
      decimals: 0,
    },
    ns('avg_ns', 'AVG', 'the mean latency (exact), entry to return', false),
    ns('p50_ns', 'P50', 'the median (its log2 slot’s upper bound: within 2×)', true),
    ns('p99_ns', 'P99', 'the 99th percentile (slot upper bound)', true),
    ns('max_ns', 'MAX', 'the slowest operation’s slot upper bound', true),
    {
      key: 'hist',
      title: 'DIST 1us…1s+',
      width: 12,
      align: 'left',
      drop: 1,
      value: () => null,
      format: (_v, r) => latencyDist(r.hist),
      help: 'the operations by latency, 1 µs on the left to a second and longer on the right (two log2 slots a cell); the detail view: every slot, and the heat map',
    },
    {
      key: 'slowest',
      title: 'SLOWEST',
      width: 30,
      minWidth: 16,
      maxWidth: 60,
      align: 'left',
      drop: 2,
      value: (r) => r.slowest[0]?.lat_ns ?? null,
      format: (_v, r) => (r.slowest[0] ? opText(r.slowest[0]) : '-'),
      help: 'the slowest operation over the threshold in the interval: process, operation, file, latency',
    },
  ],
  defaultSort: { key: 'ops', descending: true },
  detail: [
    { label: 'operations', value: (r) => `${r.fs} ${r.op}: ${r.ops} in the interval, ${r.slow} slower than the threshold` },
    {
      label: 'latency',
      value: (r) =>
        `mean ${humanNs(r.avg_ns)}, p50 ≤${humanNs(r.p50_ns)}, p99 ≤${humanNs(r.p99_ns)}, max ≤${humanNs(r.max_ns)}` +
        (r.modes.length > 1 ? `; ${r.modes.length} modes: ${r.modes.map((s) => `≤${humanNs(slotTop(s))}`).join(' and ')}` : ''),
    },
    {
      label: 'slowest (over the threshold)',
      value: (r) => (r.slowest.length ? '' : 'none in the interval'),
      lines: (r) => r.slowest.map((e) => `  ${clock(e.time_ms)} ${e.comm} (${e.pid}) ${e.op} ${e.file} ${humanNs(e.lat_ns)} ${retText(e)}`),
    },
    { label: 'histogram (this interval)', value: () => '', lines: (r, width) => latencyLines(r.hist, width) },
    {
      label: 'heat map (every fs and operation)',
      value: (r) => (r.heat ? '' : 'on the all row'),
      lines: (r, width) => (r.heat ? latencyHeat(r.heat, width) : []),
    },
  ],
  drops: [RING_FULL, RATE_DROPPED, UNTIMED, BPF_MISSED],
  // An operation on one of the file systems: an enter (an fd's file looked up) and an exit (a histogram slot).
  costEstimate: { nsPerEvent: 600, events: (rows) => rows.find((r) => r.fs === 'all')?.ops ?? 0 },
  metrics: {
    families: {
      ops: {
        name: 'sixty_fs_operations_total',
        help: 'Reads, writes, opens and fsyncs on ext4, xfs and btrfs, by file system and operation (while the fsslower panel is attached).',
        type: 'counter',
      },
      slow: { name: 'sixty_fs_slow_operations_total', help: 'Those slower than the fsslower threshold, by file system and operation.', type: 'counter' },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        if (r.fs === 'all') continue;
        sink.add('ops', { fs: r.fs, op: r.op }, r.ops);
        sink.add('slow', { fs: r.fs, op: r.op }, r.slow);
      }
    },
  },
  blindSpots:
    'Timed at the system call, entry to return (the kernel on this machine has no kprobes or fentry for the file systems’ own functions, which ext4slower times): the VFS and, for an open, the path’s lookup are in the time. Calls: read, write, pread64, pwrite64, readv, writev, preadv, pwritev, preadv2, pwritev2, fsync, fdatasync, openat and openat2 (open(2) and creat(2) themselves, which glibc no longer makes, are not); mmap’d access, io_uring, sendfile, copy_file_range and the kernel’s own writeback are not calls here. A file is on ext4 (or ext2/3 through it), xfs or btrfs by its superblock’s magic; an open that failed is not an operation of a file system. The file is its last two path components. Attached while on screen (its hooks run on every read and write). The slow operations cross through a 4 MiB ring buffer drained every 25 ms (every 100 ms while it stays empty); what it or the rate bound turns away is counted.',
};
