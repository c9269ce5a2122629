/**
 * The tcpretrans panel: the TCP segments retransmitted, per connection, with what sent each (the RTO timer, a tail
 * loss probe, or recovery driven by ACKs); and beside them the packets the kernel dropped, per drop reason, the
 * function that dropped them, and the packet's flow (tcpdrop's question, without its cost per packet: counted in the
 * kernel). Retransmits cross through a ring buffer (every one lost is counted); `v` lists the recent ones.
 */
import { cgroupColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { createSymbolizer } from '../kernel/kallsyms.js';
import { humanCount, humanNs } from '../format.js';
import { compareValues } from '../models/delta.js';
import { decodeCounterArray } from '../records/layout.js';
import { decodeDrops, retransDecoder, TCPRETRANS_RECORDS, type DropRecord, type TcpretransLayouts } from '../records/tcpretrans.js';
import { ringRecords } from '../records/ring.js';
import { deriveTcpretrans, endpoint, type PacketDrop, type RetransEvent, type TcpretransRow, type TcpretransSample } from '../models/tcpretrans.js';
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
import { tcpretrans as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.tcpretrans_stat;

const TIERS: readonly Tier<Programs>[] = [
  { name: 'tp_btf', types: ['tp_btf'], programs: ['tcpretrans_btf', 'tcpretrans_drop_btf'], hooks: 'tp_btf tcp_retransmit_skb, kfree_skb' },
  { name: 'tracepoint', types: ['tracepoint'], programs: ['tcpretrans_tp', 'tcpretrans_drop_tp'], hooks: 'tracepoint tcp:tcp_retransmit_skb, skb:kfree_skb' },
];

export const RECENT_RETRANSMITS = 1000;
/** bpf/tcpretrans.h TCPRETRANS_NO_REASON: the kernel gives no reason (before 5.17). */
export const NO_REASON = 0xffffffff;
/** A drop counter unchanged this long is taken out of the map (its last count read as it goes). */
const IDLE_TAKE_NS = 30e9;
/** Above this share of the map's room, the quietest counters are taken out too, down to the lower mark. */
const HIGH_WATER = 0.9;
const LOW_WATER = 0.7;

const UNKEYED: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'drops counted without their packet' };
const UNCOUNTED: DropCounter = { key: 'drops_lost', total: 'drops_lost_total', reason: 'drops_uncounted', shown: 'drops not counted' };

const IP_PROTOCOLS: Readonly<Record<number, string>> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp', 136: 'udplite' };
const ETHERTYPES: Readonly<Record<number, string>> = { 0x0806: 'arp', 0x8100: 'vlan', 0x88cc: 'lldp' };

/** A packet's protocol: the IP protocol's name (or number), else its ethertype's. */
export function protoName(d: Pick<DropRecord, 'family' | 'l4proto' | 'ethertype'>): string {
  if (d.family !== 0) return IP_PROTOCOLS[d.l4proto] ?? `ip/${d.l4proto}`;
  if (d.ethertype === 0) return '-';
  return ETHERTYPES[d.ethertype] ?? `0x${d.ethertype.toString(16).padStart(4, '0')}`;
}

/** The running kernel's drop reasons by number, without their common prefix (its numbering changes between versions). */
export function dropReasonNames(pairs: readonly (readonly [number, string])[] | null | undefined): (n: number) => string {
  const byValue = new Map((pairs ?? []).map(([v, name]) => [v, name.replace(/^SKB_DROP_REASON_/, '').replace(/^SKB_/, '')]));
  return (n) => (n === NO_REASON ? '' : (byValue.get(n) ?? `reason ${n}`));
}

/**
 * Reads the ring (the interval's retransmits, named by their socket's cgroup) and the drop counters. Counters are
 * cumulative in the kernel; those idle for 30 s, and under pressure the quietest, are taken out with lookup-and-delete,
 * so their last counts still reach the sample.
 */
export function createTcpretransReader(
  obj: BpfObject<Maps>,
  layouts: TcpretransLayouts,
  host: HostInfo,
  symbolize: (addrs: readonly bigint[]) => ReadonlyMap<bigint, string> = createSymbolizer(),
): () => TcpretransSample {
  obj.openRing('tcpretrans_events', { maxBytes: STAGING_BYTES });
  const decode = retransDecoder(layouts.event);
  const cgroupOf = createCgroupNamer(host);
  const reasonOf = dropReasonNames(host.kernelEnum?.('skb_drop_reason'));
  const capacity = obj.mapInfo('tcpretrans_drops').maxEntries;
  // --cgroup: a retransmit or drop is its socket's; one with no socket is not known to be in the subtree.
  const filter = host.cgroupFilter?.path;
  const inFilter = (cg: string): boolean => filter === undefined || filter === '/' || cg === filter || cg.startsWith(`${filter}/`);
  const seen = new Map<string, { total: number; lastActiveNs: number }>();
  let recent: RetransEvent[] = [];
  let seq = 0;
  const drop = (d: DropRecord, where: string, taken: boolean): PacketDrop | null => {
    const cg = d.cgid ? cgroupOf(d.cgid) : { cgroup: '', workload: '' };
    if (!inFilter(cg.cgroup)) return null;
    const reason = reasonOf(d.reason);
    const proto = protoName(d);
    const src = endpoint(d.saddr, d.sport);
    const dst = endpoint(d.daddr, d.dport);
    return {
      id: `${reason}\u0000${where}\u0000${proto}\u0000${src}\u0000${dst}\u0000${cg.cgroup}`,
      reason,
      where,
      proto,
      src,
      dst,
      total: d.count,
      taken,
      ...cg,
    };
  };
  return () => {
    const now = host.nowNs();
    const take = obj.takeRing('tcpretrans_events');
    const stats = decodeCounterArray(obj.readMap('tcpretrans_stats'), layouts.stat, 'tcpretrans_stats');
    const offsetMs = Date.now() - now / 1e6;
    const retransmits: RetransEvent[] = [];
    for (const buf of ringRecords(take)) {
      const r = decode(buf);
      if (!r) continue;
      const cg = r.cgid ? cgroupOf(r.cgid) : { cgroup: '', workload: '' };
      if (!inFilter(cg.cgroup)) continue;
      retransmits.push({
        id: `r${++seq}`,
        seq,
        time_ms: Math.round(offsetMs + r.tsNs / 1e6),
        kind: r.kind,
        state: r.state,
        err: r.err,
        total_retrans: r.totalRetrans,
        srtt_us: r.srttUs,
        laddr: r.laddr,
        lport: r.lport,
        raddr: r.raddr,
        rport: r.rport,
        cgroup: cg.cgroup,
        workload: cg.workload,
      });
    }
    recent = keepRecent(recent, retransmits, RECENT_RETRANSMITS);

    const read = decodeDrops(obj.readMap('tcpretrans_drops'), layouts);
    const stale: DropRecord[] = [];
    let busy: { d: DropRecord; lastActiveNs: number; moved: number }[] = [];
    for (const d of read) {
      const k = d.rawKey.toString('latin1');
      const s = seen.get(k);
      const moved = s ? d.count - s.total : d.count;
      const lastActiveNs = !s || moved > 0 ? now : s.lastActiveNs;
      seen.set(k, { total: d.count, lastActiveNs });
      if (now - lastActiveNs >= IDLE_TAKE_NS) stale.push(d);
      else busy.push({ d, lastActiveNs, moved });
    }
    const excess = read.length - stale.length - Math.floor(capacity * LOW_WATER);
    if (read.length > capacity * HIGH_WATER && excess > 0) {
      busy.sort((a, b) => compareValues(a.lastActiveNs, b.lastActiveNs) || compareValues(a.moved, b.moved));
      stale.push(...busy.slice(0, excess).map((b) => b.d));
      busy = busy.slice(excess);
    }
    const kept = busy.map((b) => b.d);
    const taken = stale.length > 0 ? decodeDrops(obj.takeKeys('tcpretrans_drops', Buffer.concat(stale.map((d) => d.rawKey))), layouts) : [];
    for (const d of taken) seen.delete(d.rawKey.toString('latin1'));
    const whereOf = symbolize([...kept, ...taken].map((d) => d.location));
    const drops: PacketDrop[] = [];
    for (const [list, isTaken] of [
      [kept, false],
      [taken, true],
    ] as const) {
      for (const d of list) {
        const p = drop(d, whereOf.get(d.location) ?? `0x${d.location.toString(16)}`, isTaken);
        if (p) drops.push(p);
      }
    }
    return {
      retransmits,
      recent,
      drops,
      ringFull: stats[STAT.RING_FULL] ?? 0,
      mapFull: stats[STAT.MAP_FULL] ?? 0,
      rateDropped: take.dropped,
      dropsLost: stats[STAT.LOST] ?? 0,
    };
  };
}

export function tcpretransStats(sample: TcpretransSample, previous: TcpretransSample | undefined): Record<string, number> {
  const n = { retransmits: 0, timeouts: 0, probes: 0, fast: 0, failed: 0 };
  for (const e of sample.retransmits) {
    if (e.err !== 0) {
      n.failed++;
      continue;
    }
    n.retransmits++;
    if (e.kind === 'timeout') n.timeouts++;
    else if (e.kind === 'probe') n.probes++;
    else n.fast++;
  }
  return {
    ...n,
    ...ringStats(sample, previous),
    drops_lost: Math.max(0, sample.dropsLost - (previous?.dropsLost ?? 0)),
    drops_lost_total: sample.dropsLost,
  };
}

const dropLabel = (r: Pick<TcpretransRow, 'reason' | 'where'>): string => (r.reason ? `${r.reason} in ${r.where}` : `in ${r.where}`);

/** "12 retransmits/s (9 timeouts, 3 probes), most to 10.0.0.5:443; 40 drops/s, most NO_SOCKET in tcp_v4_rcv" */
export function tcpretransSummary(rows: readonly TcpretransRow[], stats: PanelStats, elapsedNs: number): Summary {
  const per = (n: number): number | null => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : null);
  const rate = (n: number): string => humanCount(Math.round(per(n) ?? 0));
  const retrans = num(stats.retransmits);
  const byDest = new Map<string, number>();
  const byReason = new Map<string, number>();
  let drops = 0;
  for (const r of rows) {
    if (r.event === 'retransmit') byDest.set(r.dst, (byDest.get(r.dst) ?? 0) + r.count);
    else {
      drops += r.count;
      const k = dropLabel(r);
      byReason.set(k, (byReason.get(k) ?? 0) + r.count);
    }
  }
  const top = (m: Map<string, number>): [string, number] | undefined => {
    let best: [string, number] | undefined;
    for (const e of m) if (e[1] > (best?.[1] ?? 0) || (e[1] === best?.[1] && e[0] < best[0])) best = e;
    return best;
  };
  const dest = top(byDest);
  const reason = top(byReason);
  const KIND_WORDS = { timeouts: 'by RTO', probes: 'loss probes', fast: 'in recovery' } as const;
  const kinds = (['timeouts', 'probes', 'fast'] as const).filter((k) => num(stats[k]) > 0).map((k) => `${rate(num(stats[k]))} ${KIND_WORDS[k]}`);
  const lost = lostEvents(stats);
  const text =
    `${rate(retrans)} retransmits/s` +
    (kinds.length ? ` (${kinds.join(', ')})` : '') +
    (dest ? `, most to ${dest[0]} ${rate(dest[1])}/s` : '') +
    (num(stats.failed) ? `, ${rate(num(stats.failed))}/s not sent` : '') +
    `; ${rate(drops)} packet drops/s` +
    (reason ? `, most ${reason[0]} ${rate(reason[1])}/s` : '') +
    lostText(lost) +
    (num(stats.drops_lost) ? `; ${num(stats.drops_lost)} drops not counted (map full)` : '');
  return {
    text,
    values: {
      retransmits_per_s: per(retrans),
      timeouts_per_s: per(num(stats.timeouts)),
      drops_per_s: per(drops),
      lost,
    },
    ...(lost || num(stats.drops_lost) ? { warning: true } : {}),
  };
}

