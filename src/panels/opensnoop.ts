/**
 * The opensnoop panel: which files are opened, by whom, and which opens fail (the seed's opensnoop). Events cross
 * through a ring buffer; every one the ring or sixty's rate bound turned away is counted. Two views: the opens of the
 * interval per (process, path, result), a path's failures counted per error; and `v`, the recent opens one per line.
 */
import { posix } from 'node:path';
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { escapeControl, humanCount, humanNs } from '../format.js';
import { decodeCounterArray, type RecordLayout } from '../records/layout.js';
import { openFlagsText, opensnoopDecoder, OPENSNOOP_RECORDS } from '../records/opensnoop.js';
import { errnoName, ringRecords } from '../records/ring.js';
import { deriveOpensnoop, type OpenEvent, type OpensnoopRow, type OpensnoopSample } from '../models/opensnoop.js';
import type { BpfObject } from '../native.js';
import { byCgroup, type Grouping } from './group.js';
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
import { clock, countColumn, keepRecent, lostEvents, lostText, RATE_DROPPED, RING_FULL, ringMapSize, ringStats, STAGING_BYTES, timeColumn } from './events.js';
import { busyByName, num, sumByProcess } from './metric-kit.js';
import { opensnoop as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.opensnoop_stat;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: [
      'opensnoop_enter_open',
      'opensnoop_enter_openat',
      'opensnoop_enter_openat2',
      'opensnoop_enter_creat',
      'opensnoop_exit_open',
      'opensnoop_exit_openat',
      'opensnoop_exit_openat2',
      'opensnoop_exit_creat',
    ],
    hooks: 'tracepoint syscalls:sys_enter_/sys_exit_ open + openat + openat2 + creat',
  },
  {
    // Architectures without open(2) and creat(2) (arm64): the at-calls are all there is.
    name: 'tracepoint-at',
    types: ['tracepoint'],
    programs: ['opensnoop_enter_openat', 'opensnoop_enter_openat2', 'opensnoop_exit_openat', 'opensnoop_exit_openat2'],
    hooks: 'tracepoint syscalls:sys_enter_/sys_exit_ openat + openat2',
  },
];

/** The recent opens the panel keeps (the `v` view's scrollback). */
export const RECENT_OPENS = 1000;
const AT_FDCWD = -100;

/** Opens whose path is relative, turned absolute by the directory they were taken from (the process's cwd, or dfd's). */
function createResolver(host: HostInfo): { resolve: (pid: number, dfd: number, path: string) => { path: string; relative: boolean }; reset: () => void } {
  let dirs = new Map<string, string | null>();
  const dirOf = (pid: number, dfd: number): string | null => {
    const link = dfd === AT_FDCWD ? `/proc/${pid}/cwd` : `/proc/${pid}/fd/${dfd}`;
    let d = dirs.get(link);
    if (d === undefined) {
      const target = host.readLink?.(link) ?? null;
      d = target !== null && target.startsWith('/') ? escapeControl(target) : null;
      dirs.set(link, d);
    }
    return d;
  };
  const resolve = (pid: number, dfd: number, path: string): { path: string; relative: boolean } => {
    if (path.startsWith('/') || path === '') return { path, relative: false };
    const dir = dirOf(pid, dfd);
    return dir === null ? { path, relative: true } : { path: posix.join(dir, path), relative: false };
  };
  // A process's directories are read once per interval: it may change them between two.
  return {
    resolve,
    reset: () => {
      dirs = new Map();
    },
  };
}

