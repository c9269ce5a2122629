/** The biotop panel: block I/O per process, disk and operation, with latency from issue to completion. */
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { histQuantile, biotopStats, deriveBiotop, type BiotopEntry, type BiotopRow, type BiotopSample } from '../models/biotop.js';
import {
  BIOTOP_HIST_SLOTS,
  BIOTOP_RECORDS,
  decodeBiotop,
  decodeBiotopInflight,
  devMajor,
  devMinor,
  type BiotopInflight,
  type BiotopLayouts,
  type BiotopRecord,
} from '../records/biotop.js';
import { humanBytes, humanCount, humanNs } from '../format.js';
import { decodeCounterArray } from '../records/layout.js';
import type { BpfObject } from '../native.js';
import { byCgroup, sumArrays, sumOf, sumRate, weightedMean, type Grouping } from './group.js';
import { BPF_MISSED, type HostInfo, MAP_FULL, type PanelDef, type PanelStats, type Summary, type Tier, UNMATCHED_COMPLETIONS, asNumber } from './types.js';
import { log2Buckets } from './metric-kit.js';
import { biotop as names } from '../generated/bpf.js';

/** The object's programs and maps, by name: a name it does not have does not compile. */
type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.biotop_stat;

/** A row whose counters have not moved for this long is taken out of the kernel map (with its last counts). */
const IDLE_DELETE_NS = 30e9;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tp_btf',
    types: ['tp_btf', 'raw_tp'],
    programs: ['biotop_start_btf', 'biotop_issue_btf', 'biotop_done_btf', 'biotop_requeue_raw'],
    hooks: 'tp_btf block_io_start + block_rq_issue + block_io_done (+ raw_tp block_rq_requeue)',
  },
  {
    name: 'raw_tp',
    types: ['raw_tp'],
    programs: ['biotop_start_raw', 'biotop_issue_raw', 'biotop_done_raw', 'biotop_requeue_raw'],
    hooks: 'raw_tp block_io_start + block_rq_issue + block_io_done + block_rq_requeue',
  },
  {
    name: 'fentry',
    types: ['fentry', 'raw_tp'],
    programs: ['biotop_start_fentry', 'biotop_issue_fentry', 'biotop_done_fentry', 'biotop_requeue_raw'],
    hooks: 'fentry blk_account_io_start + blk_mq_start_request + blk_account_io_done (+ raw_tp block_rq_requeue)',
  },
  {
    name: 'kprobe',
    types: ['kprobe', 'raw_tp'],
    programs: ['biotop_start_kprobe', 'biotop_issue_kprobe', 'biotop_done_kprobe', 'biotop_requeue_raw'],
    hooks: 'kprobe blk_account_io_start + blk_mq_start_request + blk_account_io_done (+ raw_tp block_rq_requeue)',
  },
  {
    name: 'raw_tp_legacy',
    types: ['raw_tp'],
    programs: ['biotop_insert_raw', 'biotop_issue_raw', 'biotop_complete_raw', 'biotop_requeue_raw'],
    hooks: 'raw_tp block_rq_insert + block_rq_issue + block_rq_complete + block_rq_requeue (kernels before 6.5)',
  },
];

const rowId = (r: { pid: number; dev: number; op: string }): string => `p${r.pid}-${devMajor(r.dev)}:${devMinor(r.dev)}-${r.op}`;

/** Requests in flight per disk (dev_t as biotop encodes it), from /proc/diskstats' "I/Os currently in progress". */
export function disksInFlight(diskstats: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of diskstats.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 12) continue;
    const major = Number(f[0]);
    const minor = Number(f[1]);
    const n = Number(f[11]);
    if (Number.isInteger(major) && Number.isInteger(minor) && Number.isFinite(n)) out.set(((major << 20) | minor) >>> 0, n);
  }
  return out;
}

