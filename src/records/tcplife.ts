/** tcplife records (bpf/tcplife.h): one TCP session that ended. */
import { escapeControl } from '../format.js';
import { bytes, cString, field, record, u16, u32, u64n, type FieldLayout, type RecordLayout } from './layout.js';
import { formatIPv4, formatIPv6 } from './tcptop.js';
import { tcplife as names } from '../generated/bpf.js';

export const TCPLIFE_RECORDS = {
  event: record('tcplife_event', {
    ts_ns: 'u64',
    life_ns: 'u64',
    connect_ns: 'u64',
    rx_bytes: 'u64',
    tx_bytes: 'u64',
    cgid: 'u64',
    pid: 'u32',
    kind: 'u32',
    family: 'u16',
    lport: 'u16',
    rport: 'u16',
    oldstate: 'u16',
    laddr: { bytes: 16 },
    raddr: { bytes: 16 },
    comm: { cstr: 16 },
  }),
  stat: record('tcplife_stats_val', { count: 'u64' }),
};

const KIND = names.enums.tcplife_kind;
export type SessionKind = 'connect' | 'accept' | 'unknown';

export interface SessionRecord {
  tsNs: number;
  lifeNs: number;
  /** SYN_SENT → ESTABLISHED; 0 where this end did not connect */
  connectNs: number;
  rx: number;
  tx: number;
  cgid: number;
  pid: number;
  comm: string;
  kind: SessionKind;
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

/** The decoder of one layout, its fields found once. Null for a record too short (damage: dropped). */
export function tcplifeDecoder(layout: RecordLayout): (buf: Buffer) => SessionRecord | null {
  const at = (k: string): FieldLayout => field(layout, k);
  const f = {
    ts: at('ts_ns'),
    life: at('life_ns'),
    connect: at('connect_ns'),
    rx: at('rx_bytes'),
    tx: at('tx_bytes'),
    cgid: at('cgid'),
    pid: at('pid'),
    kind: at('kind'),
    family: at('family'),
    lport: at('lport'),
    rport: at('rport'),
    laddr: at('laddr'),
    raddr: at('raddr'),
    comm: at('comm'),
  };
  return (buf) => {
    if (buf.length < layout.size) return null;
    const v6 = u16(buf, 0, f.family) === 10;
    const addr = (fl: FieldLayout): string => (v6 ? formatIPv6(bytes(buf, 0, fl)) : formatIPv4(bytes(buf, 0, fl)));
    const kind = u32(buf, 0, f.kind);
    return {
      tsNs: u64n(buf, 0, f.ts),
      lifeNs: u64n(buf, 0, f.life),
      connectNs: u64n(buf, 0, f.connect),
      rx: u64n(buf, 0, f.rx),
      tx: u64n(buf, 0, f.tx),
      cgid: u64n(buf, 0, f.cgid),
      pid: u32(buf, 0, f.pid),
      comm: escapeControl(cString(buf, 0, f.comm)),
      kind: kind === KIND.ACTIVE ? 'connect' : kind === KIND.PASSIVE ? 'accept' : 'unknown',
      family: v6 ? 6 : 4,
      laddr: addr(f.laddr),
      lport: u16(buf, 0, f.lport),
      raddr: addr(f.raddr),
      rport: u16(buf, 0, f.rport),
    };
  };
}
