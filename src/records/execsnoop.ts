/**
 * execsnoop records (bpf/execsnoop.h): an exec (struct execsnoop_event, sent as far as its arguments reach) and the
 * exit of a process whose exec was seen (struct execsnoop_exit, the events' common head).
 */
import { escapeControl } from '../format.js';
import { cString, field, record, u32, u64n, type RecordLayout } from './layout.js';
import { execsnoop as names } from '../generated/bpf.js';

const HEAD = {
  ts_ns: 'u64',
  cgid: 'u64',
  duration_ns: 'u64',
  kind: 'u32',
  pid: 'u32',
  ppid: 'u32',
  uid: 'u32',
  retval: 'u32',
  flags: 'u32',
  comm: { cstr: 16 },
  pcomm: { cstr: 16 },
} as const;

export const EXECSNOOP_RECORDS = {
  exec: record('execsnoop_event', {
    ...HEAD,
    argc: 'u32',
    args_len: 'u32',
    filename_ptr: 'u64',
    argv_ptr: 'u64',
    filename: { cstr: 256 },
    args: { bytes: 1024 + 256 },
  }),
  exit: record('execsnoop_exit', HEAD),
  stat: record('execsnoop_stats_val', { count: 'u64' }),
};

export const EXEC_KIND = names.enums.execsnoop_kind;
export const EXEC_FLAGS = names.enums.execsnoop_flags;

interface Head {
  /** monotonic ns (bpf_ktime_get_ns) */
  tsNs: number;
  cgid: number;
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  pcomm: string;
}

export interface ExecRecord extends Head {
  kind: 'exec';
  /** 0, or -errno */
  retval: number;
  /** the system call's time (ns); 0 where the tier sees only the exec's success */
  callNs: number;
  filename: string;
  /** escaped; at most what the kernel side kept */
  argv: string[];
  truncated: boolean;
  /** the tier sees successes only: retval is 0 by construction */
  noResult: boolean;
  /** a failed exec whose file name or argv the caller's memory did not give (not mapped in yet) */
  unread: boolean;
}

export interface ExitRecord extends Head {
  kind: 'exit';
  /** as wait(2) gives it: the exit status << 8, or the signal number (| 0x80 with a core dump) */
  status: number;
  /** since its exec (ns) */
  lifeNs: number;
}

const s32 = (buf: Buffer, base: number, f: { offset: number }): number => buf.readInt32LE(base + f.offset);

/** One ring record, by its kind; null for a record too short for its kind (damage: dropped). */
export function decodeExecsnoop(buf: Buffer, layouts: { exec: RecordLayout; exit: RecordLayout }): ExecRecord | ExitRecord | null {
  const { exec, exit } = layouts;
  if (buf.length < exit.size) return null;
  const kind = u32(buf, 0, field(exit, 'kind'));
  const head: Head = {
    tsNs: u64n(buf, 0, field(exit, 'ts_ns')),
    cgid: u64n(buf, 0, field(exit, 'cgid')),
    pid: u32(buf, 0, field(exit, 'pid')),
    ppid: u32(buf, 0, field(exit, 'ppid')),
    uid: u32(buf, 0, field(exit, 'uid')),
    comm: escapeControl(cString(buf, 0, field(exit, 'comm'))),
    pcomm: escapeControl(cString(buf, 0, field(exit, 'pcomm'))),
  };
  if (kind === EXEC_KIND.EXIT) {
    return { ...head, kind: 'exit', status: u32(buf, 0, field(exit, 'retval')), lifeNs: u64n(buf, 0, field(exit, 'duration_ns')) };
  }
  const argsField = field(exec, 'args');
  if (kind !== EXEC_KIND.EXEC || buf.length < argsField.offset) return null;
  const flags = u32(buf, 0, field(exec, 'flags'));
  const len = Math.min(u32(buf, 0, field(exec, 'args_len')), buf.length - argsField.offset, argsField.size);
  const area = buf.subarray(argsField.offset, argsField.offset + len);
  // NUL-separated; the last argument may lack its NUL where the kernel side cut it.
  const argv = area.length ? area.toString('utf8').replace(/\0$/, '').split('\0').map(escapeControl) : [];
  return {
    ...head,
    kind: 'exec',
    retval: s32(buf, 0, field(exec, 'retval')),
    callNs: u64n(buf, 0, field(exec, 'duration_ns')),
    filename: escapeControl(cString(buf, 0, field(exec, 'filename'))),
    argv,
    truncated: (flags & EXEC_FLAGS.TRUNCATED) !== 0,
    noResult: (flags & EXEC_FLAGS.NO_RESULT) !== 0,
    unread: (flags & EXEC_FLAGS.UNREAD) !== 0,
  };
}
