/**
 * The biosnoop panel: every block I/O request, with the task that issued it, its disk, operation, sector, bytes and
 * latency (the seed's biosnoop). One event per request as it completes, through a ring buffer; every one lost is
 * counted. Two views: the requests of the interval per (process, disk, operation), and `v`, the recent requests.
 */
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { humanBytes, humanNs } from '../format.js';
import { decodeCounterArray, type RecordLayout } from '../records/layout.js';
import { BIOSNOOP_RECORDS, biosnoopDecoder } from '../records/biosnoop.js';
import { ringRecords } from '../records/ring.js';
import { deriveBiosnoop, type BiosnoopRow, type BiosnoopSample, type IoEvent } from '../models/biosnoop.js';
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
import { num } from './metric-kit.js';
import { biosnoop as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.biosnoop_stat;

const TIERS: readonly Tier<Programs>[] = [
  { name: 'tp_btf', types: ['tp_btf'], programs: ['biosnoop_issue_btf', 'biosnoop_complete_btf'], hooks: 'tp_btf block_rq_issue + block_rq_complete' },
  { name: 'raw_tp', types: ['raw_tp'], programs: ['biosnoop_issue_raw', 'biosnoop_complete_raw'], hooks: 'raw_tp block_rq_issue + block_rq_complete' },
];

export const RECENT_IOS = 1000;

const UNFOLLOWED: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'requests not followed' };
const UNSEEN: DropCounter = { key: 'unseen_completions', total: 'unseen_completions_total', reason: 'unseen_completions' };

export function createBiosnoopReader(obj: BpfObject<Maps>, layouts: Readonly<Record<'event' | 'stat', RecordLayout>>, host: HostInfo): () => BiosnoopSample {
  obj.openRing('biosnoop_events', { maxBytes: STAGING_BYTES });
  const decode = biosnoopDecoder(layouts.event);
  const cgroupOf = createCgroupNamer(host);
  let recent: IoEvent[] = [];
  let seq = 0;
  return () => {
    const take = obj.takeRing('biosnoop_events');
    const stats = decodeCounterArray(obj.readMap('biosnoop_stats'), layouts.stat, 'biosnoop_stats');
    const offsetMs = Date.now() - host.nowNs() / 1e6;
    const ios: IoEvent[] = [];
    for (const buf of ringRecords(take)) {
      const r = decode(buf);
      if (!r) continue;
      const cg = cgroupOf(r.cgid);
      ios.push({
        id: `b${++seq}`,
        seq,
        time_ms: Math.round(offsetMs + r.tsNs / 1e6),
        pid: r.pid,
        comm: r.comm,
        disk: r.disk || `${r.major}:${r.minor}`,
        op: r.op,
        sector: r.sector,
        bytes: r.bytes,
        lat_ns: r.latNs,
        error: r.error,
        cgroup: cg.cgroup,
        workload: cg.workload,
      });
    }
    recent = keepRecent(recent, ios, RECENT_IOS);
    return {
      ios,
      recent,
      ringFull: stats[STAT.RING_FULL] ?? 0,
      mapFull: stats[STAT.MAP_FULL] ?? 0,
      rateDropped: take.dropped,
      unseen: stats[STAT.UNSEEN] ?? 0,
    };
  };
}

export function biosnoopStats(sample: BiosnoopSample, previous: BiosnoopSample | undefined): Record<string, number> {
  let bytes = 0;
  let errors = 0;
  for (const e of sample.ios) {
    bytes += e.bytes;
    if (e.error !== 0) errors++;
  }
  return {
    ios: sample.ios.length,
    bytes,
    errors,
    ...ringStats(sample, previous),
    unseen_completions: Math.max(0, sample.unseen - (previous?.unseen ?? 0)),
    unseen_completions_total: sample.unseen,
  };
}

