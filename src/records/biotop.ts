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
    lat_io: 'u64',
    lat_ns: 'u64',
    await_ns: 'u64',
    await_io: 'u64',
    created_ns: 'u64',
    hist: { u64s: BIOTOP_HIST_SLOTS },
    comm: { cstr: 16 },
    disk: { cstr: 32 },
    cgid: 'u64',
  }),
  stat: record('biotop_stats_val', { count: 'u64' }),
  inflight: record('biotop_inflight', {
    issue_ns: 'u64',
    pid: 'u32',
    bytes: 'u32',
    dev: 'u32',
    op: 'u32',
    comm: { cstr: 16 },
    disk: { cstr: 32 },
    cgid: 'u64',
  }),
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
  /** the cgroup2 id of the submitter (0: none seen) */
  cgid: number;
  /** cumulative since `created`: every completed request, seen or not */
  io: number;
  bytes: number;
  /** the requests whose completion was seen, which latNs and hist cover */
  latIo: number;
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
    latIo: field(L.val, 'lat_io'),
    lat: field(L.val, 'lat_ns'),
    await: field(L.val, 'await_ns'),
    awaitIo: field(L.val, 'await_io'),
    created: field(L.val, 'created_ns'),
    hist: field(L.val, 'hist'),
    comm: field(L.val, 'comm'),
    disk: field(L.val, 'disk'),
    cgid: field(L.val, 'cgid'),
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
      cgid: u64n(read.values, vb, v.cgid),
      io: u64n(read.values, vb, v.io),
      bytes: u64n(read.values, vb, v.bytes),
      latIo: u64n(read.values, vb, v.latIo),
      latNs: u64n(read.values, vb, v.lat),
      awaitNs: u64n(read.values, vb, v.await),
      awaitIo: u64n(read.values, vb, v.awaitIo),
      created: u64n(read.values, vb, v.created),
      hist,
    });
  }
  return out;
}

/** A request in flight (biotop_inflight): who started it, and when it was issued (0 until issued). */
export interface BiotopInflight {
  /** the request's address as hex: an opaque key, never shown */
  key: string;
  rawKey: Buffer;
  issueNs: number;
  pid: number;
  bytes: number;
  dev: number;
  op: BiotopOp;
  comm: string;
  disk: string;
  cgid: number;
}

/**
 * The entries of biotop_inflight that are issued (a request started but not yet issued, or merged into another and
 * freed without completing, is left out without being decoded: the map can hold thousands of those).
 */
export function decodeBiotopInflight(read: MapRead, L: BiotopLayouts): BiotopInflight[] {
  checkSize(L.inflight, read.values.length, read.count, 'biotop_inflight values');
  const f = {
    issue: field(L.inflight, 'issue_ns'),
    pid: field(L.inflight, 'pid'),
    bytes: field(L.inflight, 'bytes'),
    dev: field(L.inflight, 'dev'),
    op: field(L.inflight, 'op'),
    comm: field(L.inflight, 'comm'),
    disk: field(L.inflight, 'disk'),
    cgid: field(L.inflight, 'cgid'),
  };
  const out: BiotopInflight[] = [];
  for (let i = 0; i < read.count; i++) {
    const vb = i * L.inflight.size;
    const issueNs = u64n(read.values, vb, f.issue);
    if (issueNs === 0) continue;
    const rawKey = Buffer.from(read.keys.subarray(i * read.keySize, (i + 1) * read.keySize));
    out.push({
      key: rawKey.toString('hex'),
      rawKey,
      issueNs,
      pid: u32(read.values, vb, f.pid),
      bytes: u32(read.values, vb, f.bytes),
      dev: u32(read.values, vb, f.dev),
      op: BIOTOP_OPS[u32(read.values, vb, f.op)] ?? 'other',
      comm: escapeControl(cString(read.values, vb, f.comm)),
      disk: escapeControl(cString(read.values, vb, f.disk)),
      cgid: u64n(read.values, vb, f.cgid),
    });
  }
  return out;
}