const textColumn = <R>(
  key: keyof R & string,
  title: string,
  help: string,
  width: number,
  minWidth: number,
  maxWidth: number,
  opts: { align?: 'left' | 'right'; drop?: number } = {},
): Column<R> => ({
  key,
  title,
  width,
  minWidth,
  maxWidth,
  align: opts.align ?? 'left',
  ...(opts.drop !== undefined ? { drop: opts.drop } : {}),
  value: (r) => (r[key] as string) || '-',
  format: (v) => String(v),
  help,
});

const GROUPINGS: readonly Grouping<TcpretransRow>[] = [
  {
    name: 'reason',
    by: ['event', 'reason'],
    key: (r) => `${r.event}\u0000${r.event === 'drop' ? r.reason || r.where : ''}`,
    merge: (rows) =>
      mergeRows(rows, { src: '', dst: '', where: rows[0]!.event === 'drop' ? rows[0]!.where : '', reason: rows[0]!.event === 'drop' ? rows[0]!.reason : '' }),
    hide: ['src', 'dst', 'proto', 'workload', 'cgroup'],
    member: (r) => `${r.src} → ${r.dst}`,
  },
  {
    name: 'destination',
    by: ['dst'],
    // The address, without the port: a host's retransmits and drops together.
    key: (r) => hostOf(r.dst),
    merge: (rows) => mergeRows(rows, { dst: hostOf(rows[0]!.dst), src: '', reason: '', where: '' }),
    hide: ['src', 'reason', 'where', 'workload', 'cgroup'],
    member: (r) => `${r.event} ${r.src}`,
  },
  byCgroup(
    (rows) => mergeRows(rows, { src: '', dst: '', reason: '', where: '' }),
    ['src', 'dst', 'reason', 'where'],
    (r) => `${r.event} ${r.src} → ${r.dst}`,
  ),
];