/** Completions counted here rather than in the kernel's row (see the sweep below), for one instance of a row. */
interface Extra {
  /** the kernel row's `created` they belong to; -1: no kernel row exists, they stand alone */
  created: number;
  io: number;
  bytes: number;
  base: BiotopRecord;
  changedNs: number;
}

/**
 * Reads biotop's maps. Rows are cumulative in the kernel; those idle for 30 s are taken out with lookup-and-delete,
 * and their last counts still reach the sample.
 *
 * The sweep: a request whose completion no program saw is counted by the kernel side when its slot is used again
 * (BIOTOP_STAT_UNSEEN). One whose slot is not used again, because the disk went quiet, stays in biotop_inflight: when
 * an issued entry is there unchanged at two reads in a row, and the kernel says its disk has nothing in flight
 * (/proc/diskstats), it completed unseen. It is taken out of the map and counted here, with its bytes, without latency.
 */
export function createBiotopReader(obj: BpfObject<Maps>, layouts: BiotopLayouts, host: HostInfo): () => BiotopSample {
  const capacity = obj.mapInfo('biotop_rows').maxEntries;
  const seen = new Map<string, { io: number; lastActiveNs: number; rawKey: Buffer }>();
  const extras = new Map<string, Extra>();
  let swept = 0;
  let issuedBefore = new Map<string, number>();
  const cgroupOf = createCgroupNamer(host);
  const entry = (r: BiotopRecord, id: string): BiotopEntry => ({ ...r, id, ...cgroupOf(r.cgid) });

  /** Issued entries that were there unchanged at the read before, on disks with nothing in flight: taken and returned. */
  const sweep = (): BiotopInflight[] => {
    const issued = decodeBiotopInflight(obj.readMap('biotop_inflight'), layouts);
    const before = issuedBefore;
    issuedBefore = new Map(issued.map((e) => [e.key, e.issueNs]));
    const candidates = issued.filter((e) => before.get(e.key) === e.issueNs);
    if (candidates.length === 0) return [];
    const busy = disksInFlight(host.readText('/proc/diskstats'));
    const quiet = candidates.filter((e) => busy.get(e.dev) === 0);
    if (quiet.length === 0) return [];
    const expected = new Map(quiet.map((e) => [e.key, e.issueNs]));
    const taken = obj.takeKeys('biotop_inflight', Buffer.concat(quiet.map((e) => e.rawKey)));
    const out: BiotopInflight[] = [];
    for (let i = 0; i < taken.count; i++) {
      const key = taken.keys.subarray(i * taken.keySize, (i + 1) * taken.keySize);
      const value = taken.values.subarray(i * taken.valueSize, (i + 1) * taken.valueSize);
      const [e] = decodeBiotopInflight({ ...taken, keys: key, values: value, count: 1 }, layouts);
      issuedBefore.delete(key.toString('hex'));
      if (e && expected.get(e.key) === e.issueNs) out.push(e);
      // A new request took the slot between the read and the take (not issued yet, or issued again): it goes back.
      else obj.updateKeys('biotop_inflight', Buffer.from(key), Buffer.from(value));
    }
    return out;
  };

  return () => {
    const now = host.nowNs();
    const counters = decodeCounterArray(obj.readMap('biotop_stats'), layouts.stat, 'biotop_stats');
    const read = obj.readMap('biotop_rows');
    const records = decodeBiotop(read, layouts);
    const rows = new Map<string, BiotopEntry>();
    const stale: Buffer[] = [];
    const created = new Map<string, number>();
    records.forEach((r, i) => {
      const id = rowId(r);
      created.set(id, r.created);
      const s = seen.get(id);
      const rawKey = s?.rawKey ?? Buffer.from(read.keys.subarray(i * layouts.key.size, (i + 1) * layouts.key.size));
      const active = !s || s.io !== r.io;
      const lastActiveNs = active ? now : s.lastActiveNs;
      seen.set(id, { io: r.io, lastActiveNs, rawKey });
      if (now - lastActiveNs >= IDLE_DELETE_NS) stale.push(rawKey);
      rows.set(id, entry(r, id));
    });
    for (const e of sweep()) {
      const id = rowId(e);
      const instance = created.get(id) ?? -1;
      let x = extras.get(id);
      if (!x || x.created !== instance) {
        x = {
          created: instance,
          io: 0,
          bytes: 0,
          changedNs: now,
          base: {
            pid: e.pid,
            dev: e.dev,
            op: e.op,
            comm: e.comm,
            disk: e.disk,
            cgid: e.cgid,
            io: 0,
            bytes: 0,
            latIo: 0,
            latNs: 0,
            awaitNs: 0,
            awaitIo: 0,
            created: -1,
            hist: new Float64Array(BIOTOP_HIST_SLOTS),
          },
        };
        extras.set(id, x);
      }
      x.io++;
      x.bytes += e.bytes;
      x.changedNs = now;
      swept++;
    }
    if (stale.length > 0) {
      const taken = decodeBiotop(obj.takeKeys('biotop_rows', Buffer.concat(stale)), layouts);
      for (const r of taken) {
        rows.set(rowId(r), entry(r, rowId(r))); // the counts at the moment it left
        seen.delete(rowId(r));
      }
    }
    for (const id of seen.keys()) if (!rows.has(id)) seen.delete(id);
    // Extras belong to one instance of their row: the kernel's (its `created`), or their own when it has none.
    for (const [id, x] of extras) {
      const row = rows.get(id);
      if (row && row.created === x.created) {
        rows.set(id, { ...row, io: row.io + x.io, bytes: row.bytes + x.bytes });
        if (!seen.has(id)) extras.delete(id); // the row left (idle): these counts left with it
      } else if (!row && x.created === -1) {
        if (now - x.changedNs >= IDLE_DELETE_NS) extras.delete(id);
        else rows.set(id, { ...entry(x.base, id), io: x.io, bytes: x.bytes });
      } else {
        extras.delete(id); // a new instance of the row: what was counted here was reported with the old one
      }
    }
    return {
      rows,
      unseen: (counters[STAT.UNSEEN] ?? 0) + swept,
      unmatched: counters[STAT.UNMATCHED] ?? 0,
      mapFull: counters[STAT.MAP_FULL] ?? 0,
      inFlight: issuedBefore.size,
      entries: read.count - stale.length,
      capacity,
    };
  };
}

