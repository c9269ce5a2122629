/** The tcptop panel: TCP bytes per connection and process, counted from the bytes actually moved. */
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { decodeCounters, TCPTOP_RECORDS, tcptopDecoder, type TcptopLayouts, type TcptopNames } from '../records/tcptop.js';
import { field } from '../records/layout.js';
import { deriveTcptop, tcptopByProcess, tcptopStats, type TcptopRow, type TcptopSample } from '../models/tcptop.js';
import { humanBytes, humanNs } from '../format.js';
import type { BpfObject } from '../native.js';
import { byCgroup, sumRate, type Grouping } from './group.js';
import { MapMirror, u64at, type Mirrored } from '../sources/map-mirror.js';
import {
  BPF_MISSED,
  type HostInfo,
  type KernelInfo,
  LRU_EVICTED,
  MAP_FULL,
  type PanelDef,
  type PanelStats,
  type Summary,
  type Tier,
  asNumber,
} from './types.js';
import { busyByName, num, OTHER, sumByProcess } from './metric-kit.js';
import { tcptop as names } from '../generated/bpf.js';

/** The object's programs and maps, by name: a name it does not have does not compile. */
type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.tcptop_stat;

/** An entry whose counters have not moved for this long is deleted from the kernel map (tidying up closed ones). */
const IDLE_DELETE_NS = 30e9;
/**
 * Above this share of the map's capacity, the quietest and smallest entries are taken out (with their last bytes, so
 * nothing is lost) until the map is down to LOW_WATER: there is room for new talkers before the LRU has to evict
 * anything, and the biggest talkers stay.
 */
const HIGH_WATER = 0.75;
const LOW_WATER = 0.6;
/** How long sixty remembers a connection after its entry left the kernel map (for the quiet rows). */
const FORGET_NS = 60e9;

/** tcp_recvmsg lost `nonblock` in 5.19 and later `addr_len`: the programs find `flags` by the parameter count. */
export function recvmsgRodata(kernel: KernelInfo): Record<string, number> {
  const n = kernel.functionParams('tcp_recvmsg');
  return { tcp_recvmsg_nargs: n > 0 ? n : 4 };
}

/** What the reader knows of one kernel entry between reads. */
/** A connection sixty knows; its key's words (k0..k3) are the socket pointer low and high, the pid and the ports. */
interface Known extends Mirrored {
  id: string;
  names: TcptopNames;
  rx: number;
  tx: number;
  created: number;
  lastActiveNs: number;
  /** still in the kernel map, as far as the last read knows */
  inKernel: boolean;
  /** monotonic ns when it left the kernel map */
  goneNs: number;
  /** the read that last found it in the kernel map */
  seenRead: number;
  /** bytes it moved between the last two reads */
  moved: number;
  /** its place in the samples' columns, kept while sixty knows it */
  slot: number;
  /** in tcptop_big (a big talker, never evicted) rather than the LRU */
  inBig: boolean;
}

/**
 * The map's capacity: twice the TCP sockets in use when sixty starts (each connection can be two entries when both
 * ends are local), as a power of two between 65536 (about 9 MB of kernel memory) and 262144. Beyond that, the
 * reader's low-water eviction and then the LRU keep room.
 */
export function tcptopMapSize(sockstat: string): number {
  let inuse = 0;
  for (const m of sockstat.matchAll(/^TCP6?: inuse (\d+)/gm)) inuse += Number(m[1]);
  let size = 65536;
  while (size < 2 * inuse && size < 262144) size *= 2;
  return size;
}

function sockstat(host: HostInfo): string {
  let text = '';
  for (const f of ['/proc/net/sockstat', '/proc/net/sockstat6']) {
    try {
      text += host.readText(f);
    } catch {
      /* no IPv6, or no /proc: the default size */
    }
  }
  return text;
}

/**
 * Reads tcptop's maps. Counters are cumulative in the kernel (a lookup-and-delete of the whole map would lose the bytes
 * added between the copy and the delete); the model takes deltas. Names are decoded once per entry. Idleness is time,
 * not a count of reads, so a burst of reads after a stall evicts nothing. Entries are deleted with lookup-and-delete,
 * so their last bytes are still counted; entries the kernel's LRU evicted are counted as such.
 */
