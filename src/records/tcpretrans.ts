/** tcpretrans records (bpf/tcpretrans.h): a retransmitted segment, and a drop counter's key and value. */
import type { MapRead } from '../native.js';
import { bytes, checkSize, field, record, u16, u32, u64n, type FieldLayout, type RecordLayout } from './layout.js';
import { formatIPv4, formatIPv6 } from './tcptop.js';
import { tcpretrans as names } from '../generated/bpf.js';

export const TCPRETRANS_RECORDS = {
  event: record('tcpretrans_event', {
    ts_ns: 'u64',
    cgid: 'u64',
    state: 'u32',
    err: 'u32',
    kind: 'u32',
    total_retrans: 'u32',
    srtt_us: 'u32',
    family: 'u16',
    lport: 'u16',
    rport: 'u16',
    pad: 'u16',
    laddr: { bytes: 16 },
    raddr: { bytes: 16 },
  }),
  dropKey: record('tcpretrans_drop_key', {
    location: 'u64',
    cgid: 'u64',
    reason: 'u32',
    ethertype: 'u16',
    l4proto: 'u8',
    family: 'u8',
    sport: 'u16',
    dport: 'u16',
    pad: 'u32',
    saddr: { bytes: 16 },
    daddr: { bytes: 16 },
  }),
  dropVal: record('tcpretrans_drop_val', { count: 'u64' }),
  stat: record('tcpretrans_stats_val', { count: 'u64' }),
};
export type TcpretransLayouts = Record<keyof typeof TCPRETRANS_RECORDS, RecordLayout>;

const KIND = names.enums.tcpretrans_kind;
/** timeout: the RTO fired; probe: a tail loss probe; fast: recovery driven by ACKs */
export type RetransKind = 'timeout' | 'probe' | 'fast';

/** include/net/tcp_states.h: the same numbers on every kernel. */
export const TCP_STATES = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];
export const tcpState = (n: number): string => TCP_STATES[n] || String(n);

export interface RetransRecord {
  tsNs: number;
  cgid: number;
  state: string;
  /** the transmit's result: 0 sent (always 0 before 6.13, whose tracepoint fires for sent ones only) */
  err: number;
  kind: RetransKind;
  totalRetrans: number;
  srttUs: number;
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

const addrOf = (v6: boolean, b: Buffer): string => (v6 ? formatIPv6(b) : formatIPv4(b));

/** The decoder of one layout, its fields found once. Null for a record too short (damage: dropped). */
export function retransDecoder(layout: RecordLayout): (buf: Buffer) => RetransRecord | null {
  const at = (k: string): FieldLayout => field(layout, k);
  const f = {
    ts: at('ts_ns'),
    cgid: at('cgid'),
    state: at('state'),
    err: at('err'),
    kind: at('kind'),
    total: at('total_retrans'),
    srtt: at('srtt_us'),
    family: at('family'),
    lport: at('lport'),
    rport: at('rport'),
    laddr: at('laddr'),
    raddr: at('raddr'),
  };
  return (buf) => {
    if (buf.length < layout.size) return null;
    const v6 = u16(buf, 0, f.family) === 10;
    const kind = u32(buf, 0, f.kind);
    return {
      tsNs: u64n(buf, 0, f.ts),
      cgid: u64n(buf, 0, f.cgid),
      state: tcpState(u32(buf, 0, f.state)),
      err: buf.readInt32LE(f.err.offset),
      kind: kind === KIND.PROBE ? 'probe' : kind === KIND.FAST ? 'fast' : 'timeout',
      totalRetrans: u32(buf, 0, f.total),
      srttUs: u32(buf, 0, f.srtt),
      family: v6 ? 6 : 4,
      laddr: addrOf(v6, bytes(buf, 0, f.laddr)),
      lport: u16(buf, 0, f.lport),
      raddr: addrOf(v6, bytes(buf, 0, f.raddr)),
      rport: u16(buf, 0, f.rport),
    };
  };
}

/** One drop counter: the packets freed as dropped for one reason, at one place, of one flow, since it was made. */
export interface DropRecord {
  location: bigint;
  cgid: number;
  /** the kernel's skb_drop_reason number (0: the kernel gives none) */
  reason: number;
  ethertype: number;
  /** the IP protocol number, 0 where the packet was not IP */
  l4proto: number;
  family: 0 | 4 | 6;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  count: number;
  /** the key's bytes, for taking it out of the map */
  rawKey: Buffer;
}

export function decodeDrops(read: MapRead, layouts: Pick<TcpretransLayouts, 'dropKey' | 'dropVal'>): DropRecord[] {
  const { dropKey: kl, dropVal: vl } = layouts;
  checkSize(kl, read.keys.length, read.count, 'tcpretrans_drops keys');
  checkSize(vl, read.values.length, read.count, 'tcpretrans_drops values');
  const f = {
    location: field(kl, 'location'),
    cgid: field(kl, 'cgid'),
    reason: field(kl, 'reason'),
    ethertype: field(kl, 'ethertype'),
    l4proto: field(kl, 'l4proto'),
    family: field(kl, 'family'),
    sport: field(kl, 'sport'),
    dport: field(kl, 'dport'),
    saddr: field(kl, 'saddr'),
    daddr: field(kl, 'daddr'),
    count: field(vl, 'count'),
  };
  const out: DropRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const k = i * kl.size;
    const fam = read.keys[k + f.family.offset]!;
    const family = fam === 4 || fam === 6 ? fam : 0;
    const addr = (fl: FieldLayout): string => (family === 0 ? '' : addrOf(family === 6, bytes(read.keys, k, fl)));
    out.push({
      location: read.keys.readBigUInt64LE(k + f.location.offset),
      cgid: u64n(read.keys, k, f.cgid),
      reason: u32(read.keys, k, f.reason),
      ethertype: u16(read.keys, k, f.ethertype),
      l4proto: read.keys[k + f.l4proto.offset]!,
      family,
      saddr: addr(f.saddr),
      sport: u16(read.keys, k, f.sport),
      daddr: addr(f.daddr),
      dport: u16(read.keys, k, f.dport),
      count: u64n(read.values, i * vl.size, f.count),
      rawKey: Buffer.from(read.keys.subarray(k, k + kl.size)),
    });
  }
  return out;
}
