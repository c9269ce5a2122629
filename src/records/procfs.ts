/**
 * The /proc files behind the 60-second checklist (uptime, vmstat, iostat, free, sar -n DEV/TCP, pidstat, top) and
 * /dev/kmsg records (dmesg). Pure parsers of the files' text, tested on fixtures; units as the kernel gives them.
 */

/** /proc/uptime's first field, in seconds since boot (the clock /dev/kmsg's timestamps use). */
export function parseUptime(text: string): number {
  const v = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(v)) throw new Error('/proc/uptime: not a number');
  return v;
}

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** runnable entities now, and all of them (the kernel's "2/141") */
  running: number;
  total: number;
}

export function parseLoadavg(text: string): LoadAvg {
  const m = /^(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+)\/(\d+)/.exec(text.trim());
  if (!m) throw new Error('/proc/loadavg: not in the expected format');
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]), running: Number(m[4]), total: Number(m[5]) };
}

/** /proc/meminfo, in kB, by field name. */
export type MemInfo = ReadonlyMap<string, number>;

export function parseMeminfo(text: string): MemInfo {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^([\w()]+):\s+(\d+)(?: kB)?$/gm)) out.set(m[1]!, Number(m[2]));
  if (!out.has('MemTotal')) throw new Error('/proc/meminfo: no MemTotal');
  return out;
}

/** What `free` shows, in kB, computed as procps 4 does (used = total − available since procps 4.0.1; before, and
 * without MemAvailable, total − free − buff/cache). */
export interface Free {
  total: number;
  used: number;
  free: number;
  buffCache: number;
  available: number;
  swapTotal: number;
  swapUsed: number;
}

export function freeOf(m: MemInfo): Free {
  const g = (k: string): number => m.get(k) ?? 0;
  const total = g('MemTotal');
  const buffCache = g('Buffers') + g('Cached') + g('SReclaimable');
  const available = m.has('MemAvailable') ? g('MemAvailable') : g('MemFree') + buffCache;
  const used = Math.max(0, m.has('MemAvailable') ? total - available : total - g('MemFree') - buffCache);
  return {
    total,
    used,
    free: g('MemFree'),
    buffCache,
    available: Math.min(available, total),
    swapTotal: g('SwapTotal'),
    swapUsed: Math.max(0, g('SwapTotal') - g('SwapFree')),
  };
}

/** /proc/vmstat counters, by name. */
export type VmStat = ReadonlyMap<string, number>;

export function parseVmstat(text: string): VmStat {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+) (\d+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** One line of /proc/diskstats (cumulative since boot). */
export interface DiskStat {
  major: number;
  minor: number;
  name: string;
  reads: number;
  readSectors: number;
  readMs: number;
  writes: number;
  writeSectors: number;
  writeMs: number;
  inFlight: number;
  /** ms the device had I/O in flight (%util) */
  ioMs: number;
  /** weighted ms (aqu-sz) */
  weightedMs: number;
  discards: number;
  discardMs: number;
  flushes: number;
  flushMs: number;
}

export function parseDiskstats(text: string): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length < 14) continue;
    const n = p.map(Number);
    out.push({
      major: n[0]!,
      minor: n[1]!,
      name: p[2]!,
      reads: n[3]!,
      readSectors: n[5]!,
      readMs: n[6]!,
      writes: n[7]!,
      writeSectors: n[9]!,
      writeMs: n[10]!,
      inFlight: n[11]!,
      ioMs: n[12]!,
      weightedMs: n[13]!,
      discards: n[14] ?? 0,
      discardMs: n[17] ?? 0,
      flushes: n[18] ?? 0,
      flushMs: n[19] ?? 0,
    });
  }
  return out;
}

export interface NetDev {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
}

export function parseNetDev(text: string): NetDev[] {
  const out: NetDev[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16 || !f.every(Number.isFinite)) continue;
    out.push({ name: m[1]!, rxBytes: f[0]!, rxPackets: f[1]!, rxErrs: f[2]!, rxDrop: f[3]!, txBytes: f[8]!, txPackets: f[9]!, txErrs: f[10]!, txDrop: f[11]! });
  }
  return out;
}

/** The Tcp: lines of /proc/net/snmp, by field name (sar -n TCP,ETCP reads the same). */
export type TcpSnmp = ReadonlyMap<string, number>;

export function parseSnmpTcp(text: string): TcpSnmp {
  const lines = text.split('\n').filter((l) => l.startsWith('Tcp:'));
  if (lines.length < 2) throw new Error('/proc/net/snmp: no Tcp lines');
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return new Map(names.map((n, i) => [n, values[i] ?? 0]));
}

/** One process from /proc/PID/stat. */
export interface ProcTask {
  pid: number;
  /** escaped later: the kernel's comm, as it is */
  comm: string;
  state: string;
  /** utime + stime, in clock ticks */
  ticks: number;
  /** 1 + the other threads */
  threads: number;
  /** resident pages */
  rss: number;
}

