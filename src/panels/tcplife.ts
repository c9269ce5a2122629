/**
 * The tcplife panel: the TCP sessions that come and go, with tcpconnect and tcpaccept as their two directions: who,
 * to or from where, the bytes each way, how long each lived, and how long its connect took. One event per session as
 * it closes, through a ring buffer; every one lost is counted. Two views: the sessions of the interval per (process,
 * peer, direction), and `v`, the recent sessions one per line.
 */
import { cgroupColumn, commColumn, latencyColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { humanBytes, humanCount, humanNs } from '../format.js';
import { decodeCounterArray, type RecordLayout } from '../records/layout.js';
import { TCPLIFE_RECORDS, tcplifeDecoder } from '../records/tcplife.js';
import { ringRecords } from '../records/ring.js';
import { deriveTcplife, type SessionEvent, type TcplifeRow, type TcplifeSample } from '../models/tcplife.js';
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
import { tcplife as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.tcplife_stat;

const TIERS: readonly Tier<Programs>[] = [
  { name: 'tp_btf', types: ['tp_btf'], programs: ['tcplife_state_btf'], hooks: 'tp_btf inet_sock_set_state' },
  { name: 'tracepoint', types: ['tracepoint'], programs: ['tcplife_state_tp'], hooks: 'tracepoint sock:inet_sock_set_state' },
];

export const RECENT_SESSIONS = 1000;

const UNFOLLOWED: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'sockets not followed' };

/** Reads the ring: one session per record, named by its cgroup, kept in the scrollback. */
export function createTcplifeReader(obj: BpfObject<Maps>, layouts: Readonly<Record<'event' | 'stat', RecordLayout>>, host: HostInfo): () => TcplifeSample {
  obj.openRing('tcplife_events', { maxBytes: STAGING_BYTES });
  const decode = tcplifeDecoder(layouts.event);
  const cgroupOf = createCgroupNamer(host);
  // --cgroup: sessions are named by their owner's cgroup, known only once the owner acts (in user space, not the kernel).
  const filter = host.cgroupFilter?.path;
  const inFilter = (cg: string): boolean => filter === undefined || filter === '/' || cg === filter || cg.startsWith(`${filter}/`);
  let recent: SessionEvent[] = [];
  let seq = 0;
  return () => {
    const take = obj.takeRing('tcplife_events');
    const stats = decodeCounterArray(obj.readMap('tcplife_stats'), layouts.stat, 'tcplife_stats');
    const offsetMs = Date.now() - host.nowNs() / 1e6;
    const sessions: SessionEvent[] = [];
    for (const buf of ringRecords(take)) {
      const s = decode(buf);
      if (!s) continue;
      const cg = cgroupOf(s.cgid);
      if (!inFilter(cg.cgroup)) continue;
      sessions.push({
        id: `s${++seq}`,
        seq,
        time_ms: Math.round(offsetMs + s.tsNs / 1e6),
        pid: s.pid,
        comm: s.comm,
        kind: s.kind,
        laddr: s.laddr,
        lport: s.lport,
        raddr: s.raddr,
        rport: s.rport,
        rx_bytes: s.rx,
        tx_bytes: s.tx,
        life_ns: s.lifeNs,
        connect_ns: s.kind === 'connect' && s.connectNs > 0 ? s.connectNs : null,
        cgroup: cg.cgroup,
        workload: cg.workload,
      });
    }
    recent = keepRecent(recent, sessions, RECENT_SESSIONS);
    return { sessions, recent, ringFull: stats[STAT.RING_FULL] ?? 0, mapFull: stats[STAT.MAP_FULL] ?? 0, rateDropped: take.dropped };
  };
}

export function tcplifeStats(sample: TcplifeSample, previous: TcplifeSample | undefined): Record<string, number> {
  let connects = 0;
  let accepts = 0;
  let rx = 0;
  let tx = 0;
  for (const s of sample.sessions) {
    if (s.kind === 'connect') connects++;
    else if (s.kind === 'accept') accepts++;
    rx += s.rx_bytes;
    tx += s.tx_bytes;
  }
  return { sessions: sample.sessions.length, connects, accepts, rx_bytes: rx, tx_bytes: tx, ...ringStats(sample, previous) };
}

/** "120 sessions/s ended (80 opened here, 40 accepted), most: nginx 100/s; mean life 3.2ms; connect p50 ≤… " */
export function tcplifeSummary(rows: readonly TcplifeRow[], stats: PanelStats, elapsedNs: number): Summary {
  const per = (n: number): number | null => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : null);
  const rate = (n: number): string => humanCount(Math.round(per(n) ?? 0));
  const n = num(stats.sessions);
  const byComm = busyByName(rows as unknown as Record<string, unknown>[], (r) => num(r.sessions));
  let top: [string, number] | undefined;
  for (const e of byComm) if (e[1] > (top?.[1] ?? 0)) top = e;
  let life = 0;
  let conn = 0;
  let conns = 0;
  for (const r of rows) {
    life += r.life_avg_ns * r.sessions;
    if (r.connect_avg_ns !== null) {
      const k = r.sessions;
      conn += r.connect_avg_ns * k;
      conns += k;
    }
  }
  const lost = lostEvents(stats);
  const text =
    `${rate(n)} sessions/s ended (${rate(num(stats.connects))} connected from here, ${rate(num(stats.accepts))} accepted)` +
    (top ? `, most: ${top[0]} ${rate(top[1])}/s` : '') +
    (n ? `; mean life ${humanNs(life / n)}` : '') +
    (conns ? `, mean connect ${humanNs(conn / conns)}` : '') +
    `; ${humanBytes(num(stats.rx_bytes))} in, ${humanBytes(num(stats.tx_bytes))} out` +
    lostText(lost);
  return {
    text,
    values: {
      sessions_per_s: per(n),
      connects_per_s: per(num(stats.connects)),
      accepts_per_s: per(num(stats.accepts)),
      life_mean_ns: n ? life / n : null,
      connect_mean_ns: conns ? conn / conns : null,
      lost,
    },
    ...(lost ? { warning: true } : {}),
  };
}

