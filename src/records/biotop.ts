/** biotop records: struct biotop_key / biotop_val / biotop_stats_val (bpf/biotop.h). Names from the kernel are escaped. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { checkSize, cString, field, record, u32, u64n, type RecordLayout } from './layout.js';

export const BIOTOP_HIST_SLOTS = 40;

export const BIOTOP_RECORDS = {
  key: record('biotop_key', { pid: 'u32', dev: 'u32', op: 'u32', pad: 'u32' }),
  val: record('biotop_val', {
    io: 'u64',
    bytes: 'u64',
    lat_ns: 'u64',
    await_ns: 'u64',
    await_io: 'u64',
    created_ns: 'u64',
    hist: { u64s: BIOTOP_HIST_SLOTS },
    comm: { cstr: 16 },
    disk: { cstr: 32 },
  }),
  stat: record('biotop_stats_val', { count: 'u64' }),
};
export type BiotopLayouts = Record<keyof typeof BIOTOP_RECORDS, RecordLayout>;

/** enum biotop_op, in order. */
export const BIOTOP_OPS = ['read', 'write', 'discard', 'flush', 'other'] as const;
export type BiotopOp = (typeof BIOTOP_OPS)[number];

/** The kernel's dev_t encoding: major in the high 12 bits, minor in the low 20. */
export const devMajor = (dev: number): number => dev >>> 20;
export const devMinor = (dev: number): number => dev & 0xfffff;

export interface BiotopRecord {
  pid: number;
  dev: number;
  op: BiotopOp;
  /** escaped */
  comm: string;
  disk: string;
  /** cumulative since `created` */
  io: number;
  bytes: number;
  latNs: number;
  /** start → completion, summed over awaitIo requests */
  awaitNs: number;
  awaitIo: number;
  created: number;
  hist: Float64Array;
}

export function decodeBiotop(read: MapRead, L: BiotopLayouts): BiotopRecord[] {
  checkSize(L.key, read.keys.length, read.count, 'biotop_rows keys');
  checkSize(L.val, read.values.length, read.count, 'biotop_rows values');
  const k = { pid: field(L.key, 'pid'), dev: field(L.key, 'dev'), op: field(L.key, 'op') };
  const v = {
    io: field(L.val, 'io'),
    bytes: field(L.val, 'bytes'),
    lat: field(L.val, 'lat_ns'),
    await: field(L.val, 'await_ns'),
    awaitIo: field(L.val, 'await_io'),
    created: field(L.val, 'created_ns'),
    hist: field(L.val, 'hist'),
    comm: field(L.val, 'comm'),
    disk: field(L.val, 'disk'),
  };
  const out: BiotopRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const kb = i * L.key.size;
    const vb = i * L.val.size;
    const hist = new Float64Array(BIOTOP_HIST_SLOTS);
    for (let s = 0; s < BIOTOP_HIST_SLOTS; s++) hist[s] = u64n(read.values, vb + s * 8, v.hist);
    out.push({
      pid: u32(read.keys, kb, k.pid),
      dev: u32(read.keys, kb, k.dev),
      op: BIOTOP_OPS[u32(read.keys, kb, k.op)] ?? 'other',
      comm: escapeControl(cString(read.values, vb, v.comm)),
      disk: escapeControl(cString(read.values, vb, v.disk)),
      io: u64n(read.values, vb, v.io),
      bytes: u64n(read.values, vb, v.bytes),
      latNs: u64n(read.values, vb, v.lat),
      awaitNs: u64n(read.values, vb, v.await),
      awaitIo: u64n(read.values, vb, v.awaitIo),
      created: u64n(read.values, vb, v.created),
      hist,
    });
  }
  return out;
}