/** /proc/PID/stat: the comm is in parentheses and may itself hold spaces and parentheses, so fields count from the last ")". */
export function parsePidStat(text: string): ProcTask | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ") " come field 3 (state) and the rest, one space apart: utime is field 14, stime 15, num_threads 20. Only
  // those and rss (field 24) are cut out (every process, every interval: splitting all 50 fields made 50 strings each).
  const starts: number[] = [];
  for (let i = close + 2, k = 0; k <= 22 && i > 0; k++) {
    starts.push(i);
    i = text.indexOf(' ', i) + 1;
  }
  const field = (k: number): string | undefined =>
    starts[k] === undefined ? undefined : text.slice(starts[k], starts[k + 1] === undefined ? undefined : starts[k + 1]! - 1);
  const utime = Number(field(11) ?? NaN);
  const stime = Number(field(12) ?? NaN);
  if (!Number.isInteger(pid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { pid, comm: text.slice(open + 1, close), state: field(0) ?? '?', ticks: utime + stime, threads: Number(field(17)) || 1, rss: Number(field(21)) || 0 };
}

/** A /dev/kmsg record: "prio,seq,usec,flags;message", then continuation lines (" KEY=value") that are left out. */
export interface KmsgRecord {
  /** syslog priority 0 (emerg) … 7 (debug) */
  level: number;
  seq: number;
  /** µs since boot */
  usec: number;
  message: string;
}

/** Reads the ring buffer: each call returns the records that arrived since the last (the first, all it holds). */
export interface KmsgReader {
  /** throws, saying why, when the buffer cannot be read */
  read(): KmsgRecord[];
  close(): void;
}

export function parseKmsgRecord(text: string): KmsgRecord | null {
  const semi = text.indexOf(';');
  if (semi < 0) return null;
  const [prio, seq, usec] = text.slice(0, semi).split(',').map(Number);
  if (!Number.isFinite(prio) || !Number.isFinite(seq) || !Number.isFinite(usec)) return null;
  const message = text.slice(semi + 1).split('\n')[0]!;
  return { level: prio! & 7, seq: seq!, usec: usec!, message };
}

/**
 * What makes a kernel message part of an error the checklist calls out, by kind. One error is usually several lines
 * (an OOM kill is a report of dozens: "invoked oom-killer", a call trace, memory figures, "Out of memory: Killed
 * process"; a failing disk writes a few per request): `start` marks the line that begins a report of its kind
 * (without one, a line of the kind more than EVENT_GAP_US after the last begins one). "Call Trace:" belongs to the report
 * it is in (an OOM kill, a hung task, a warning) and is never an error by itself; "kernel bug" is BUG, Oops, WARNING
 * and panic only.
 */
export const KMSG_ERRORS: readonly { kind: string; re: RegExp; start?: RegExp }[] = [
  { kind: 'OOM kill', re: /Out of memory|oom-kill|Killed process \d+|invoked oom-killer|oom_reaper/i, start: /invoked oom-killer/i },
  { kind: 'I/O error', re: /I\/O error|blk_update_request|Buffer I\/O error|critical medium error|EXT4-fs error|XFS.*(error|corruption)/i },
  { kind: 'segfault', re: /segfault at|general protection fault|traps:.*trap/i, start: /./ },
  { kind: 'hung task', re: /blocked for more than \d+ seconds|hung_task|soft lockup|hard LOCKUP|rcu_sched self-detected stall|rcu: INFO/i },
  { kind: 'TCP drop', re: /TCP: .*(drop|Possible SYN flooding|out of memory)|nf_conntrack: table full|net_ratelimit/i },
  { kind: 'kernel bug', re: /\bBUG:|\bOops\b|WARNING: CPU:|kernel panic/i, start: /./ },
];

/** Lines of one report come within this of each other (an OOM report's dozens of lines take a few ms). */
const EVENT_GAP_US = 2_000_000;

/** One error: the kind, the lines that make it, and the line that says most (for an OOM kill, the process killed). */
export interface KmsgEvent {
  kind: string;
  first: KmsgRecord;
  telling: KmsgRecord;
  /** µs since boot of its last line */
  lastUsec: number;
  lines: number;
}

/** The errors in `records` (in ring-buffer order), one per report: the lines of a report are one event. */
export function kmsgEvents(records: readonly KmsgRecord[]): KmsgEvent[] {
  const events: KmsgEvent[] = [];
  const open = new Map<string, KmsgEvent>(); // the latest event of each kind
  for (const r of records) {
    const rule = KMSG_ERRORS.find((e) => e.re.test(r.message));
    if (!rule) continue;
    const cur = open.get(rule.kind);
    const joins = cur !== undefined && r.usec - cur.lastUsec <= EVENT_GAP_US && !(rule.start?.test(r.message) ?? false);
    if (joins) {
      cur.lines++;
      cur.lastUsec = r.usec;
      if (rule.kind === 'OOM kill' && /Killed process \d+/i.test(r.message)) cur.telling = r;
      else if (rule.kind !== 'OOM kill') cur.telling = r;
      continue;
    }
    const ev: KmsgEvent = { kind: rule.kind, first: r, telling: r, lastUsec: r.usec, lines: 1 };
    events.push(ev);
    open.set(rule.kind, ev);
  }
  return events;
}