/** An endpoint's address: "[::1]:80" → "::1", "10.0.0.5:443" → "10.0.0.5". */
export function hostOf(ep: string): string {
  if (ep.startsWith('[')) return ep.slice(1, ep.indexOf(']'));
  const c = ep.lastIndexOf(':');
  return c < 0 ? ep : ep.slice(0, c);
}

function mergeRows(rows: readonly TcpretransRow[], over: Partial<TcpretransRow>): TcpretransRow {
  const sum = (k: 'count' | 'timeouts' | 'probes' | 'fast' | 'failed'): number => rows.reduce((a, r) => a + r[k], 0);
  return { ...rows[0]!, count: sum('count'), timeouts: sum('timeouts'), probes: sum('probes'), fast: sum('fast'), failed: sum('failed'), ...over };
}

export const RETRANS_EVENTS: EventsSpec<RetransEvent> = {
  noun: 'retransmit',
  order: (e) => e.seq,
  help: `the last ${RECENT_RETRANSMITS} segments retransmitted, newest first`,
  defaultSort: { key: 'seq', descending: true },
  columns: [
    timeColumn<RetransEvent>('when it was retransmitted (local time, ms)'),
    {
      key: 'kind',
      title: 'KIND',
      width: 8,
      align: 'left',
      value: (e) => (e.err !== 0 ? 'failed' : e.kind),
      format: (v) => String(v),
      help: 'timeout: the RTO fired; probe: a tail loss probe; fast: recovery driven by ACKs; failed: not sent (an error, 6.13 and later)',
    },
    textColumn<RetransEvent>('state', 'STATE', 'the connection’s TCP state', 11, 7, 12),
    {
      key: 'local',
      title: 'LOCAL',
      width: 21,
      minWidth: 12,
      maxWidth: 47,
      align: 'right',
      value: (e) => endpoint(e.laddr, e.lport),
      format: (v) => String(v),
      help: 'this end: address and port',
    },
    {
      key: 'remote',
      title: 'REMOTE',
      width: 21,
      minWidth: 12,
      maxWidth: 47,
      align: 'right',
      value: (e) => endpoint(e.raddr, e.rport),
      format: (v) => String(v),
      help: 'the peer: address and port',
    },
    {
      key: 'total_retrans',
      title: 'TOTAL',
      width: 6,
      align: 'right',
      unit: 'count',
      value: (e) => e.total_retrans,
      format: (v) => humanCount(asNumber(v)),
      help: 'the connection’s retransmits so far (the kernel’s count: ss -i shows it as retrans)',
      decimals: 0,
    },
    {
      key: 'srtt_us',
      title: 'SRTT',
      width: 7,
      align: 'right',
      unit: 'latency',
      value: (e) => e.srtt_us * 1000,
      format: (v) => humanNs(v as number),
      help: 'the connection’s smoothed round-trip time',
      decimals: 0,
    },
    workloadColumn<RetransEvent>(5),
    cgroupColumn<RetransEvent>(6),
  ],
  detail: [
    { label: 'retransmit', value: (e) => `${clock(e.time_ms)}, ${e.err !== 0 ? `failed (error ${e.err}), ` : ''}${e.kind}, in ${e.state}` },
    { label: 'between', value: (e) => `${endpoint(e.laddr, e.lport)} → ${endpoint(e.raddr, e.rport)}` },
    { label: 'connection', value: (e) => `${e.total_retrans} retransmits so far, smoothed RTT ${humanNs(e.srtt_us * 1000)}` },
    { label: 'cgroup', value: (e) => (e.cgroup ? `${e.cgroup} (${e.workload})` : '-') },
  ],
  cgroupOf: (e) => e.cgroup || null,
};