const bytesColumn = <R extends { rx_bytes: number; tx_bytes: number }>(
  key: 'rx_bytes' | 'tx_bytes',
  title: string,
  help: string,
  perInterval: boolean,
): Column<R> => ({
  key,
  title,
  width: 8,
  align: 'right',
  unit: 'bytes',
  ...(perInterval ? { perInterval: true } : {}),
  value: (r) => r[key],
  format: (v) => humanBytes(asNumber(v)),
  help,
  decimals: 0,
});

const nsColumn = <R>(key: keyof R & string, title: string, help: string): Column<R> => latencyColumn<R>(key, title, help, false);

const kindColumn = <R extends { kind: string }>(): Column<R> => ({
  key: 'kind',
  title: 'DIR',
  width: 4,
  align: 'left',
  value: (r) => r.kind,
  format: (v) => (v === 'connect' ? 'out' : v === 'accept' ? 'in' : '?'),
  help: 'out: this end connected (tcpconnect); in: it accepted (tcpaccept); ?: opened before sixty attached',
});

const peer = (r: { raddr: string; rport: number }): string => (r.raddr.includes(':') ? `[${r.raddr}]:${r.rport}` : `${r.raddr}:${r.rport}`);

function mergeRows(rows: readonly TcplifeRow[]): TcplifeRow {
  const first = rows[0]!;
  const sessions = rows.reduce((a, r) => a + r.sessions, 0);
  const conns = rows.filter((r) => r.connect_avg_ns !== null);
  const connN = conns.reduce((a, r) => a + r.sessions, 0);
  return {
    ...first,
    sessions,
    rx_bytes: rows.reduce((a, r) => a + r.rx_bytes, 0),
    tx_bytes: rows.reduce((a, r) => a + r.tx_bytes, 0),
    life_avg_ns: rows.reduce((a, r) => a + r.life_avg_ns * r.sessions, 0) / sessions,
    life_max_ns: Math.max(...rows.map((r) => r.life_max_ns)),
    connect_avg_ns: connN ? conns.reduce((a, r) => a + r.connect_avg_ns! * r.sessions, 0) / connN : null,
  };
}

