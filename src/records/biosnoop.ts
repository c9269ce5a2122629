/** biosnoop records (bpf/biosnoop.h): one block I/O request, sent at its completion. */
import { escapeControl } from '../format.js';
import { cString, field, record, u32, u64n, type FieldLayout, type RecordLayout } from './layout.js';
import { biosnoop as names } from '../generated/bpf.js';

export const BIOSNOOP_RECORDS = {
  event: record('biosnoop_event', {
    ts_ns: 'u64',
    lat_ns: 'u64',
    sector: 'u64',
    cgid: 'u64',
    bytes: 'u32',
    pid: 'u32',
    dev: 'u32',
    op: 'u32',
    error: 'u32',
    pad: 'u32',
    comm: { cstr: 16 },
    disk: { cstr: 32 },
  }),
  stat: record('biosnoop_stats_val', { count: 'u64' }),
};

const OPS: Record<number, string> = Object.fromEntries(Object.entries(names.enums.biosnoop_op).map(([k, v]) => [v, k.toLowerCase()]));

export interface IoRecord {
  tsNs: number;
  latNs: number;
  sector: number;
  cgid: number;
  bytes: number;
  pid: number;
  major: number;
  minor: number;
  op: string;
  /** blk_status_t: 0, or the block layer's error */
  error: number;
  comm: string;
  disk: string;
}

/** The decoder of one layout, its fields found once. Null for a record too short (damage: dropped). */
export function biosnoopDecoder(layout: RecordLayout): (buf: Buffer) => IoRecord | null {
  const at = (k: string): FieldLayout => field(layout, k);
  const f = {
    ts: at('ts_ns'),
    lat: at('lat_ns'),
    sector: at('sector'),
    cgid: at('cgid'),
    bytes: at('bytes'),
    pid: at('pid'),
    dev: at('dev'),
    op: at('op'),
    error: at('error'),
    comm: at('comm'),
    disk: at('disk'),
  };
  return (buf) => {
    if (buf.length < layout.size) return null;
    const dev = u32(buf, 0, f.dev);
    return {
      tsNs: u64n(buf, 0, f.ts),
      latNs: u64n(buf, 0, f.lat),
      sector: u64n(buf, 0, f.sector),
      cgid: u64n(buf, 0, f.cgid),
      bytes: u32(buf, 0, f.bytes),
      pid: u32(buf, 0, f.pid),
      major: dev >>> 20,
      minor: dev & 0xfffff,
      op: OPS[u32(buf, 0, f.op)] ?? 'other',
      error: buf.readInt32LE(f.error.offset),
      comm: escapeControl(cString(buf, 0, f.comm)),
      disk: escapeControl(cString(buf, 0, f.disk)),
    };
  };
}
