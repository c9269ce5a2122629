/** opensnoop records (bpf/opensnoop.h): one open, sent as far as its path reaches. */
import { constants } from 'node:fs';
import { escapeControl } from '../format.js';
import { cString, field, record, u32, u64n, type FieldLayout, type RecordLayout } from './layout.js';
import { opensnoop as names } from '../generated/bpf.js';

export const OPENSNOOP_PATH_LEN = 512;

export const OPENSNOOP_RECORDS = {
  event: record('opensnoop_event', {
    ts_ns: 'u64',
    cgid: 'u64',
    call_ns: 'u64',
    flags: 'u64',
    pid: 'u32',
    tid: 'u32',
    uid: 'u32',
    ret: 'u32',
    dfd: 'u32',
    call: 'u32',
    mode: 'u32',
    path_len: 'u32',
    comm: { cstr: 16 },
    path: { bytes: OPENSNOOP_PATH_LEN },
  }),
  stat: record('opensnoop_stats_val', { count: 'u64' }),
};

const CALLS: Record<number, string> = Object.fromEntries(Object.entries(names.enums.opensnoop_call).map(([k, v]) => [v, k.toLowerCase()]));

export interface OpenRecord {
  tsNs: number;
  cgid: number;
  callNs: number;
  flags: number;
  pid: number;
  tid: number;
  uid: number;
  /** the fd, or -errno */
  ret: number;
  /** the directory a relative path is taken from: -100 (AT_FDCWD) or an fd */
  dfd: number;
  call: string;
  mode: number;
  comm: string;
  /** as the caller gave it, escaped */
  path: string;
  /** the path filled its buffer: it was cut */
  cut: boolean;
}

const s32 = (buf: Buffer, base: number, f: { offset: number }): number => buf.readInt32LE(base + f.offset);

/** One ring record; null for one too short to hold its head (damage: dropped). */
export function decodeOpensnoop(buf: Buffer, layout: RecordLayout): OpenRecord | null {
  return opensnoopDecoder(layout)(buf);
}

/** The decoder of one layout, its fields found once (a panel decodes tens of thousands of records a second). */
export function opensnoopDecoder(layout: RecordLayout): (buf: Buffer) => OpenRecord | null {
  const at = (k: string): FieldLayout => field(layout, k);
  const f = {
    ts_ns: at('ts_ns'),
    cgid: at('cgid'),
    call_ns: at('call_ns'),
    flags: at('flags'),
    pid: at('pid'),
    tid: at('tid'),
    uid: at('uid'),
    ret: at('ret'),
    dfd: at('dfd'),
    call: at('call'),
    mode: at('mode'),
    path_len: at('path_len'),
    comm: at('comm'),
  };
  const pathField = at('path');
  return (buf) => {
    if (buf.length < pathField.offset) return null;
    const len = Math.min(u32(buf, 0, f.path_len), buf.length - pathField.offset, pathField.size);
    const raw = buf.subarray(pathField.offset, pathField.offset + len);
    const end = raw.indexOf(0);
    return {
      tsNs: u64n(buf, 0, f.ts_ns),
      cgid: u64n(buf, 0, f.cgid),
      callNs: u64n(buf, 0, f.call_ns),
      flags: u64n(buf, 0, f.flags),
      pid: u32(buf, 0, f.pid),
      tid: u32(buf, 0, f.tid),
      uid: u32(buf, 0, f.uid),
      ret: s32(buf, 0, f.ret),
      dfd: s32(buf, 0, f.dfd),
      call: CALLS[u32(buf, 0, f.call)] ?? 'open',
      mode: u32(buf, 0, f.mode),
      comm: escapeControl(cString(buf, 0, f.comm)),
      path: escapeControl(raw.subarray(0, end < 0 ? raw.length : end).toString('utf8')),
      cut: end < 0 && len >= pathField.size,
    };
  };
}

const FLAGS_TEXT = new Map<number, string>();

/** open(2) flags as their names (O_WRONLY|O_CREAT|O_CLOEXEC), the access mode first; bits without a name in octal. */
export function openFlagsText(flags: number): string {
  let t = FLAGS_TEXT.get(flags);
  if (t === undefined) {
    t = flagsText(flags);
    // A program passes a handful of distinct flag sets; a crafted stream of them stops being remembered past this.
    if (FLAGS_TEXT.size < 4096) FLAGS_TEXT.set(flags, t);
  }
  return t;
}

function flagsText(flags: number): string {
  const acc = flags & 3;
  const out = [acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : acc === 2 ? 'O_RDWR' : 'O_ACCMODE'];
  let rest = flags & ~3;
  const named: [string, number][] = (
    [
      ['O_CREAT', constants.O_CREAT],
      ['O_EXCL', constants.O_EXCL],
      ['O_NOCTTY', constants.O_NOCTTY],
      ['O_TRUNC', constants.O_TRUNC],
      ['O_APPEND', constants.O_APPEND],
      ['O_NONBLOCK', constants.O_NONBLOCK],
      ['O_SYNC', constants.O_SYNC],
      ['O_DSYNC', constants.O_DSYNC],
      ['O_DIRECT', constants.O_DIRECT],
      ['O_DIRECTORY', constants.O_DIRECTORY],
      ['O_NOFOLLOW', constants.O_NOFOLLOW],
      ['O_NOATIME', constants.O_NOATIME],
      ['O_CLOEXEC', 0o2000000],
      ['O_PATH', 0o10000000],
      ['O_LARGEFILE', 0o100000],
    ] as [string, number | undefined][]
  ).filter((x): x is [string, number] => typeof x[1] === 'number' && x[1] > 0);
  for (const [name, bit] of named) {
    // O_SYNC includes O_DSYNC's bit: a flag counts when all its bits are set, and takes them.
    if ((rest & bit) === bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push(`0${rest.toString(8)}`);
  return out.join('|');
}
