/** The tcptop panel: TCP bytes per connection and process, counted from the bytes actually moved. */
import { decodeCounters, decodeTcptop, TCPTOP_RECORDS, type TcptopLayouts } from '../records/tcptop.js';
import { deriveTcptop, tcptopStats, type TcptopConn, type TcptopRow, type TcptopSample } from '../models/tcptop.js';
import { humanBytes } from '../format.js';
import type { BpfObject } from '../native.js';
import { asNumber, type KernelInfo, type PanelDef, type PanelStats, type Summary, type Tier } from './types.js';

/** An entry unchanged for this many reads is deleted from the kernel map (and so from the sample). */
const IDLE_READS = 5;
/** Above this share of the map's capacity, entries idle for one read are deleted too. */
const PRESSURE = 0.75;


/** tcp_recvmsg lost `nonblock` in 5.19 and later `addr_len`: the programs find `flags` by the parameter count. */
export function recvmsgRodata(kernel: KernelInfo): Record<string, number> {
  const n = kernel.functionParams('tcp_recvmsg');
  return { tcp_recvmsg_nargs: n > 0 ? n : 4 };
}

/**
 * Reads tcptop's maps. Counters are cumulative (no lookup-and-delete, which loses bytes added between the copy and
 * the delete). Idle entries are evicted here and left out of the sample, so a re-created entry counts from zero.
 */
export function createTcptopReader(obj: BpfObject, layouts: TcptopLayouts): () => TcptopSample {
  const capacity = obj.mapInfo('tcptop_conns').maxEntries;
  let last = new Map<string, { rx: bigint; tx: bigint; idle: number; id: string }>();
  let seq = 0;
  return () => {
    const records = decodeTcptop(obj.readMap('tcptop_conns'), layouts);
    const counters = decodeCounters(obj.readMap('tcptop_stats'), layouts.stat);
    const pressure = records.length > capacity * PRESSURE;
    const conns = new Map<string, TcptopConn>();
    const next = new Map<string, { rx: bigint; tx: bigint; idle: number; id: string }>();
    const evict: Buffer[] = [];
    for (const r of records) {
      const prev = last.get(r.key);
      const idle = prev && prev.rx === r.rx && prev.tx === r.tx ? prev.idle + 1 : 0;
      if (idle >= IDLE_READS || (pressure && idle >= 1)) {
        evict.push(r.rawKey);
        continue;
      }
      // The kernel key holds a socket pointer: rows are named by a number of our own instead.
      const id = prev?.id ?? `c${++seq}`;
      next.set(r.key, { rx: r.rx, tx: r.tx, idle, id });
      const { rawKey: _raw, key: _key, ...conn } = r;
      conns.set(id, { id, ...conn });
    }
    if (evict.length > 0) obj.deleteKeys('tcptop_conns', Buffer.concat(evict));
    last = next;
    return { conns, mapFull: counters[0] ?? 0n, entries: records.length, capacity };
  };
}

const TIERS: readonly Tier[] = [
  { name: 'fentry', types: ['fexit'], programs: ['tcptop_sendmsg_fexit', 'tcptop_recvmsg_fexit'], hooks: 'fexit tcp_sendmsg + fexit tcp_recvmsg', rodata: recvmsgRodata },
  {
    name: 'kprobe',
    types: ['kprobe', 'kretprobe'],
    programs: ['tcptop_sendmsg_kprobe', 'tcptop_sendmsg_kretprobe', 'tcptop_recvmsg_kprobe', 'tcptop_recvmsg_kretprobe'],
    hooks: 'kprobe+kretprobe tcp_sendmsg + tcp_recvmsg',
    rodata: recvmsgRodata,
  },
  { name: 'tp_btf', types: ['tp_btf'], programs: ['tcptop_send_length_btf', 'tcptop_recv_length_btf'], hooks: 'tp_btf sock_send_length + sock_recv_length' },
  { name: 'raw_tp', types: ['raw_tp'], programs: ['tcptop_send_length_raw', 'tcptop_recv_length_raw'], hooks: 'raw_tp sock_send_length + sock_recv_length' },
  { name: 'tracepoint', types: ['tracepoint'], programs: ['tcptop_send_length_tp', 'tcptop_recv_length_tp'], hooks: 'tracepoint sock:sock_send_length + sock:sock_recv_length' },
];