/** Reads the ring: decodes each open, resolves its path, and keeps the scrollback. */
export function createOpensnoopReader(obj: BpfObject<Maps>, layouts: Readonly<Record<'event' | 'stat', RecordLayout>>, host: HostInfo): () => OpensnoopSample {
  obj.openRing('opensnoop_events', { maxBytes: STAGING_BYTES });
  const cgroupOf = createCgroupNamer(host);
  const resolver = createResolver(host);
  const decode = opensnoopDecoder(layouts.event);
  let recent: OpenEvent[] = [];
  let seq = 0;
  return () => {
    const take = obj.takeRing('opensnoop_events');
    const stats = decodeCounterArray(obj.readMap('opensnoop_stats'), layouts.stat, 'opensnoop_stats');
    const offsetMs = Date.now() - host.nowNs() / 1e6;
    resolver.reset();
    const opens: OpenEvent[] = [];
    for (const buf of ringRecords(take)) {
      const rec = decode(buf);
      if (!rec) continue;
      const cg = cgroupOf(rec.cgid);
      const where = resolver.resolve(rec.pid, rec.dfd, rec.path);
      opens.push({
        id: `o${++seq}`,
        seq,
        time_ms: Math.round(offsetMs + rec.tsNs / 1e6),
        pid: rec.pid,
        tid: rec.tid,
        uid: rec.uid,
        comm: rec.comm,
        call: rec.call,
        path: where.path,
        relative: where.relative,
        cut: rec.cut,
        flags: rec.flags,
        flags_text: openFlagsText(rec.flags),
        mode: rec.mode,
        ret: rec.ret,
        error: rec.ret < 0 ? errnoName(-rec.ret) : '',
        call_ns: rec.callNs,
        cgroup: cg.cgroup,
        workload: cg.workload,
      });
    }
    recent = keepRecent(recent, opens, RECENT_OPENS);
    return { opens, recent, ringFull: stats[STAT.RING_FULL] ?? 0, mapFull: stats[STAT.MAP_FULL] ?? 0, rateDropped: take.dropped };
  };
}

/** made once (an arrow made per call is compiled again after each major GC: models/delta.ts) */
const opensOf = (r: Record<string, unknown>): number => num(r.opens);

export function opensnoopStats(sample: OpensnoopSample, previous: OpensnoopSample | undefined): Record<string, number> {
  let failed = 0;
  for (const e of sample.opens) if (e.ret < 0) failed++;
  return { opens: sample.opens.length, failed, ...ringStats(sample, previous) };
}

/** "2,300 opens/s, most: nginx 1,800/s; 120 failed/s, most: ENOENT /etc/x.conf (cron) 100/s" */
export function opensnoopSummary(rows: readonly OpensnoopRow[], stats: PanelStats, elapsedNs: number): Summary {
  const per = (n: number): number | null => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : null);
  const opens = num(stats.opens);
  const failed = num(stats.failed);
  const lost = lostEvents(stats);
  const byComm = busyByName(rows as unknown as Record<string, unknown>[], opensOf);
  let top: [string, number] | undefined;
  for (const e of byComm) if (e[1] > (top?.[1] ?? 0)) top = e;
  let worst: OpensnoopRow | undefined;
  for (const r of rows) if (r.error && r.opens > (worst?.opens ?? 0)) worst = r;
  const rate = (n: number): string => humanCount(Math.round(per(n) ?? 0));
  const text =
    `${rate(opens)} opens/s` +
    (top ? `, most: ${top[0]} ${rate(top[1])}/s` : '') +
    (failed ? `; ${rate(failed)} failed/s` : '') +
    (worst ? `, most: ${worst.error} ${worst.path} (${worst.comm}) ${rate(worst.opens)}/s` : '') +
    lostText(lost);
  return { text, values: { opens_per_s: per(opens), failed_per_s: per(failed), lost }, ...(lost ? { warning: true } : {}) };
}

const pathColumn = <R extends { path: string; relative?: boolean; cut?: boolean }>(help: string): Column<R> => ({
  key: 'path',
  title: 'PATH',
  width: 40,
  minWidth: 16,
  maxWidth: 600,
  align: 'left',
  keep: 'end',
  value: (r) => r.path,
  format: (v, r) => `${r.relative ? './' : ''}${String(v)}${r.cut ? '…' : ''}`,
  help,
});

const errorColumn = <R extends { error: string }>(help: string): Column<R> => ({
  key: 'error',
  title: 'ERROR',
  width: 8,
  align: 'left',
  value: (r) => r.error,
  format: (v) => String(v || '-'),
  help,
});

const flagsColumn = <R extends { flags_text: string }>(): Column<R> => ({
  key: 'flags_text',
  title: 'FLAGS',
  width: 18,
  minWidth: 8,
  maxWidth: 60,
  drop: 3,
  align: 'left',
  keep: 'start',
  value: (r) => r.flags_text,
  format: (v) => String(v).replace(/O_/g, ''),
  help: 'the open flags (the last call’s, for a row), without their O_ (RDONLY, WRONLY|CREAT|TRUNC, …)',
});

