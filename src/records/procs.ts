/** procs records: struct procs_wait, procs_exit_key, procs_exit and procs_stats_val (bpf/procs.h). Names are escaped. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { checkSize, cString, field, record, u32, u64n, type RecordLayout } from './layout.js';

/** Waits by log2 of their length in µs: slot 0 under 1 µs, slot n from 2^(n-1) µs to 2^n µs; the last, longer. */
export const PROCS_SLOTS = 28;

export const PROCS_RECORDS = {
  wait: record('procs_wait', {
    enq_ns: 'u64',
    wait_ns: 'u64',
    waits: 'u64',
    tgid: 'u32',
    exited: 'u32',
    hist: { bytes: PROCS_SLOTS * 4 },
  }),
  exitKey: record('procs_exit_key', { pid: 'u32', pad: 'u32', start_ns: 'u64' }),
  exit: record('procs_exit', {
    end_ns: 'u64',
    cpu_ns: 'u64',
    utime_ns: 'u64',
    stime_ns: 'u64',
    maxrss_pages: 'u64',
    minflt: 'u64',
    majflt: 'u64',
    ppid: 'u32',
    uid: 'u32',
    exit_code: 'u32',
    pad: 'u32',
    comm: { cstr: 16 },
  }),
  stat: record('procs_stats_val', { count: 'u64' }),
};
export type ProcsLayouts = Record<keyof typeof PROCS_RECORDS, RecordLayout>;

/** One thread's run-queue waits, cumulative since its first wake-up seen. */
export interface WaitRecord {
  tid: number;
  /** 0: not known yet (the classic tier learns it when the thread first leaves a CPU) */
  tgid: number;
  waitNs: number;
  waits: number;
  exited: boolean;
  /** waits by slot (PROCS_SLOTS) */
  hist: Uint32Array;
}

export function decodeWaits(read: MapRead, L: ProcsLayouts): WaitRecord[] {
  checkSize(L.wait, read.values.length, read.count, 'procs_waits values');
  const f = {
    wait: field(L.wait, 'wait_ns'),
    waits: field(L.wait, 'waits'),
    tgid: field(L.wait, 'tgid'),
    exited: field(L.wait, 'exited'),
    hist: field(L.wait, 'hist'),
  };
  const out: WaitRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const vb = i * L.wait.size;
    const hist = new Uint32Array(PROCS_SLOTS);
    for (let s = 0; s < PROCS_SLOTS; s++) hist[s] = read.values.readUInt32LE(vb + f.hist.offset + s * 4);
    out.push({
      tid: read.keys.readUInt32LE(i * read.keySize),
      tgid: u32(read.values, vb, f.tgid),
      waitNs: u64n(read.values, vb, f.wait),
      waits: u64n(read.values, vb, f.waits),
      exited: u32(read.values, vb, f.exited) !== 0,
      hist,
    });
  }
  return out;
}

/** A process that ended, as its last thread left it. */
export interface ExitRecord {
  pid: number;
  ppid: number;
  uid: number;
  /** escaped */
  comm: string;
  /** monotonic ns */
  startNs: number;
  endNs: number;
  /** on-CPU time of all its threads, exact */
  cpuNs: number;
  /** the kernel's user and system time: their ratio splits cpuNs */
  utimeNs: number;
  stimeNs: number;
  maxRssPages: number;
  minflt: number;
  majflt: number;
  /** as wait(2) gives it */
  exitCode: number;
}

export function decodeExits(read: MapRead, L: ProcsLayouts): ExitRecord[] {
  checkSize(L.exitKey, read.keys.length, read.count, 'procs_exits keys');
  checkSize(L.exit, read.values.length, read.count, 'procs_exits values');
  const k = { pid: field(L.exitKey, 'pid'), start: field(L.exitKey, 'start_ns') };
  const v = {
    end: field(L.exit, 'end_ns'),
    cpu: field(L.exit, 'cpu_ns'),
    ut: field(L.exit, 'utime_ns'),
    st: field(L.exit, 'stime_ns'),
    rss: field(L.exit, 'maxrss_pages'),
    minflt: field(L.exit, 'minflt'),
    majflt: field(L.exit, 'majflt'),
    ppid: field(L.exit, 'ppid'),
    uid: field(L.exit, 'uid'),
    code: field(L.exit, 'exit_code'),
    comm: field(L.exit, 'comm'),
  };
  const out: ExitRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const kb = i * L.exitKey.size;
    const vb = i * L.exit.size;
    out.push({
      pid: u32(read.keys, kb, k.pid),
      startNs: u64n(read.keys, kb, k.start),
      endNs: u64n(read.values, vb, v.end),
      cpuNs: u64n(read.values, vb, v.cpu),
      utimeNs: u64n(read.values, vb, v.ut),
      stimeNs: u64n(read.values, vb, v.st),
      maxRssPages: u64n(read.values, vb, v.rss),
      minflt: u64n(read.values, vb, v.minflt),
      majflt: u64n(read.values, vb, v.majflt),
      ppid: u32(read.values, vb, v.ppid),
      uid: u32(read.values, vb, v.uid),
      exitCode: u32(read.values, vb, v.code) | 0,
      comm: escapeControl(cString(read.values, vb, v.comm)),
    });
  }
  return out;
}

/** wait(2)'s status in words: "exit 0", "exit 3", "SIGKILL", "SIGSEGV (core)". */
export function exitStatusText(code: number): string {
  const sig = code & 0x7f;
  if (sig === 0) return `exit ${(code >> 8) & 0xff}`;
  return `${SIGNALS[sig] ?? `signal ${sig}`}${code & 0x80 ? ' (core)' : ''}`;
}

/** Linux signal names on x86 and arm64 (the numbers differ only on alpha, mips, parisc and sparc). */
export const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  16: 'SIGSTKFLT',
  17: 'SIGCHLD',
  18: 'SIGCONT',
  19: 'SIGSTOP',
  20: 'SIGTSTP',
  21: 'SIGTTIN',
  22: 'SIGTTOU',
  23: 'SIGURG',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  26: 'SIGVTALRM',
  27: 'SIGPROF',
  28: 'SIGWINCH',
  29: 'SIGIO',
  30: 'SIGPWR',
  31: 'SIGSYS',
};