export function biosnoopSummary(rows: readonly BiosnoopRow[], stats: PanelStats, elapsedNs: number): Summary {
  const per = (n: number): number | null => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : null);
  let top: BiosnoopRow | undefined;
  let slowest: BiosnoopRow | undefined;
  for (const r of rows) {
    if (r.ios > (top?.ios ?? 0)) top = r;
    if (r.lat_max_ns > (slowest?.lat_max_ns ?? -1)) slowest = r;
  }
  const lost = lostEvents(stats);
  const text =
    `${Math.round(per(num(stats.ios)) ?? 0)} IO/s, ${humanBytes(per(num(stats.bytes)))}/s` +
    (top ? `, most: ${top.comm} ${top.op} ${top.disk}` : '') +
    (slowest ? `; slowest ${humanNs(slowest.lat_max_ns)} (${slowest.comm} ${slowest.op} ${slowest.disk})` : '') +
    lostText(lost);
  return { text, values: { io_per_s: per(num(stats.ios)), bytes_per_s: per(num(stats.bytes)), lost }, ...(lost ? { warning: true } : {}) };
}

const latColumn = <R>(key: keyof R & string, title: string, help: string): Column<R> => ({
  key,
  title,
  width: 8,
  align: 'right',
  unit: 'latency',
  value: (r) => r[key] as number,
  format: (v) => humanNs(asNumber(v)),
  help,
  decimals: 0,
});

const diskColumn = <R extends { disk: string }>(): Column<R> => ({
  key: 'disk',
  title: 'DISK',
  width: 9,
  minWidth: 6,
  align: 'left',
  value: (r) => r.disk,
  format: (v) => String(v),
  help: 'the disk',
});

const opColumn = <R extends { op: string }>(): Column<R> => ({
  key: 'op',
  title: 'OP',
  width: 7,
  align: 'left',
  value: (r) => r.op,
  format: (v) => String(v),
  help: 'read, write, discard, flush or other',
});

function mergeRows(rows: readonly BiosnoopRow[]): BiosnoopRow {
  const ios = rows.reduce((a, r) => a + r.ios, 0);
  return {
    ...rows[0]!,
    ios,
    bytes: rows.reduce((a, r) => a + r.bytes, 0),
    lat_avg_ns: rows.reduce((a, r) => a + r.lat_avg_ns * r.ios, 0) / ios,
    lat_max_ns: Math.max(...rows.map((r) => r.lat_max_ns)),
    errors: rows.reduce((a, r) => a + r.errors, 0),
  };
}

const GROUPINGS: readonly Grouping<BiosnoopRow>[] = [
  {
    name: 'disk',
    by: ['disk', 'op'],
    key: (r) => `${r.disk}/${r.op}`,
    merge: mergeRows,
    hide: ['pid', 'comm', 'workload', 'cgroup'],
    member: (r) => `${r.comm} ${r.pid}`,
  },
  { name: 'process', by: ['pid', 'comm'], key: (r) => String(r.pid), merge: mergeRows, hide: ['disk', 'op'], member: (r) => `${r.op} ${r.disk}` },
  byCgroup(mergeRows, ['pid', 'comm', 'disk', 'op'], (r) => `${r.comm} ${r.op} ${r.disk}`),
];

export const IO_EVENTS: EventsSpec<IoEvent> = {
  noun: 'request',
  order: (e) => e.seq,
  help: `the last ${RECENT_IOS} requests completed, newest first`,
  defaultSort: { key: 'seq', descending: true },
  columns: [
    timeColumn<IoEvent>('when it completed (local time, ms)'),
    pidColumn<IoEvent>('the task that issued it'),
    commColumn<IoEvent>('its name'),
    diskColumn<IoEvent>(),
    opColumn<IoEvent>(),
    {
      key: 'sector',
      title: 'SECTOR',
      width: 12,
      align: 'right',
      ascending: true,
      value: (e) => e.sector,
      format: (v) => String(v),
      help: 'its first sector (512 bytes each)',
      decimals: 0,
    },
    {
      key: 'bytes',
      title: 'BYTES',
      width: 8,
      align: 'right',
      unit: 'bytes',
      value: (e) => e.bytes,
      format: (v) => humanBytes(asNumber(v)),
      help: 'its size',
      decimals: 0,
    },
    latColumn<IoEvent>('lat_ns', 'LAT', 'issue to the device → completion'),
    workloadColumn<IoEvent>(5),
    cgroupColumn<IoEvent>(6),
  ],
  detail: [
    { label: 'request', value: (e) => `${clock(e.time_ms)} ${e.op} of ${e.bytes} bytes at sector ${e.sector} on ${e.disk}` },
    { label: 'issued by', value: (e) => `${e.comm} (pid ${e.pid})` },
    { label: 'latency', value: (e) => `${humanNs(e.lat_ns)} from issue to completion${e.error ? `; status ${e.error}` : ''}` },
    { label: 'cgroup', value: (e) => (e.cgroup ? `${e.cgroup} (${e.workload})` : '-') },
  ],
  cgroupOf: (e) => e.cgroup || null,
  tone: (e) => (e.error !== 0 ? 'bad' : null),
};