export function createTcptopReader(obj: BpfObject<Maps>, layouts: TcptopLayouts, host: HostInfo, tier?: Tier<Programs>): () => TcptopSample {
  const countsKept = tier?.traits?.includes('socket-storage') ?? false;
  const lruCapacity = obj.mapInfo('tcptop_conns').maxEntries;
  const capacity = lruCapacity + obj.mapInfo('tcptop_big').maxEntries;
  const d = tcptopDecoder(layouts);
  const cgroupOf = createCgroupNamer(host);
  if (layouts.key.size !== 16 || layouts.val.size % 8 !== 0)
    throw new Error('tcptop records: the reader reads the key as four u32 words and the value in u64 words');
  for (const f of ['rx_bytes', 'tx_bytes', 'created_ns']) if (field(layouts.val, f).offset % 8 !== 0) throw new Error(`tcptop_val.${f} is not 8-byte aligned`);
  const mirror = new MapMirror<Known>({ idleNs: IDLE_DELETE_NS, high: HIGH_WATER, low: LOW_WATER });
  let seq = 0;
  let evicted = 0;
  let deleted = 0;
  return () => {
    const reads = mirror.begin();
    const now = host.nowNs();
    // The counters first, then the map: creations after this point only make the eviction count lag, never jump.
    const counters = decodeCounters(obj.readMap('tcptop_stats'), layouts.stat);
    const read = obj.readMap('tcptop_conns');
    const big = obj.readMap('tcptop_big');
    d.check(read, 'tcptop_conns');
    d.check(big, 'tcptop_big');
    // The hot loop reads 32-bit words straight from the buffers (little-endian, as the kernel wrote them).
    const vStride = layouts.val.size / 4;
    const [rxW, txW, crW] = (['rx_bytes', 'tx_bytes', 'created_ns'] as const).map((f) => field(layouts.val, f).offset / 4) as [number, number, number];
    for (const [m, inBig] of [
      [read, false],
      [big, true],
    ] as const) {
      mirror.walk(m, (e, i, _kw, vw) => {
        const vb = i * vStride;
        const rx = u64at(vw, vb + rxW);
        const tx = u64at(vw, vb + txW);
        const created = u64at(vw, vb + crW);
        if (!e) {
          const names = d.names(m, i, cgroupOf);
          // First seen now: it was created, so it moved bytes, since the previous read (or since the map was loaded).
          return names
            ? {
                k0: 0,
                k1: 0,
                k2: 0,
                k3: 0,
                slot: 0,
                seenRead: 0,
                id: `c${++seq}`,
                names,
                rx,
                tx,
                created,
                lastActiveNs: now,
                inKernel: true,
                goneNs: 0,
                moved: rx + tx,
                inBig,
              }
            : undefined;
        }
        if (e.seenRead === reads) {
          // In both maps for a moment (being moved to tcptop_big): the copy that has moved further counts.
          if (created === e.created && rx + tx > e.rx + e.tx) {
            e.moved += rx + tx - e.rx - e.tx;
            e.rx = rx;
            e.tx = tx;
            e.inBig = inBig;
          }
          return e;
        }
        // Created again since the previous read (the LRU evicted it, or sixty deleted it): all its bytes are new.
        e.moved = e.created !== created ? rx + tx : rx - e.rx + (tx - e.tx);
        if (e.moved !== 0) e.lastActiveNs = now;
        e.rx = rx;
        e.tx = tx;
        e.created = created;
        e.inKernel = true;
        e.inBig = inBig;
        e.seenRead = reads;
        return e;
      });
    }
    // One pass over what sixty knows: entries that left the map without sixty deleting them were evicted by the LRU;
    // entries gone for long are forgotten; the rest are in one map or the other.
    const inLru: Known[] = [];
    const inBigMap: Known[] = [];
    for (let i = 0; i < mirror.length; i++) {
      const e = mirror.at(i);
      if (!e) continue;
      if (e.seenRead !== reads) {
        if (e.inKernel) {
          e.inKernel = false;
          e.goneNs = now;
        } else if (now - e.goneNs >= FORGET_NS) mirror.forget(e);
      } else (e.inBig ? inBigMap : inLru).push(e);
    }
    // Every entry the LRU evicted, including ones created and evicted between two reads: created − deleted − moved to
    // tcptop_big − left.
    evicted = Math.max(evicted, Number(counters[STAT.CREATED] ?? 0n) - deleted - Number(counters[STAT.PROMOTED] ?? 0n) - read.count);
    // Long-idle ones are taken out (tidying up closed connections); under pressure the quietest and smallest of the
    // LRU too, down to the low water mark, so there is room for new talkers before the LRU must evict. Their last
    // bytes are taken with them.
    const fromLru = mirror.pick(inLru, read.count, lruCapacity, now, (e) => e.moved);
    const fromBig = mirror.pick(inBigMap, 0, Infinity, now, (e) => e.moved);
    let deletedNow = 0;
    for (const [name, stale] of [
      ['tcptop_conns', fromLru],
      ['tcptop_big', fromBig],
    ] as const) {
      const n = mirror.take(
        stale,
        (keys) => obj.takeKeys(name, keys),
        (e, taken, i) => {
          // Bytes that arrived between the read and the delete are still counted.
          const c = d.counts(taken, i);
          if (c.created !== e.created || c.rx !== e.rx || c.tx !== e.tx) {
            e.rx = c.rx;
            e.tx = c.tx;
            e.created = c.created;
            e.lastActiveNs = now;
          }
        },
      );
      if (name === 'tcptop_conns') deleted += n;
      deletedNow += n;
      for (const e of stale) {
        e.inKernel = false;
        e.goneNs = now;
      }
    }
    mirror.compact();
    const n = mirror.length;
    const sample: TcptopSample = {
      ids: new Array<string>(n).fill(''),
      names: new Array<TcptopNames>(n),
      rx: new Float64Array(n),
      tx: new Float64Array(n),
      created: new Float64Array(n),
      lastActiveNs: new Float64Array(n),
      nowNs: now,
      mapFull: Number(counters[STAT.MAP_FULL] ?? 0n),
      evicted,
      countsKept,
      entries: read.count + big.count - deletedNow,
      capacity,
    };
    const ids = sample.ids as string[];
    const names = sample.names as TcptopNames[];
    for (let i = 0; i < n; i++) {
      const e = mirror.at(i);
      if (!e) continue;
      ids[i] = e.id;
      names[i] = e.names;
      sample.rx[i] = e.rx;
      sample.tx[i] = e.tx;
      sample.created[i] = e.created;
      sample.lastActiveNs[i] = e.lastActiveNs;
    }
    return sample;
  };
}

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'fentry',
    types: ['fexit'],
    programs: ['tcptop_sendmsg_fexit', 'tcptop_recvmsg_fexit'],
    hooks: 'fexit tcp_sendmsg + fexit tcp_recvmsg',
    rodata: recvmsgRodata,
    traits: ['socket-storage'],
  },
  {
    name: 'kprobe',
    types: ['kprobe', 'kretprobe'],
    programs: ['tcptop_sendmsg_kprobe', 'tcptop_sendmsg_kretprobe', 'tcptop_recvmsg_kprobe', 'tcptop_recvmsg_kretprobe'],
    hooks: 'kprobe+kretprobe tcp_sendmsg + tcp_recvmsg',
    rodata: recvmsgRodata,
  },
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['tcptop_send_length_btf', 'tcptop_recv_length_btf'],
    hooks: 'tp_btf sock_send_length + sock_recv_length',
    traits: ['socket-storage'],
  },
  { name: 'raw_tp', types: ['raw_tp'], programs: ['tcptop_send_length_raw', 'tcptop_recv_length_raw'], hooks: 'raw_tp sock_send_length + sock_recv_length' },
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: ['tcptop_send_length_tp', 'tcptop_recv_length_tp'],
    hooks: 'tracepoint sock:sock_send_length + sock:sock_recv_length',
  },
];

