/**
 * One process (or thread) as /proc describes it: /proc/PID/stat, the few lines of /proc/PID/status that stat lacks,
 * /proc/PID/io and /proc/PID/cmdline. Pure parsers, tested on fixture files; the reader that walks /proc is the panel's.
 */

/** /proc/PID/stat, the fields the process panel reads. Times in clock ticks, memory in pages, as the kernel gives them. */
export interface PidStat {
  pid: number;
  /** the kernel's comm, as it is (escaped later) */
  comm: string;
  state: string;
  ppid: number;
  /** PF_* flags (PF_KTHREAD: a kernel thread) */
  flags: number;
  minflt: number;
  majflt: number;
  utime: number;
  stime: number;
  priority: number;
  nice: number;
  threads: number;
  /** clock ticks after boot */
  starttime: number;
  vsize: number;
  /** resident pages */
  rss: number;
  /** the CPU it last ran on */
  processor: number;
}

/** PF_KTHREAD (include/linux/sched.h): the task is a kernel thread. */
export const PF_KTHREAD = 0x00200000;

/** Space-separated fields after the comm's closing parenthesis; field 3 (state) is index 0. */
const LAST_FIELD = 36; // processor (field 39)

/**
 * /proc/PID/stat: the comm is in parentheses and may hold spaces and parentheses itself, so fields count from the last
 * ")". Null for text that is not a stat line (a process that was being torn down, a truncated read).
 */
export function parsePidStatFull(text: string): PidStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open));
  const nums: number[] = [];
  let state = '?';
  let i = close + 2;
  for (let k = 0; k <= LAST_FIELD && i > 0 && i < text.length; k++) {
    const end = text.indexOf(' ', i);
    const stop = end < 0 ? text.length : end;
    if (k === 0) state = text.slice(i, stop);
    else nums.push(Number(text.slice(i, stop)));
    i = end + 1;
  }
  // nums[k - 1] is field k + 3.
  const at = (k: number): number => nums[k - 1] ?? NaN;
  const utime = at(11);
  const stime = at(12);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(at(21))) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid: at(1),
    flags: at(6),
    minflt: at(7),
    majflt: at(9),
    utime,
    stime,
    priority: at(15),
    nice: at(16),
    threads: at(17) || 1,
    starttime: at(19),
    vsize: at(20),
    rss: at(21),
    processor: Number.isFinite(at(36)) ? at(36) : -1,
  };
}

/** What /proc/PID/status adds: the effective uid, and the context switches (voluntary: it blocked; not: it was preempted). */
export interface PidStatus {
  uid: number;
  vcsw: number;
  nvcsw: number;
}

/** The value after `name:\t` on its line, or '' (a kernel thread has no Uid line of note, but every field is there). */
function statusField(text: string, name: string): string {
  const at = text.indexOf(`\n${name}:`);
  if (at < 0) return '';
  const start = at + name.length + 2;
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? undefined : end).trim();
}

export function parsePidStatus(text: string): PidStatus | null {
  const uids = statusField(text, 'Uid').split(/\s+/);
  const uid = Number(uids[1] ?? NaN);
  const vcsw = Number(statusField(text, 'voluntary_ctxt_switches') || NaN);
  const nvcsw = Number(statusField(text, 'nonvoluntary_ctxt_switches') || NaN);
  if (!Number.isInteger(uid)) return null;
  return { uid, vcsw: Number.isFinite(vcsw) ? vcsw : 0, nvcsw: Number.isFinite(nvcsw) ? nvcsw : 0 };
}

/** /proc/PID/io: bytes the process made the storage layer read and write (pidstat -d's kB_rd/s and kB_wr/s). */
export interface PidIo {
  readBytes: number;
  writeBytes: number;
  /** written, then truncated or deleted before it reached the disk */
  cancelledWriteBytes: number;
}

export function parsePidIo(text: string): PidIo | null {
  const get = (name: string): number => {
    const at = text.indexOf(`${name}: `);
    if (at < 0 || (at > 0 && text[at - 1] !== '\n')) return NaN;
    const end = text.indexOf('\n', at);
    return Number(text.slice(at + name.length + 2, end < 0 ? undefined : end));
  };
  const readBytes = get('read_bytes');
  const writeBytes = get('write_bytes');
  if (!Number.isFinite(readBytes) || !Number.isFinite(writeBytes)) return null;
  const cancelled = get('cancelled_write_bytes');
  return { readBytes, writeBytes, cancelledWriteBytes: Number.isFinite(cancelled) ? cancelled : 0 };
}

/** /proc/PID/cmdline: the arguments, NUL-separated, joined with spaces (escape before showing). '' for a kernel thread. */
export function parseCmdline(text: string): string {
  let s = text;
  while (s.endsWith('\0')) s = s.slice(0, -1);
  return s.split('\0').join(' ');
}

/** /etc/passwd: user names by uid (the first name for a uid wins, as getpwuid does). */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !f[0]) continue;
    const uid = Number(f[2]);
    if (Number.isInteger(uid) && !out.has(uid)) out.set(uid, f[0]);
  }
  return out;
}