function mergeRows(rows: readonly OpensnoopRow[]): OpensnoopRow {
  const first = rows[0]!;
  const opens = rows.reduce((a, r) => a + r.opens, 0);
  const calls = rows.reduce((a, r) => a + r.call_avg_ns * r.opens, 0);
  return { ...first, opens, call_avg_ns: opens ? calls / opens : 0 };
}

const GROUPINGS: readonly Grouping<OpensnoopRow>[] = [
  {
    name: 'path',
    by: ['path', 'error'],
    key: (r) => `${r.path}\u0000${r.error}`,
    merge: mergeRows,
    hide: ['pid', 'comm', 'fd', 'flags_text', 'workload', 'cgroup'],
    member: (r) => `${r.comm} ${r.pid}`,
  },
  {
    name: 'process',
    by: ['pid', 'comm'],
    key: (r) => `${r.pid}`,
    merge: mergeRows,
    hide: ['path', 'error', 'fd', 'flags_text'],
    member: (r) => `${r.error || 'ok'} ${r.path}`,
  },
  {
    name: 'error',
    by: ['error'],
    key: (r) => r.error,
    merge: mergeRows,
    hide: ['pid', 'comm', 'path', 'fd', 'flags_text', 'workload', 'cgroup'],
    member: (r) => `${r.comm} ${r.path}`,
  },
  byCgroup(mergeRows, ['pid', 'comm', 'path', 'error', 'fd', 'flags_text'], (r) => `${r.comm} ${r.path}`),
];

const resultText = (e: OpenEvent): string => (e.ret >= 0 ? `fd ${e.ret}` : `${e.ret} ${e.error}`);

export const OPEN_EVENTS: EventsSpec<OpenEvent> = {
  noun: 'open',
  order: (e) => e.seq,
  help: `the last ${RECENT_OPENS} opens, newest first, each with its flags and result`,
  // A recording keeps seq, flags and ret; the id, the flags' text and the error's name are made from them as the reader made them.
  stored: {
    omit: ['id', 'flags_text', 'error'],
    restore: (e) => {
      if (typeof e.seq === 'number') e.id = `o${e.seq}`;
      if (typeof e.flags === 'number') e.flags_text = openFlagsText(e.flags);
      if (typeof e.ret === 'number') e.error = e.ret < 0 ? errnoName(-e.ret) : '';
    },
  },
  defaultSort: { key: 'seq', descending: true },
  columns: [
    timeColumn<OpenEvent>('when the open returned (local time, ms)'),
    pidColumn<OpenEvent>('the process that opened'),
    commColumn<OpenEvent>('its name'),
    {
      key: 'ret',
      title: 'RESULT',
      width: 10,
      align: 'right',
      value: (e) => e.ret,
      format: (_v, e) => (e.ret >= 0 ? String(e.ret) : `${e.ret} ${e.error}`),
      help: 'the fd it got, or -errno and its name',
    },
    flagsColumn<OpenEvent>(),
    pathColumn<OpenEvent>('the path, absolute (a relative one joined to the directory it was taken from; ./ where that could not be read)'),
    workloadColumn<OpenEvent>(5),
    cgroupColumn<OpenEvent>(6),
  ],
  detail: [
    { label: 'open', value: (e) => `${clock(e.time_ms)} ${e.call} by pid ${e.pid} (${e.comm}), thread ${e.tid}, uid ${e.uid}` },
    {
      label: 'path',
      value: (e) => `${e.path}${e.relative ? ' (relative: the directory it was taken from could not be read)' : ''}${e.cut ? ' (cut at 512 bytes)' : ''}`,
    },
    { label: 'flags', value: (e) => `${e.flags_text} (0${e.flags.toString(8)})${e.flags & 0o100 ? `, mode 0${e.mode.toString(8)}` : ''}` },
    { label: 'result', value: (e) => `${resultText(e)}, the call took ${humanNs(e.call_ns)}` },
    { label: 'cgroup', value: (e) => (e.cgroup ? `${e.cgroup} (${e.workload})` : '-') },
  ],
  cgroupOf: (e) => e.cgroup || null,
  tone: (e) => (e.ret < 0 ? 'bad' : null),
};

export const FAILED_COUNTER: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'opens not followed' };