const mib = (n: number): string => (n / 1048576).toFixed(2);

/**
 * Connections, totals over the rows' own rates, the kernel map's occupancy, and, once anything was lost to a full
 * map, how much since start (the running total stays on the line, so it cannot be missed between two frames).
 */
export function tcptopSummary(_rows: readonly TcptopRow[], stats: PanelStats): Summary {
  const active = stats.connections ?? 0;
  const quiet = stats.quiet_connections ?? 0;
  const listed = stats.listed ?? active + quiet;
  const rx = stats.rx_per_s ?? 0;
  const tx = stats.tx_per_s ?? 0;
  const evicted = stats.lru_evicted_total ?? 0;
  const dropped = stats.map_full_drops_total ?? 0;
  // Where counts live in socket storage (fentry, tp_btf), an evicted entry comes back whole: only drops are lost.
  const kept = (stats.counts_kept ?? 0) > 0;
  const lost = dropped + (kept ? 0 : evicted);
  let text = `${active} active${quiet ? `, ${quiet} quiet` : ''} connections${listed < active + quiet ? ` (the ${listed} biggest listed)` : ''}, RX ${mib(rx)} MiB/s, TX ${mib(tx)} MiB/s, map ${stats.entries ?? 0}/${stats.capacity ?? 0}`;
  if (lost > 0) text += `; totals incomplete: ${lost} dropped since start (map full: ${kept ? 0 : evicted} entries evicted, ${dropped} events not stored)`;
  if (kept && evicted > 0) text += `; map full: ${evicted} entries evicted since start, their counts kept per socket`;
  return {
    text,
    values: { connections: active, quiet_connections: quiet, listed, rx_per_s: rx, tx_per_s: tx, dropped_total: lost, evicted_total: evicted },
    ...(lost > 0 ? { warning: true } : {}),
  };
}