const GROUPINGS: readonly Grouping<TcplifeRow>[] = [
  {
    name: 'process',
    by: ['pid', 'comm'],
    key: (r) => String(r.pid),
    merge: mergeRows,
    hide: ['kind', 'peer', 'workload', 'cgroup'],
    member: (r) => `${r.kind} ${peer(r)}`,
  },
  {
    name: 'remote address',
    by: ['peer'],
    key: (r) => r.raddr,
    merge: (rows) => ({ ...mergeRows(rows), rport: 0 }),
    hide: ['pid', 'comm', 'kind', 'workload', 'cgroup'],
    member: (r) => `${r.comm} ${r.pid}`,
  },
  byCgroup(mergeRows, ['pid', 'comm', 'kind', 'peer'], (r) => `${r.comm} ${peer(r)}`),
];

export const SESSION_EVENTS: EventsSpec<SessionEvent> = {
  noun: 'session',
  order: (e) => e.seq,
  help: `the last ${RECENT_SESSIONS} sessions that ended, newest first`,
  defaultSort: { key: 'seq', descending: true },
  columns: [
    timeColumn<SessionEvent>('when it ended (local time, ms)'),
    pidColumn<SessionEvent>('the process that owned it (connected, or accepted and closed it); 0: none seen'),
    commColumn<SessionEvent>('its name'),
    kindColumn<SessionEvent>(),
    {
      key: 'local',
      title: 'LOCAL',
      width: 21,
      minWidth: 12,
      maxWidth: 47,
      align: 'right',
      value: (e) => `${e.laddr}:${e.lport}`,
      format: (_v, e) => (e.laddr.includes(':') ? `[${e.laddr}]:${e.lport}` : `${e.laddr}:${e.lport}`),
      help: 'this end: address and port',
    },
    {
      key: 'remote',
      title: 'REMOTE',
      width: 21,
      minWidth: 12,
      maxWidth: 47,
      align: 'right',
      value: (e) => `${e.raddr}:${e.rport}`,
      format: (_v, e) => peer(e),
      help: 'the peer: address and port',
    },
    bytesColumn<SessionEvent>('rx_bytes', 'RX', 'bytes received over its life', false),
    bytesColumn<SessionEvent>('tx_bytes', 'TX', 'bytes sent and acknowledged over its life', false),
    nsColumn<SessionEvent>('life_ns', 'LIFE', 'from its first state change (the SYN) to its close'),
    nsColumn<SessionEvent>('connect_ns', 'CONNECT', 'the connect’s latency: SYN sent → established (sessions this end opened)'),
    workloadColumn<SessionEvent>(5),
    cgroupColumn<SessionEvent>(6),
  ],
  detail: [
    { label: 'session', value: (e) => `${clock(e.time_ms)} ended; ${e.kind}, pid ${e.pid || '-'} (${e.comm || '-'})` },
    { label: 'between', value: (e) => `${e.laddr}:${e.lport} ↔ ${peer(e)}` },
    { label: 'bytes', value: (e) => `${e.rx_bytes} received, ${e.tx_bytes} sent and acknowledged` },
    { label: 'time', value: (e) => `lived ${humanNs(e.life_ns)}${e.connect_ns !== null ? `, connected in ${humanNs(e.connect_ns)}` : ''}` },
    { label: 'cgroup', value: (e) => (e.cgroup ? `${e.cgroup} (${e.workload})` : '-') },
  ],
  cgroupOf: (e) => e.cgroup || null,
};