export const opensnoopPanel: PanelDef<OpensnoopSample, OpensnoopRow> = {
  id: 'opensnoop',
  title: 'opensnoop',
  // Its hooks run on every open of every process.
  attach: 'on-screen',
  source: {
    kind: 'bpf',
    stem: 'opensnoop',
    tiers: TIERS,
    mapSizes: ringMapSize('opensnoop_events'),
    records: OPENSNOOP_RECORDS,
    cgroupFilter: true,
    omitsSelf: true,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createOpensnoopReader(obj, layouts, host),
  },
  hookList: TIERS,
  derive: deriveOpensnoop,
  stats: opensnoopStats,
  summarize: opensnoopSummary,
  trend: (r) => r.opens,
  trendOf: { label: 'opens per interval' },
  recentEvents: (sample) => [...sample.recent].reverse(),
  events: OPEN_EVENTS,
  columns: [
    pidColumn<OpensnoopRow>('the process that opened'),
    commColumn<OpensnoopRow>('its name'),
    countColumn('opens', 'OPENS', 'opens of this path with this result in the interval, per second in the table', 8),
    errorColumn<OpensnoopRow>('the error they failed with ("-": they succeeded): a path’s failures are a row per error'),
    {
      key: 'fd',
      title: 'FD',
      width: 5,
      align: 'right',
      drop: 2,
      value: (r) => r.fd,
      format: (v) => (asNumber(v) === null ? '-' : String(v)),
      help: 'the last fd an open of it got',
    },
    {
      key: 'call_avg_ns',
      title: 'CALL',
      width: 7,
      align: 'right',
      unit: 'latency',
      drop: 1,
      value: (r) => r.call_avg_ns,
      format: (v) => humanNs(asNumber(v)),
      help: 'the mean time of the open calls (path lookup, permission checks, the file system’s open)',
      decimals: 0,
    },
    flagsColumn<OpensnoopRow>(),
    pathColumn<OpensnoopRow>('the path, absolute (a relative one joined to the directory it was taken from; ./ where that could not be read)'),
    workloadColumn<OpensnoopRow>(5),
    cgroupColumn<OpensnoopRow>(6),
  ],
  defaultSort: { key: 'opens', descending: true },
  detail: [
    { label: 'process', value: (r) => `${r.comm} (pid ${r.pid}, uid ${r.uid})` },
    { label: 'path', value: (r) => r.path },
    {
      label: 'opens',
      value: (r) => `${r.opens} in the interval, ${r.error ? `all failed with ${r.error}` : `last fd ${r.fd ?? '-'}`}, mean call ${humanNs(r.call_avg_ns)}`,
    },
    { label: 'flags', value: (r) => r.flags_text },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
  ],
  groupings: GROUPINGS,
  cgroupOf: (r) => r.cgroup || null,
  tone: (r) => (r.error ? 'bad' : null),
  drops: [RING_FULL, RATE_DROPPED, FAILED_COUNTER, BPF_MISSED],
  // An open is an enter run reading the path and an exit run sending it (bench/RESULTS.md).
  costEstimate: { nsPerEvent: 1500, events: (_rows, stats) => num(stats.opens) },
  metrics: {
    families: {
      opens: { name: 'sixty_opens_total', help: 'Files opened, by process name (the busiest; the rest as comm="(other processes)").', type: 'counter' },
      failed: { name: 'sixty_open_failures_total', help: 'Opens that failed, by process name and error.', type: 'counter' },
    },
    fold(panel, sink) {
      const rows = panel.rows as unknown as readonly Record<string, unknown>[];
      const labelOf = sink.processLabels(busyByName(rows, opensOf));
      for (const { labels, sums } of sumByProcess(rows, ['opens'] as const, labelOf)) sink.add('opens', labels, sums.opens);
      const failed = rows.filter((r) => r.error);
      for (const { labels, sums } of sumByProcess(failed, ['opens'] as const, labelOf, (r) => ({ error: String(r.error) })))
        sink.add('failed', labels, sums.opens);
    },
  },
  blindSpots:
    'Opens through open(2), openat(2), openat2(2) and creat(2); io_uring’s IORING_OP_OPENAT and files a process gets otherwise (exec, memfd, a socket, a file passed over a socket) are not opens here. The path is read from the caller’s memory as it enters the call (at most 512 bytes: longer ones are marked cut). A relative path is joined to the directory it was taken from as it is when sixty reads the interval: a process that changed directory since, or ended, shows it relative (./). Attached while on screen (its hooks run on every open). The events cross through an 8 MiB ring buffer drained every 25 ms (every 100 ms while it stays empty); when it is full, or more than 8 MiB of events arrive within one interval, they are counted as lost and the summary says so.',
};