const mib = (n: number): string => (n / 1048576).toFixed(2);

/** Requests and bytes per second by direction, and the requests whose completion no program saw. */
export function biotopSummary(rows: readonly BiotopRow[], stats: PanelStats): Summary {
  let read = 0;
  let write = 0;
  let iops = 0;
  for (const r of rows) {
    iops += r.io_per_s ?? 0;
    if (r.op === 'read') read += r.bytes_per_s ?? 0;
    if (r.op === 'write') write += r.bytes_per_s ?? 0;
  }
  const procs = new Set(rows.map((r) => r.pid)).size;
  const unseen = stats.unseen_completions_total ?? 0;
  const unmatched = stats.unmatched_completions_total ?? 0;
  let text = `${procs} processes doing I/O, ${Math.round(iops)} IO/s, read ${mib(read)} MiB/s, write ${mib(write)} MiB/s`;
  if (unseen > 0) text += `; ${unseen} completions no hook saw since start (counted, without latency)`;
  if (unmatched > 0) text += `; ${unmatched} completions of requests started before sixty (not counted)`;
  if ((stats.map_full_drops_total ?? 0) > 0) text += `; totals incomplete: ${stats.map_full_drops_total} completions dropped since start (map full)`;
  return {
    text,
    values: { processes: procs, io_per_s: iops, read_bytes_per_s: read, write_bytes_per_s: write, unseen_completions_total: unseen },
    ...((stats.map_full_drops_total ?? 0) > 0 ? { warning: true } : {}),
  };
}

const measured = (r: BiotopRow): number => r.lat_hist.reduce((n, x) => n + x, 0);