export const tcpretransPanel: PanelDef<TcpretransSample, TcpretransRow> = {
  id: 'tcpretrans',
  title: 'tcpretrans',
  source: {
    kind: 'bpf',
    stem: 'tcpretrans',
    tiers: TIERS,
    mapSizes: ringMapSize('tcpretrans_events'),
    records: TCPRETRANS_RECORDS,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createTcpretransReader(obj, layouts as TcpretransLayouts, host),
  },
  hookList: TIERS,
  derive: deriveTcpretrans,
  stats: tcpretransStats,
  summarize: tcpretransSummary,
  trend: (r) => r.count,
  trendOf: { label: 'retransmits or drops per interval' },
  recentEvents: (sample) => [...sample.recent].reverse(),
  events: RETRANS_EVENTS,
  columns: [
    {
      key: 'event',
      title: 'EVENT',
      width: 7,
      align: 'left',
      value: (r) => r.event,
      format: (v) => (v === 'retransmit' ? 'retrans' : String(v)),
      help: 'retrans: TCP segments this host sent again; drop: packets the kernel freed as dropped',
    },
    textColumn<TcpretransRow>('reason', 'REASON', 'a drop’s reason (the kernel’s, 5.17 and later); a retransmit’s connection state', 16, 12, 30),
    // On a narrow screen the protocol goes first (mostly tcp), then RTO, then WHERE (the detail view keeps them all).
    textColumn<TcpretransRow>('where', 'WHERE', 'the kernel function that dropped the packets', 18, 8, 32, { drop: 2 }),
    textColumn<TcpretransRow>('proto', 'PROTO', 'the packet’s protocol (or its ethertype, not IP)', 5, 5, 8, { drop: 4 }),
    textColumn<TcpretransRow>('src', 'SOURCE', 'a retransmit’s local end; a drop’s packet source', 21, 21, 47, { align: 'right' }),
    textColumn<TcpretransRow>('dst', 'DEST', 'a retransmit’s peer; a drop’s packet destination', 21, 21, 47, { align: 'right' }),
    countColumn<TcpretransRow>('count', 'COUNT', 'retransmits sent or packets dropped, per second', 8),
    {
      key: 'timeouts',
      title: 'RTO',
      width: 5,
      align: 'right',
      perInterval: true,
      unit: 'count',
      value: (r) => (r.event === 'retransmit' ? r.timeouts : null),
      format: (v) => (v === null ? '' : humanCount(asNumber(v))),
      help: 'retransmits the RTO timer sent, per second (each stalls its connection for at least 200 ms)',
      decimals: 0,
      drop: 3,
    },
    workloadColumn<TcpretransRow>(5),
    cgroupColumn<TcpretransRow>(6),
  ],
  defaultSort: { key: 'count', descending: true },
  detail: [
    {
      label: 'event',
      value: (r) =>
        r.event === 'retransmit'
          ? `${r.count} retransmitted: ${r.timeouts} by the RTO timer, ${r.probes} tail loss probes, ${r.fast} in ACK-driven recovery${r.failed ? `; ${r.failed} not sent` : ''}; last state ${r.reason}`
          : `${r.count} dropped ${r.reason ? `(${r.reason})` : '(this kernel gives no reason)'} in ${r.where}`,
    },
    { label: 'flow', value: (r) => `${r.proto} ${r.src} → ${r.dst}` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
  ],
  groupings: GROUPINGS,
  cgroupOf: (r) => r.cgroup || null,
  drops: [RING_FULL, RATE_DROPPED, UNKEYED, UNCOUNTED, BPF_MISSED],
  // kfree_skb is the busier hook: a drop is a hash update; a retransmit a ring record.
  costEstimate: { nsPerEvent: 400, events: (rows) => rows.reduce((a, r) => a + r.count, 0) },
  metrics: {
    families: {
      retransmits: {
        name: 'sixty_tcp_retransmits_total',
        help: 'TCP segments retransmitted, by what sent them (timeout: the RTO; probe: a tail loss probe; fast: ACK-driven recovery).',
        type: 'counter',
      },
      drops: {
        name: 'sixty_packet_drops_total',
        help: 'Packets the kernel dropped, by drop reason (where the kernel gives none, by the function that dropped them).',
        type: 'counter',
      },
    },
    fold(panel, sink) {
      for (const kind of ['timeouts', 'probes', 'fast'] as const)
        sink.add('retransmits', { kind: kind === 'timeouts' ? 'timeout' : kind === 'probes' ? 'probe' : 'fast' }, num(panel.stats[kind]));
      const byReason = new Map<string, number>();
      for (const r of panel.rows) if (r.event === 'drop') byReason.set(r.reason || r.where, (byReason.get(r.reason || r.where) ?? 0) + r.count);
      for (const [reason, n] of byReason) sink.add('drops', { reason }, n);
    },
  },
  blindSpots:
    'A retransmit is seen where the kernel sends it again (tcp_retransmit_skb): SYN-ACKs sent again by a listener are not among them. It runs in a timer or in the ACK’s softirq, so no process is at hand: the connection is named by its socket’s cgroup (the one of the process that made it). Drops are what the kernel frees as dropped (kfree_skb): a packet a driver or the NIC drops before the kernel sees it is not one, nor is one a qdisc drops without freeing it at once (netem, its own counters). Before 5.17 the kernel gives no reason: the function is all there is. A drop’s flow is read from its IP header (an IPv6 packet’s ports only where no extension header comes first). Drop counters stay in the kernel and are read each interval; when the map is full, a drop is counted under its reason without its flow (and said so).',
};
