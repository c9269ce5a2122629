/** fsslower records (bpf/fsslower.h): a slow file system operation, and the latency histograms' slots. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { checkSize, cString, field, record, u32, u64n, type FieldLayout, type RecordLayout } from './layout.js';
import { fsslower as names } from '../generated/bpf.js';

export const FSSLOWER_RECORDS = {
  event: record('fsslower_event', {
    ts_ns: 'u64',
    lat_ns: 'u64',
    offset: 'u64',
    ino: 'u64',
    cgid: 'u64',
    ret: 'u64',
    pid: 'u32',
    tid: 'u32',
    op: 'u32',
    fs: 'u32',
    dev: 'u32',
    pad: 'u32',
    comm: { cstr: 16 },
    name: { cstr: 64 },
    dir: { cstr: 32 },
  }),
  slot: record('fsslower_slot', { count: 'u64', sum_ns: 'u64' }),
  config: record('fsslower_config', { min_ns: 'u64' }),
  stat: record('fsslower_stats_val', { count: 'u64' }),
};
export type FsslowerLayouts = Record<keyof typeof FSSLOWER_RECORDS, RecordLayout>;

/** bpf/fsslower.h FSSLOWER_HIST_SLOTS */
export const FS_SLOTS = 40;
const FS = names.enums.fsslower_fs;
const OP = names.enums.fsslower_op;
export type FsName = 'ext4' | 'xfs' | 'btrfs';
export type FsOp = 'read' | 'write' | 'open' | 'fsync';
/** By the kernel's numbers (enum fsslower_fs, enum fsslower_op). */
const FS_BY_NUM: Readonly<Record<number, FsName>> = { [FS.EXT4]: 'ext4', [FS.XFS]: 'xfs', [FS.BTRFS]: 'btrfs' };
const OP_BY_NUM: Readonly<Record<number, FsOp>> = { [OP.READ]: 'read', [OP.WRITE]: 'write', [OP.OPEN]: 'open', [OP.FSYNC]: 'fsync' };
export const FS_NAMES: readonly FsName[] = ['ext4', 'xfs', 'btrfs'];
export const FS_OPS: readonly FsOp[] = ['read', 'write', 'open', 'fsync'];

export interface SlowRecord {
  tsNs: number;
  latNs: number;
  offset: number;
  ino: number;
  cgid: number;
  /** bytes, the fd opened, 0, or −errno */
  ret: number;
  pid: number;
  tid: number;
  op: FsOp;
  fs: FsName;
  major: number;
  minor: number;
  comm: string;
  /** the file's name and its directory's, escaped */
  name: string;
  dir: string;
}

/** The decoder of one layout, its fields found once. Null for a record too short, or of an fs or op it does not know. */
export function slowDecoder(layout: RecordLayout): (buf: Buffer) => SlowRecord | null {
  const at = (k: string): FieldLayout => field(layout, k);
  const f = {
    ts: at('ts_ns'),
    lat: at('lat_ns'),
    offset: at('offset'),
    ino: at('ino'),
    cgid: at('cgid'),
    ret: at('ret'),
    pid: at('pid'),
    tid: at('tid'),
    op: at('op'),
    fs: at('fs'),
    dev: at('dev'),
    comm: at('comm'),
    name: at('name'),
    dir: at('dir'),
  };
  return (buf) => {
    if (buf.length < layout.size) return null;
    const op = OP_BY_NUM[u32(buf, 0, f.op)];
    const fs = FS_BY_NUM[u32(buf, 0, f.fs)];
    if (!op || !fs) return null;
    const dev = u32(buf, 0, f.dev);
    return {
      tsNs: u64n(buf, 0, f.ts),
      latNs: u64n(buf, 0, f.lat),
      offset: u64n(buf, 0, f.offset),
      ino: u64n(buf, 0, f.ino),
      cgid: u64n(buf, 0, f.cgid),
      ret: Number(buf.readBigInt64LE(f.ret.offset)),
      pid: u32(buf, 0, f.pid),
      tid: u32(buf, 0, f.tid),
      op,
      fs,
      major: dev >>> 20,
      minor: dev & 0xfffff,
      comm: escapeControl(cString(buf, 0, f.comm)),
      name: escapeControl(cString(buf, 0, f.name)),
      dir: escapeControl(cString(buf, 0, f.dir)),
    };
  };
}

/** Cumulative counts and latency sums per (fs, op), each slot's (the per-CPU array read summed over CPUs). */
export interface FsHist {
  fs: FsName;
  op: FsOp;
  counts: number[];
  sums: number[];
}

export function decodeFsHist(read: MapRead, slot: RecordLayout): FsHist[] {
  checkSize(slot, read.values.length, read.count, 'fsslower_hist');
  const fc = field(slot, 'count');
  const fsum = field(slot, 'sum_ns');
  const out = new Map<string, FsHist>();
  for (let i = 0; i < read.count; i++) {
    const idx = read.keys.readUInt32LE(i * 4);
    // ((fs - 1) * FSSLOWER_OP_NR + op) * FSSLOWER_HIST_SLOTS + slot
    const s = idx % FS_SLOTS;
    const op = OP_BY_NUM[Math.floor(idx / FS_SLOTS) % OP.NR];
    const fs = FS_BY_NUM[Math.floor(idx / FS_SLOTS / OP.NR) + 1];
    if (!op || !fs) continue;
    const k = `${fs}/${op}`;
    let h = out.get(k);
    if (!h) {
      h = { fs, op, counts: new Array<number>(FS_SLOTS).fill(0), sums: new Array<number>(FS_SLOTS).fill(0) };
      out.set(k, h);
    }
    h.counts[s] = u64n(read.values, i * slot.size, fc);
    h.sums[s] = u64n(read.values, i * slot.size, fsum);
  }
  return [...out.values()];
}