export const biosnoopPanel: PanelDef<BiosnoopSample, BiosnoopRow> = {
  id: 'biosnoop',
  title: 'biosnoop',
  // Its hooks run on every request of every disk.
  attach: 'on-screen',
  source: {
    kind: 'bpf',
    stem: 'biosnoop',
    tiers: TIERS,
    mapSizes: ringMapSize('biosnoop_events'),
    records: BIOSNOOP_RECORDS,
    cgroupFilter: true,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createBiosnoopReader(obj, layouts, host),
  },
  hookList: TIERS,
  derive: deriveBiosnoop,
  stats: biosnoopStats,
  summarize: biosnoopSummary,
  trend: (r) => r.ios,
  trendOf: { label: 'requests per interval' },
  recentEvents: (sample) => [...sample.recent].reverse(),
  events: IO_EVENTS,
  columns: [
    pidColumn<BiosnoopRow>('the task that issued them (the submitter for direct I/O; a flusher or kworker for writeback)'),
    commColumn<BiosnoopRow>('its name'),
    diskColumn<BiosnoopRow>(),
    opColumn<BiosnoopRow>(),
    countColumn('ios', 'IOS', 'requests completed in the interval, per second in the table'),
    {
      key: 'bytes',
      title: 'BYTES/s',
      width: 8,
      align: 'right',
      unit: 'bytes',
      perInterval: true,
      value: (r) => r.bytes,
      format: (v) => humanBytes(asNumber(v)),
      help: 'their bytes',
      decimals: 0,
    },
    latColumn<BiosnoopRow>('lat_avg_ns', 'AVG', 'their mean latency, issue → completion'),
    latColumn<BiosnoopRow>('lat_max_ns', 'MAX', 'the slowest of them'),
    countColumn('errors', 'ERRS', 'requests completed with an error status'),
    workloadColumn<BiosnoopRow>(5),
    cgroupColumn<BiosnoopRow>(6),
  ],
  defaultSort: { key: 'ios', descending: true },
  detail: [
    { label: 'requests', value: (r) => `${r.comm} (pid ${r.pid}): ${r.ios} ${r.op}s on ${r.disk}, ${humanBytes(r.bytes)}, ${r.errors} with an error` },
    { label: 'latency', value: (r) => `mean ${humanNs(r.lat_avg_ns)}, slowest ${humanNs(r.lat_max_ns)}` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
  ],
  groupings: GROUPINGS,
  cgroupOf: (r) => r.cgroup || null,
  tone: (r) => (r.errors > 0 ? 'bad' : null),
  drops: [RING_FULL, RATE_DROPPED, UNFOLLOWED, UNSEEN, BPF_MISSED],
  costEstimate: { nsPerEvent: 1500, events: (_rows, stats) => num(stats.ios) },
  blindSpots:
    'A request is named by the task that issued it to the device: the submitter for direct I/O and most reads, a flusher or kworker for writeback and for requests the scheduler held (biotop names the submitter from where the request started). Latency runs from the issue to the completion tracepoint, which fires before the completion callbacks: a little less than diskstats’ await, which also counts the time queued. A request completed in parts is sent at its first part. Requests whose completion no program saw are counted (biotop’s decisions). Attached while on screen. The events cross through an 8 MiB ring buffer drained every 25 ms (every 100 ms while it stays empty); what it or the rate bound turns away is counted.',
};
