/** tcptop records: struct tcptop_key / tcptop_val (bpf/tcptop.h). Names from the kernel are escaped here. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { bytes, checkSize, cString, u16, u32, u64, type RecordLayout } from './layout.js';

export const TCPTOP_KEY: RecordLayout = {
  struct: 'tcptop_key',
  size: 16,
  fields: { sk: { offset: 0, size: 8 }, pid: { offset: 8, size: 4 }, lport: { offset: 12, size: 2 }, rport: { offset: 14, size: 2 } },
};

export const TCPTOP_VAL: RecordLayout = {
  struct: 'tcptop_val',
  size: 72,
  fields: {
    rx_bytes: { offset: 0, size: 8 },
    tx_bytes: { offset: 8, size: 8 },
    laddr: { offset: 16, size: 16 },
    raddr: { offset: 32, size: 16 },
    family: { offset: 48, size: 2 },
    comm: { offset: 56, size: 16 },
  },
};

export const TCPTOP_STATS_VAL: RecordLayout = { struct: 'tcptop_stats_val', size: 8, fields: { count: { offset: 0, size: 8 } } };

const AF_INET = 2;
const AF_INET6 = 10;

export interface TcptopRecord {
  /** the raw key, to delete the entry when it goes idle */
  rawKey: Buffer;
  /** stable identity of the entry: pid, socket, ports */
  id: string;
  pid: number;
  comm: string;
  family: 'IPv4' | 'IPv6';
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** cumulative since the entry was created */
  rx: bigint;
  tx: bigint;
}

export function formatIPv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952: lower case, longest run (≥2) of zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${formatIPv4(b.subarray(12))}`;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function decodeTcptop(read: MapRead): TcptopRecord[] {
  checkSize(TCPTOP_KEY, read.keys.length, read.count, 'tcptop_conns keys');
  checkSize(TCPTOP_VAL, read.values.length, read.count, 'tcptop_conns values');
  const k = TCPTOP_KEY.fields;
  const v = TCPTOP_VAL.fields;
  const out: TcptopRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const kb = i * TCPTOP_KEY.size;
    const vb = i * TCPTOP_VAL.size;
    const family = u16(read.values, vb, v.family!);
    if (family !== AF_INET && family !== AF_INET6) continue;
    const v4 = family === AF_INET;
    const fmt = v4 ? formatIPv4 : formatIPv6;
    const rawKey = Buffer.from(bytes(read.keys, kb, { offset: 0, size: TCPTOP_KEY.size }));
    out.push({
      rawKey,
      id: rawKey.toString('hex'),
      pid: u32(read.keys, kb, k.pid!),
      comm: escapeControl(cString(read.values, vb, v.comm!)),
      family: v4 ? 'IPv4' : 'IPv6',
      laddr: fmt(bytes(read.values, vb, v.laddr!)),
      lport: u16(read.keys, kb, k.lport!),
      raddr: fmt(bytes(read.values, vb, v.raddr!)),
      rport: u16(read.keys, kb, k.rport!),
      rx: u64(read.values, vb, v.rx_bytes!),
      tx: u64(read.values, vb, v.tx_bytes!),
    });
  }
  return out;
}

/** Sum of the tcptop_stats per-CPU array (already summed over CPUs by the addon), by index. */
export function decodeCounters(read: MapRead): bigint[] {
  checkSize(TCPTOP_STATS_VAL, read.values.length, read.count, 'tcptop_stats');
  const out: bigint[] = [];
  for (let i = 0; i < read.count; i++) out[read.keys.readUInt32LE(i * 4)] = read.values.readBigUInt64LE(i * 8);
  return out;
}