/** An address and port as written on the command line: [::1]:80 for IPv6. */
const endpoint = (family: string, addr: string, port: number): string => (family === 'IPv6' ? `[${addr}]:${port}` : `${addr}:${port}`);

const total = (r: TcptopRow): number | null => (r.rx_bytes === null || r.tx_bytes === null ? null : r.rx_bytes + r.tx_bytes);

/** Connections summed: bytes and rates added up; quiet for as long as the least quiet member. */
function mergeTcptop(rows: readonly TcptopRow[]): TcptopRow {
  return {
    ...rows[0]!,
    rx_bytes: sumRate(rows, (r) => r.rx_bytes),
    tx_bytes: sumRate(rows, (r) => r.tx_bytes),
    rx_per_s: sumRate(rows, (r) => r.rx_per_s),
    tx_per_s: sumRate(rows, (r) => r.tx_per_s),
    quiet_ns: Math.min(...rows.map((r) => r.quiet_ns)),
  };
}

const TCPTOP_GROUPINGS: readonly Grouping<TcptopRow>[] = [
  {
    name: 'process',
    by: ['pid', 'comm'],
    key: (r) => `${r.pid}/${r.comm}`,
    merge: mergeTcptop,
    hide: ['family', 'laddr', 'lport', 'raddr', 'rport'],
    hideDetail: ['local', 'remote'],
    member: (r) => `${r.laddr}:${r.lport} → ${r.raddr}:${r.rport}`,
  },
  {
    name: 'remote port',
    by: ['rport'],
    key: (r) => String(r.rport),
    merge: mergeTcptop,
    hide: ['pid', 'comm', 'family', 'laddr', 'lport', 'raddr', 'workload', 'cgroup'],
    hideDetail: ['process', 'local', 'remote'],
    member: (r) => `${r.pid} ${r.comm} ${r.laddr}:${r.lport} → ${r.raddr}`,
  },
  byCgroup(
    mergeTcptop,
    ['pid', 'comm', 'family', 'laddr', 'lport', 'raddr', 'rport'],
    (r) => `${r.pid} ${r.comm} ${r.laddr}:${r.lport} → ${r.raddr}:${r.rport}`,
    ['process', 'local', 'remote'],
  ),
];