export const tcplifePanel: PanelDef<TcplifeSample, TcplifeRow> = {
  id: 'tcplife',
  title: 'tcplife',
  source: {
    kind: 'bpf',
    stem: 'tcplife',
    tiers: TIERS,
    mapSizes: ringMapSize('tcplife_events'),
    records: TCPLIFE_RECORDS,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createTcplifeReader(obj, layouts, host),
  },
  hookList: TIERS,
  derive: deriveTcplife,
  stats: tcplifeStats,
  summarize: tcplifeSummary,
  trend: (r) => r.sessions,
  trendOf: { label: 'sessions ended per interval' },
  recentEvents: (sample) => [...sample.recent].reverse(),
  events: SESSION_EVENTS,
  columns: [
    pidColumn<TcplifeRow>('the process that owned the sessions'),
    commColumn<TcplifeRow>('its name'),
    kindColumn<TcplifeRow>(),
    {
      key: 'peer',
      title: 'PEER',
      width: 24,
      minWidth: 12,
      maxWidth: 47,
      align: 'right',
      value: (r) => (r.lport !== null ? `${r.raddr} → :${r.lport}` : peer(r)),
      format: (v) => String(v),
      help: 'out: the address and port it connected to; in: the client address and the local port it accepted on',
    },
    countColumn('sessions', 'SESS', 'sessions that ended in the interval, per second in the table'),
    bytesColumn<TcplifeRow>('rx_bytes', 'RX/s', 'bytes those sessions received over their lives', true),
    bytesColumn<TcplifeRow>('tx_bytes', 'TX/s', 'bytes they sent (acknowledged) over their lives', true),
    nsColumn<TcplifeRow>('life_avg_ns', 'LIFE', 'their mean lifetime'),
    nsColumn<TcplifeRow>('life_max_ns', 'MAXLIFE', 'the longest of them'),
    nsColumn<TcplifeRow>('connect_avg_ns', 'CONNECT', 'the mean connect latency of those this end opened (SYN sent → established)'),
    workloadColumn<TcplifeRow>(5),
    cgroupColumn<TcplifeRow>(6),
  ],
  defaultSort: { key: 'sessions', descending: true },
  detail: [
    { label: 'process', value: (r) => `${r.comm || '-'} (pid ${r.pid || '-'}), ${r.kind}` },
    { label: 'peer', value: (r) => (r.lport !== null ? `${r.raddr}, accepted on port ${r.lport}` : peer(r)) },
    {
      label: 'sessions',
      value: (r) =>
        `${r.sessions} ended, ${humanBytes(r.rx_bytes)} in, ${humanBytes(r.tx_bytes)} out; life mean ${humanNs(r.life_avg_ns)}, longest ${humanNs(r.life_max_ns)}` +
        (r.connect_avg_ns !== null ? `; connect mean ${humanNs(r.connect_avg_ns)}` : ''),
    },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
  ],
  groupings: GROUPINGS,
  cgroupOf: (r) => r.cgroup || null,
  drops: [RING_FULL, RATE_DROPPED, UNFOLLOWED, BPF_MISSED],
  // A session is a handful of state changes (SYN_SENT, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, TIME_WAIT/CLOSE).
  costEstimate: { nsPerEvent: 3000, events: (_rows, stats) => num(stats.sessions) },
  metrics: {
    families: {
      sessions: {
        name: 'sixty_tcp_sessions_total',
        help: 'TCP sessions that ended, by process name and direction (out: connected, in: accepted).',
        type: 'counter',
      },
    },
    fold(panel, sink) {
      const rows = panel.rows as unknown as readonly Record<string, unknown>[];
      const labelOf = sink.processLabels(busyByName(rows, (r) => num(r.sessions)));
      for (const { labels, sums } of sumByProcess(rows, ['sessions'] as const, labelOf, (r) => ({ direction: r.kind === 'accept' ? 'in' : 'out' })))
        sink.add('sessions', labels, sums.sessions);
    },
  },
  blindSpots:
    'A session is seen from its first state change after the panel attached (one opened before has no direction or connect time, and its life counts from then) to its close; one still open is not listed until it closes (tcptop lists the live ones). Its owner is the process that connected it, or that closed it (the transitions only its own calls make): an accepted session that its peer reset before the owner closed it has none. Bytes are tcp_sock’s bytes_received and bytes_acked at the close (sent and acknowledged). With --cgroup, sessions are kept by their owner’s cgroup in user space (the owner is known only once it acts). The events cross through a 4 MiB ring buffer drained every 25 ms (every 100 ms while it stays empty); what it or the rate bound turns away is counted.',
};