/** Requests summed: counts and bytes added up, latencies averaged over the requests, p99 from the merged histogram. */
function mergeBiotop(rows: readonly BiotopRow[]): BiotopRow {
  const lat_hist = sumArrays(rows.map((r) => r.lat_hist));
  return {
    ...rows[0]!,
    io: sumOf(rows, (r) => r.io),
    bytes: sumOf(rows, (r) => r.bytes),
    // Latencies cover the requests whose completion was seen: each is in the histogram once.
    avg_lat_ns: weightedMean(rows, (r) => r.avg_lat_ns, measured),
    await_ns: weightedMean(rows, (r) => r.await_ns, measured),
    p99_lat_ns: histQuantile(lat_hist, 0.99),
    io_per_s: sumRate(rows, (r) => r.io_per_s),
    bytes_per_s: sumRate(rows, (r) => r.bytes_per_s),
    lat_hist,
  };
}

const BIOTOP_GROUPINGS: readonly Grouping<BiotopRow>[] = [
  {
    name: 'disk',
    by: ['disk'],
    key: (r) => `${r.major}:${r.minor}`,
    merge: mergeBiotop,
    hide: ['pid', 'comm', 'op', 'workload', 'cgroup'],
    hideDetail: ['process', 'disk'],
    member: (r) => `${r.pid || '-'} ${r.comm || '[kernel]'} ${r.op}`,
  },
  {
    name: 'process',
    by: ['pid', 'comm'],
    key: (r) => `${r.pid}/${r.comm}`,
    merge: mergeBiotop,
    hide: ['op', 'disk', 'major', 'minor'],
    hideDetail: ['disk'],
    member: (r) => `${r.disk || '?'} ${r.op}`,
  },
  byCgroup(mergeBiotop, ['pid', 'comm', 'op', 'disk', 'major', 'minor'], (r) => `${r.pid || '-'} ${r.comm || '[kernel]'} ${r.disk || '?'} ${r.op}`, [
    'process',
    'disk',
  ]),
];

/** /metrics' latency buckets: every power of 4 from 1 µs to 17 s (the log2 slots 2^10 … 2^34 ns, merged by two). */
const LATENCY_SLOTS = Array.from({ length: 13 }, (_, i) => 10 + 2 * i);