export const tcptopPanel: PanelDef<TcptopSample, TcptopRow> = {
  id: 'tcptop',
  title: 'tcptop',
  source: {
    kind: 'bpf',
    stem: 'tcptop',
    cgroupFilter: true,
    tiers: TIERS,
    records: TCPTOP_RECORDS,
    createReader: (obj, layouts, host, tier) => createTcptopReader(obj, layouts as TcptopLayouts, host, tier),
    mapSizes: (host) => ({ tcptop_conns: tcptopMapSize(sockstat(host)) }),
  },
  quiet: (row) => row.quiet_ns > 0,
  hookList: TIERS,
  derive: deriveTcptop,
  stats: tcptopStats,
  byProcess: tcptopByProcess,
  summarize: tcptopSummary,
  trend: total,
  identity: (r) => `${r.pid} ${endpoint(r.family, r.laddr, r.lport)} → ${endpoint(r.family, r.raddr, r.rport)}`,
  trendOf: { label: 'bytes moved in the interval (RX + TX)', format: humanBytes },
  columns: [
    pidColumn('process (tgid) that moved the bytes'),
    commColumn('process name when the entry was created (control characters escaped)', { width: 12, minWidth: 12 }),
    {
      key: 'family',
      title: 'FAM',
      width: 4,
      drop: 3,
      align: 'left',
      value: (r) => r.family,
      format: (v) => (v === 'IPv6' ? 'v6' : 'v4'),
      help: 'address family',
    },
    {
      key: 'laddr',
      title: 'LADDR',
      width: 15,
      minWidth: 9,
      maxWidth: 39,
      align: 'right',
      value: (r) => r.laddr,
      format: (v) => String(v),
      help: 'local address',
    },
    { key: 'lport', ascending: true, title: 'LPORT', width: 5, align: 'right', value: (r) => r.lport, format: (v) => String(v), help: 'local port' },
    {
      key: 'raddr',
      title: 'RADDR',
      width: 15,
      minWidth: 9,
      maxWidth: 39,
      align: 'right',
      value: (r) => r.raddr,
      format: (v) => String(v),
      help: 'remote address',
    },
    { key: 'rport', ascending: true, title: 'RPORT', width: 5, align: 'right', value: (r) => r.rport, format: (v) => String(v), help: 'remote port' },
    {
      key: 'rx_bytes',
      perInterval: true,
      title: 'RX',
      width: 6,
      drop: 2,
      align: 'right',
      value: (r) => r.rx_bytes,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'bytes received in the interval (return value of recvmsg; MSG_PEEK left out)',
    },
    {
      key: 'tx_bytes',
      perInterval: true,
      title: 'TX',
      width: 6,
      drop: 2,
      align: 'right',
      value: (r) => r.tx_bytes,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'bytes sent in the interval (return value of sendmsg, sendfile included)',
    },
    {
      key: 'total',
      perInterval: true,
      title: 'TOTAL',
      width: 8,
      align: 'right',
      value: total,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'RX + TX (the default sort)',
    },
    workloadColumn<TcptopRow>(5),
    cgroupColumn<TcptopRow>(9),
  ],
  cgroupOf: (r) => r.cgroup || null,
  defaultSort: { key: 'total', descending: true },
  rates: { rx_per_s: 'rx_bytes', tx_per_s: 'tx_bytes' },
  detail: [
    { label: 'process', value: (r) => `${r.pid} ${r.comm}` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
    { label: 'local', value: (r) => `${r.laddr} port ${r.lport}` },
    { label: 'remote', value: (r) => `${r.raddr} port ${r.rport}` },
    { label: 'received', value: (r) => humanBytes(r.rx_bytes) },
    { label: 'sent', value: (r) => humanBytes(r.tx_bytes) },
    { label: 'last bytes moved', value: (r) => (r.quiet_ns > 0 ? `${humanNs(r.quiet_ns)} ago` : 'in this interval') },
  ],
  groupings: TCPTOP_GROUPINGS,
  drops: [MAP_FULL, LRU_EVICTED, BPF_MISSED],
  metrics: {
    families: {
      rx: {
        name: 'sixty_tcp_received_bytes_total',
        help: 'TCP bytes received, by process name (the busiest; the rest as comm="(other processes)").',
        type: 'counter',
      },
      tx: { name: 'sixty_tcp_sent_bytes_total', help: 'TCP bytes sent, by process name (the busiest; the rest as comm="(other processes)").', type: 'counter' },
    },
    fold(panel, sink) {
      // Every connection by process name when the panel gives it; else the listed rows, and the rest of the totals as other.
      const all = panel.byProcess?.map((t) => ({ comm: t.comm, ...t.values }));
      const rows = all ?? (panel.rows as unknown as readonly Record<string, unknown>[]);
      const labelOf = sink.processLabels(busyByName(rows, (r) => num(r.rx_bytes) + num(r.tx_bytes)));
      let rx = 0;
      let tx = 0;
      for (const { labels, sums } of sumByProcess(rows, ['rx_bytes', 'tx_bytes'] as const, labelOf)) {
        sink.add('rx', labels, sums.rx_bytes);
        sink.add('tx', labels, sums.tx_bytes);
        rx += sums.rx_bytes;
        tx += sums.tx_bytes;
      }
      if (all) return;
      sink.add('rx', { comm: OTHER }, num(panel.stats.rx_bytes) - rx);
      sink.add('tx', { comm: OTHER }, num(panel.stats.tx_bytes) - tx);
    },
  },
  blindSpots:
    'A connection that goes quiet stays listed, dimmed, for 10 s (or three intervals). When the map is full, its LRU evicts the least recently active entry; the bytes that entry moved since the last read are lost, and the summary says how many entries were. Before 6.5, sendfile to a TCP socket goes through tcp_sendpage, which no tier hooks; splice(2) out of a socket (tcp_splice_read) is not seen by any tier. On the kprobe tier, kretprobes have a fixed number of instances: with thousands of calls asleep in tcp_recvmsg or tcp_sendmsg at once, returns are missed and their bytes are not counted.',
};