const mib = (n: number): string => (n / 1048576).toFixed(2);

/** Connections, totals over the rows' own rates, and the kernel map's occupancy. */
export function tcptopSummary(rows: readonly TcptopRow[], stats: PanelStats): Summary {
  let rx = 0;
  let tx = 0;
  for (const r of rows) {
    rx += r.rx_per_s ?? 0;
    tx += r.tx_per_s ?? 0;
  }
  return {
    text: `${rows.length} active connections, RX ${mib(rx)} MiB/s, TX ${mib(tx)} MiB/s, map ${stats.entries ?? 0}/${stats.capacity ?? 0}`,
    values: { connections: rows.length, rx_per_s: rx, tx_per_s: tx },
  };
}

const total = (r: TcptopRow): number | null => (r.rx_bytes === null || r.tx_bytes === null ? null : r.rx_bytes + r.tx_bytes);

export const tcptopPanel: PanelDef<TcptopSample, TcptopRow> = {
  id: 'tcptop',
  title: 'tcptop',
  source: {
    kind: 'bpf',
    stem: 'tcptop',
    tiers: TIERS,
    records: TCPTOP_RECORDS,
    createReader: (obj, layouts) => createTcptopReader(obj, layouts as TcptopLayouts),
  },
  hookList: TIERS,
  derive: deriveTcptop,
  stats: tcptopStats,
  summarize: tcptopSummary,
  trend: total,
  columns: [
    { key: 'pid', title: 'PID', width: 7, align: 'right', value: (r) => r.pid, format: (v) => String(v), help: 'process (tgid) that moved the bytes' },
    { key: 'comm', title: 'COMM', width: 12, minWidth: 8, align: 'left', value: (r) => r.comm, format: (v) => String(v), help: 'process name when the entry was created (control characters escaped)' },
    { key: 'family', title: 'FAM', width: 4, align: 'left', value: (r) => r.family, format: (v) => (v === 'IPv6' ? 'v6' : 'v4'), help: 'address family' },
    { key: 'laddr', title: 'LADDR', width: 15, minWidth: 9, maxWidth: 39, align: 'right', value: (r) => r.laddr, format: (v) => String(v), help: 'local address' },
    { key: 'lport', title: 'LPORT', width: 5, align: 'right', value: (r) => r.lport, format: (v) => String(v), help: 'local port' },
    { key: 'raddr', title: 'RADDR', width: 15, minWidth: 9, maxWidth: 39, align: 'right', value: (r) => r.raddr, format: (v) => String(v), help: 'remote address' },
    { key: 'rport', title: 'RPORT', width: 5, align: 'right', value: (r) => r.rport, format: (v) => String(v), help: 'remote port' },
    { key: 'rx_bytes', title: 'RX', width: 6, align: 'right', value: (r) => r.rx_bytes, format: (v) => humanBytes(asNumber(v)), help: 'bytes received in the interval (return value of recvmsg; MSG_PEEK left out)' },
    { key: 'tx_bytes', title: 'TX', width: 6, align: 'right', value: (r) => r.tx_bytes, format: (v) => humanBytes(asNumber(v)), help: 'bytes sent in the interval (return value of sendmsg, sendfile included)' },
    { key: 'total', title: 'TOTAL', width: 6, align: 'right', value: total, format: (v) => humanBytes(asNumber(v)), help: 'RX + TX (the default sort)' },
  ],
  defaultSort: { key: 'total', descending: true },
  detail: [
    { label: 'process', value: (r) => `${r.pid} ${r.comm}` },
    { label: 'local', value: (r) => `${r.laddr} port ${r.lport}` },
    { label: 'remote', value: (r) => `${r.raddr} port ${r.rport}` },
    { label: 'received', value: (r) => humanBytes(r.rx_bytes) },
    { label: 'sent', value: (r) => humanBytes(r.tx_bytes) },
  ],
  blindSpots:
    'Before 6.5, sendfile to a TCP socket goes through tcp_sendpage, which no tier hooks; splice(2) out of a socket (tcp_splice_read) is not seen by any tier.',
};