export const biotopPanel: PanelDef<BiotopSample, BiotopRow> = {
  id: 'biotop',
  title: 'biotop',
  // One I/O is an issue and a completion (and an insert on the block tiers): 648 ns in BPF (bench/panel-cost.mjs, bench/RESULTS.md).
  costEstimate: { nsPerEvent: 648, events: (rows) => rows.reduce((s, r) => s + r.io, 0) },
  source: {
    kind: 'bpf',
    stem: 'biotop',
    cgroupFilter: true,
    tiers: TIERS,
    records: BIOTOP_RECORDS,
    createReader: (obj, layouts, host) => createBiotopReader(obj, layouts as BiotopLayouts, host),
  },
  hookList: TIERS,
  derive: deriveBiotop,
  stats: biotopStats,
  summarize: biotopSummary,
  trend: (row) => row.bytes,
  trendOf: { label: 'bytes completed in the interval', format: humanBytes },
  columns: [
    pidColumn('process (tgid) that started the request (- : no start seen, e.g. a flush)', '-'),
    commColumn('its name when the request started (control characters escaped)', { kernel: true }),
    {
      key: 'op',
      title: 'OP',
      width: 7,
      align: 'left',
      value: (r) => r.op,
      format: (v) => String(v),
      help: 'read, write, discard, flush or other (discards and flushes are their own, not reads)',
    },
    {
      key: 'disk',
      title: 'DISK',
      width: 8,
      minWidth: 5,
      maxWidth: 16,
      align: 'left',
      value: (r) => r.disk,
      format: (v) => String(v || '?'),
      help: 'the disk (its kernel name; the row carries major and minor too)',
    },
    {
      key: 'io',
      perInterval: true,
      title: 'IO',
      width: 7,
      align: 'right',
      value: (r) => r.io,
      format: (v) => humanCount(asNumber(v)),
      unit: 'count',
      help: 'requests completed in the interval',
    },
    {
      key: 'bytes',
      perInterval: true,
      title: 'BYTES',
      width: 8,
      align: 'right',
      value: (r) => r.bytes,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'their sizes, taken when issued to the device (the default sort)',
    },
    {
      key: 'avg_lat_ns',
      title: 'AVG',
      width: 8,
      drop: 1,
      align: 'right',
      value: (r) => r.avg_lat_ns,
      format: (v) => humanNs(asNumber(v)),
      unit: 'latency',
      help: 'issue → completion, averaged',
      decimals: 0,
    },
    {
      key: 'await_ns',
      title: 'AWAIT',
      width: 8,
      align: 'right',
      value: (r) => r.await_ns,
      format: (v) => humanNs(asNumber(v)),
      unit: 'latency',
      help: "the request's start → completion, averaged: queued time included, as iostat's r_await/w_await",
      decimals: 0,
    },
    {
      key: 'p99_lat_ns',
      title: 'P99',
      width: 8,
      align: 'right',
      value: (r) => r.p99_lat_ns,
      format: (v) => (v === null ? '-' : `<${humanNs(asNumber(v)! + 1)}`),
      unit: 'latency',
      help: '99th percentile of issue → completion: the upper edge of its log2 bucket',
    },
    workloadColumn<BiotopRow>(5),
    cgroupColumn<BiotopRow>(9),
  ],
  cgroupOf: (r) => r.cgroup || null,
  defaultSort: { key: 'bytes', descending: true },
  rates: { io_per_s: 'io', bytes_per_s: 'bytes' },
  detail: [
    { label: 'process', value: (r) => `${r.pid} ${r.comm}` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
    { label: 'disk', value: (r) => `${r.disk} (${r.major}:${r.minor}), ${r.op}` },
    { label: 'requests', value: (r) => `${r.io}, ${humanBytes(r.bytes)}` },
    { label: 'latency', value: (r) => `device avg ${humanNs(r.avg_lat_ns)}, p99 < ${humanNs((r.p99_lat_ns ?? 0) + 1)}; await ${humanNs(r.await_ns)}` },
  ],
  groupings: BIOTOP_GROUPINGS,
  drops: [MAP_FULL, UNMATCHED_COMPLETIONS, BPF_MISSED],
  metrics: {
    families: {
      ios: { name: 'sixty_disk_ios_total', help: 'Block I/Os completed, by disk and operation.', type: 'counter' },
      bytes: { name: 'sixty_disk_bytes_total', help: 'Bytes moved by completed block I/Os, by disk and operation.', type: 'counter' },
      latency: {
        name: 'sixty_disk_io_latency_seconds',
        help: 'Block I/O latency, issue to completion, by disk and operation.',
        type: 'histogram',
        bounds: LATENCY_SLOTS.map((s) => 2 ** s / 1e9),
      },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        const labels = { disk: r.disk, op: r.op };
        sink.add('ios', labels, r.io);
        sink.add('bytes', labels, r.bytes);
        const { counts, count } = log2Buckets(r.lat_hist, LATENCY_SLOTS);
        sink.observe('latency', labels, counts, ((r.avg_lat_ns ?? 0) * r.io) / 1e9, count);
      }
    },
  },
  blindSpots:
    'Buffered writes reach the disk from the writeback kworker, so they are counted there, not under the writer. A request counts under the task that started it: a scheduler (mq-deadline, bfq) may merge another task’s adjacent I/O into it, and those bytes count there too (diskstats’ merges say how often). Flushes have no start event: they count with pid -. I/O that bypasses the block layer (a file system on a network, a RAM disk) is not seen. A request whose completion no program saw (the kernel runs none in some contexts) is still counted, with its bytes, when its slot is used again or its disk goes quiet; it has no latency, and the summary counts them.',
};
