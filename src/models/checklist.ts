/**
 * The Linux 60-second checklist (uptime, dmesg | tail, vmstat 1, mpstat -P ALL 1, pidstat 1, iostat -xz 1, free -m,
 * sar -n DEV 1, sar -n TCP,ETCP 1, top), computed as those tools compute it from the same /proc files, over the measured
 * interval. Pure: (sample, previous, elapsed) → one row per step, each with a headline, a number to trend, a verdict by
 * the USE method (utilisation, saturation, errors) and the BPF panels that explain it.
 */
import type { ProcStat } from '../records/procstat.js';
import type { CgroupPressure } from '../records/cgroupfs.js';
import { mostPressure, pressureShare } from './cgroup.js';
import { commonCpuTimes } from './mpstat.js';
import {
  freeOf,
  kmsgEvents,
  type DiskStat,
  type KmsgRecord,
  type LoadAvg,
  type MemInfo,
  type NetDev,
  type ProcTask,
  type TcpSnmp,
  type VmStat,
} from '../records/procfs.js';

export type Verdict = 'ok' | 'look' | 'bad' | '-';

/** What the kernel ring buffer held, as the reader last saw it. */
export interface KmsgState {
  /** false when /dev/kmsg cannot be read (dmesg_restrict without CAP_SYSLOG): `reason` says why */
  readable: boolean;
  reason: string | null;
  /** the last records, oldest first */
  recent: readonly KmsgRecord[];
  /** records read since start, cumulative */
  seen: number;
}

export interface ChecklistSample {
  nowNs: number;
  /** seconds since boot (kmsg's clock) */
  uptimeS: number;
  ncpu: number;
  /** USER_HZ: /proc/stat and /proc/PID/stat count in these ticks */
  hz: number;
  /** the page size, for swap pages → kB */
  pageKb: number;
  stat: ProcStat;
  load: LoadAvg;
  mem: MemInfo;
  vm: VmStat;
  /** whole disks (those /sys/block lists), not partitions */
  disks: readonly DiskStat[];
  net: readonly NetDev[];
  tcp: TcpSnmp;
  tasks: readonly ProcTask[];
  kmsg: KmsgState;
  /** the host's pressure stall information (/proc/pressure); null or absent without PSI (psiReason says why) */
  psi?: CgroupPressure | null;
  psiReason?: string | null;
  /** each cgroup2 cgroup's pressure, by path, with its workload: the cgroup a step under pressure names */
  cgroupPsi?: ReadonlyMap<string, CgroupPressure & { workload: string }>;
}

/** The ten steps, by name. */
export const STEP_IDS = ['uptime', 'dmesg', 'vmstat', 'mpstat', 'pidstat', 'iostat', 'free', 'sar-dev', 'sar-tcp', 'top'] as const;
export type StepId = (typeof STEP_IDS)[number];

export interface ChecklistRow {
  /** the step's name: uptime, dmesg, vmstat, … */
  id: StepId;
  step: number;
  /** the command it stands for */
  check: string;
  /** the headline, as a line of text */
  reading: string;
  /** the number its sparkline follows */
  value: number | null;
  verdict: Verdict;
  /** why the verdict (the threshold crossed), or '' */
  why: string;
  /** the BPF panels that explain it, by id, comma-separated (Enter drills into the first); set by the home panel */
  explains: string;
  /** the raw figures of the step, for JSON and the detail view */
  fields: Readonly<Record<string, number | string | null>>;
}

/** The thresholds behind the verdicts, for the help: [look from, bad from]. */
export const THRESHOLDS = {
  loadPerCpu: [1, 2],
  runQueuePerCpu: [1, 2],
  swapKbPerS: [1, 1024],
  iowaitPct: [20, 50],
  cpuBusyPct: [90, 95],
  softPct: [20, 50],
  taskCpuPct: [90, Infinity],
  diskUtilPct: [60, 90],
  memAvailPct: [10, 5],
  retransPct: [1, 5],
  /** pressure stall (PSI): share of the interval some task stalled, and all of them at once */
  psiSomePct: [10, 40],
  psiFullPct: [1, 10],
} as const;

const PSI_HELP = `pressure (PSI, share of the interval stalled): some look ≥ ${THRESHOLDS.psiSomePct[0]} %, bad ≥ ${THRESHOLDS.psiSomePct[1]}; full look ≥ ${THRESHOLDS.psiFullPct[0]} %, bad ≥ ${THRESHOLDS.psiFullPct[1]}; a step under pressure names the cgroup under the most (Enter opens it)`;

/** The help text for each step's verdict, written from THRESHOLDS. */
export const VERDICT_HELP: Readonly<Record<string, string>> = {
  uptime: `load1 per CPU: look ≥ ${THRESHOLDS.loadPerCpu[0]}, bad ≥ ${THRESHOLDS.loadPerCpu[1]} (saturation: tasks waiting for a CPU or in D state); the arrow compares load1 with load15; CPU ${PSI_HELP}`,
  dmesg:
    'bad: an error (OOM kill, I/O error, segfault, hung task, TCP drop, kernel BUG) in the last 10 minutes; look: a message at err level or worse in that time',
  vmstat: `r per CPU look ≥ ${THRESHOLDS.runQueuePerCpu[0]}, bad ≥ ${THRESHOLDS.runQueuePerCpu[1]}; swap in+out look ≥ ${THRESHOLDS.swapKbPerS[0]} kB/s, bad ≥ ${THRESHOLDS.swapKbPerS[1]}; wa look ≥ ${THRESHOLDS.iowaitPct[0]} %, bad ≥ ${THRESHOLDS.iowaitPct[1]}; CPU and memory ${PSI_HELP}`,
  mpstat: `a CPU busy look ≥ ${THRESHOLDS.cpuBusyPct[0]} % (one hot CPU: imbalance), all CPUs bad ≥ ${THRESHOLDS.cpuBusyPct[1]} %; %soft on a CPU look ≥ ${THRESHOLDS.softPct[0]}, bad ≥ ${THRESHOLDS.softPct[1]}`,
  pidstat: `a process using look ≥ ${THRESHOLDS.taskCpuPct[0]} % of a CPU (it may be CPU-bound: is it one thread?)`,
  iostat: `%util look ≥ ${THRESHOLDS.diskUtilPct[0]}, bad ≥ ${THRESHOLDS.diskUtilPct[1]} (utilisation; aqu-sz > 1 with it is saturation); I/O ${PSI_HELP}`,
  free: `available look < ${THRESHOLDS.memAvailPct[0]} % of memory, bad < ${THRESHOLDS.memAvailPct[1]} %; swapping shows in vmstat's si/so; memory ${PSI_HELP}`,
  'sar-dev': 'look: receive or transmit errors or drops in the interval',
  'sar-tcp': `retransmits look ≥ ${THRESHOLDS.retransPct[0]} % of segments sent, bad ≥ ${THRESHOLDS.retransPct[1]} %; look: receive errors`,
  top: 'look: zombie tasks (a parent not reaping them)',
};

const grade = (v: number | null, [look, bad]: readonly [number, number]): Verdict => (v === null ? '-' : v >= bad ? 'bad' : v >= look ? 'look' : 'ok');
/** For figures where lower is worse (available memory). */
const gradeLow = (v: number | null, [look, bad]: readonly [number, number]): Verdict => (v === null ? '-' : v < bad ? 'bad' : v < look ? 'look' : 'ok');
const RANK: Record<Verdict, number> = { '-': 0, ok: 1, look: 2, bad: 3 };
/** The worst of several verdicts, with the reason of the worst. */
function worst(parts: readonly [Verdict, string][]): { verdict: Verdict; why: string } {
  let out: [Verdict, string] = ['-', ''];
  for (const p of parts) if (RANK[p[0]] > RANK[out[0]]) out = p;
  return { verdict: out[0], why: out[0] === 'look' || out[0] === 'bad' ? out[1] : '' };
}

const f1 = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
const f0 = (v: number | null): string => (v === null ? '-' : Math.round(v).toString());
const d = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || a < b ? null : a - b);
const per = (v: number | null, s: number): number | null => (v === null || s <= 0 ? null : v / s);
const mib = (kb: number): string => (kb >= 1048576 ? `${(kb / 1048576).toFixed(1)} GiB` : `${Math.round(kb / 1024)} MiB`);

interface CpuSplit {
  us: number;
  sy: number;
  ni: number;
  id: number;
  wa: number;
  hi: number;
  si: number;
  st: number;
  /** 100 − id − wa */
  busy: number;
}

/** A CPU line's split over the interval, in percent, as top and vmstat count it (user includes nice for vmstat's us). */
function cpuSplit(cur: ProcStat, prev: ProcStat, id: string): CpuSplit | null {
  // All CPUs: summed over the CPUs of both samples, so that one going offline does not turn the total backwards.
  const both = id === 'all' ? commonCpuTimes(cur, prev) : null;
  const c = both?.cur ?? cur.cpus.get(id);
  const p = both?.prev ?? prev.cpus.get(id);
  if (!c || !p) return null;
  const k = (f: keyof typeof c): number => Math.max(0, Number(c[f] - p[f]));
  // user and nice include guest time already: the split adds up without it.
  const parts = { us: k('user'), ni: k('nice'), sy: k('system'), id: k('idle'), wa: k('iowait'), hi: k('irq'), si: k('softirq'), st: k('steal') };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const pc = (v: number): number => (v / total) * 100;
  const out = {
    us: pc(parts.us),
    ni: pc(parts.ni),
    sy: pc(parts.sy),
    id: pc(parts.id),
    wa: pc(parts.wa),
    hi: pc(parts.hi),
    si: pc(parts.si),
    st: pc(parts.st),
    busy: 0,
  };
  out.busy = Math.max(0, 100 - out.id - out.wa);
  return out;
}

function row(
  step: number,
  id: StepId,
  check: string,
  r: { reading: string; value: number | null; verdict: Verdict; why: string; fields: Record<string, number | string | null> },
): ChecklistRow {
  // Which panels explain a step is the home panel's to say (src/panels/home.ts): the model names none.
  return { id, step, check, reading: r.reading, value: r.value, verdict: r.verdict, why: r.why, explains: '', fields: Object.freeze(r.fields) };
}

const pending = (step: number, id: StepId, check: string, reading = 'measuring…'): ChecklistRow =>
  row(step, id, check, { reading, value: null, verdict: '-', why: '', fields: {} });

function uptime(s: ChecklistSample): ChecklistRow {
  const { load1, load5, load15 } = s.load;
  const arrow = load1 > load15 * 1.1 + 0.05 ? '↑' : load1 < load15 * 0.9 - 0.05 ? '↓' : '→';
  const perCpu = load1 / Math.max(1, s.ncpu);
  const g = grade(perCpu, THRESHOLDS.loadPerCpu);
  return row(1, 'uptime', 'uptime', {
    reading: `load ${load1.toFixed(2)} ${load5.toFixed(2)} ${load15.toFixed(2)} ${arrow} on ${s.ncpu} CPUs (${perCpu.toFixed(2)} per CPU)`,
    value: load1,
    verdict: g,
    why: g === 'ok' ? '' : `load1 is ${perCpu.toFixed(2)} per CPU`,
    fields: { load1, load5, load15, cpus: s.ncpu, load1_per_cpu: perCpu, direction: arrow === '↑' ? 'rising' : arrow === '↓' ? 'falling' : 'steady' },
  });
}

/**
 * Every field a step's `fields` can hold, in the order CSV lists them (home's CSV has a column for each; a step has
 * figures in its own). A unit test checks that the steps give no field missing here.
 */
export const CHECKLIST_FIELDS: readonly string[] = [
  'active_s',
  'all_busy_pct',
  'aqu_sz',
  'attempt_fails_s',
  'available_kb',
  'available_pct',
  'b',
  'culprit_comm',
  'culprit_pid',
  'buff_cache_kb',
  'busiest_cpu',
  'busiest_pct',
  'busy_processes',
  'cpus',
  'direction',
  'disk',
  'disks',
  'drops_s',
  'err_level_10min',
  'errors_10min',
  'errs_s',
  'estab_resets_s',
  'free_kb',
  'hi',
  'id',
  'iface',
  'imbalance_pct',
  'in_errs_s',
  'kinds',
  'last',
  'load1',
  'load15',
  'load1_per_cpu',
  'load5',
  'max_soft_cpu',
  'max_soft_pct',
  'new_messages',
  'ni',
  'out_rsts_s',
  'passive_s',
  'pressure_cgroup',
  'pressure_full_pct',
  'pressure_resource',
  'pressure_some_pct',
  'pressure_workload',
  'psi_cpu_some_pct',
  'psi_io_full_pct',
  'psi_io_some_pct',
  'psi_mem_full_pct',
  'psi_mem_some_pct',
  'r',
  'r_await_ms',
  'r_s',
  'retrans_pct',
  'retrans_s',
  'rkb_s',
  'running',
  'rx_kb_s',
  'rx_pkt_s',
  'si',
  'si_kb_s',
  'sleeping',
  'so_kb_s',
  'st',
  'stopped',
  'swap_total_kb',
  'swap_used_kb',
  'sy',
  'tasks',
  'top_comm',
  'top_pct',
  'top_pid',
  'total_kb',
  'tx_kb_s',
  'tx_pkt_s',
  'us',
  'used_kb',
  'util_pct',
  'w_await_ms',
  'w_s',
  'wa',
  'wkb_s',
  'zombie',
];

const KMSG_WINDOW_S = 600;

function dmesg(s: ChecklistSample, p: ChecklistSample | undefined, escape: (x: string) => string): ChecklistRow {
  if (!s.kmsg.readable)
    return row(2, 'dmesg', 'dmesg | tail', { reading: s.kmsg.reason ?? '/dev/kmsg cannot be read', value: null, verdict: '-', why: '', fields: {} });
  const since = s.uptimeS - KMSG_WINDOW_S;
  const recent: KmsgRecord[] = [];
  for (const r of s.kmsg.recent) if (r.usec / 1e6 >= since) recent.push(r);
  // One error per report, not per line (an OOM kill writes dozens).
  const errors = kmsgEvents(recent).map((e) => ({ r: e.telling, kind: e.kind }));
  const errLevel = recent.filter((r) => r.level <= 3);
  const last = s.kmsg.recent[s.kmsg.recent.length - 1];
  const fresh = p ? Math.max(0, s.kmsg.seen - p.kmsg.seen) : 0;
  const kinds = [...new Set(errors.map((e) => e.kind))];
  const verdict: Verdict = errors.length > 0 ? 'bad' : errLevel.length > 0 ? 'look' : 'ok';
  const lastErr = errors[errors.length - 1]?.r ?? errLevel[errLevel.length - 1];
  const shown = lastErr ?? last;
  // Under 10 s, to a tenth: a message of 1.4 s ago came before a 1 s interval ("0 new"), which "1 s ago" hid.
  const agoS = shown ? Math.max(0, s.uptimeS - shown.usec / 1e6) : 0;
  const ago = shown ? `${agoS < 10 ? agoS.toFixed(1) : Math.round(agoS)} s ago: ` : '';
  return row(2, 'dmesg', 'dmesg | tail', {
    reading: `${errors.length} error${errors.length === 1 ? '' : 's'} in 10 min${kinds.length ? ` (${kinds.join(', ')})` : ''}, ${fresh} new; ${shown ? `${ago}${escape(shown.message)}` : 'no messages'}`,
    value: fresh,
    verdict,
    why: verdict === 'bad' ? `${kinds.join(', ')} in the last 10 minutes` : verdict === 'look' ? 'err-level messages in the last 10 minutes' : '',
    fields: {
      errors_10min: errors.length,
      err_level_10min: errLevel.length,
      new_messages: fresh,
      kinds: kinds.join(','),
      last: shown ? escape(shown.message) : null,
    },
  });
}

function vmstat(s: ChecklistSample, p: ChecklistSample, secs: number): ChecklistRow {
  const cpu = cpuSplit(s.stat, p.stat, 'all');
  // vmstat's r counts runnable tasks, itself left out (procs_running − 1); b, those in uninterruptible sleep.
  const r = Math.max(0, (s.stat.procsRunning ?? 1) - 1);
  const b = s.stat.procsBlocked ?? 0;
  const si = per(d(s.vm.get('pswpin'), p.vm.get('pswpin')), secs);
  const so = per(d(s.vm.get('pswpout'), p.vm.get('pswpout')), secs);
  const siKb = si === null ? null : si * s.pageKb;
  const soKb = so === null ? null : so * s.pageKb;
  const us = cpu ? cpu.us + cpu.ni : null;
  const sy = cpu ? cpu.sy + cpu.hi + cpu.si : null;
  const v = worst([
    [grade(r / Math.max(1, s.ncpu), THRESHOLDS.runQueuePerCpu), `r ${r} on ${s.ncpu} CPUs`],
    [grade(siKb === null || soKb === null ? null : siKb + soKb, THRESHOLDS.swapKbPerS), `swapping ${f0((siKb ?? 0) + (soKb ?? 0))} kB/s`],
    [grade(cpu?.wa ?? null, THRESHOLDS.iowaitPct), `wa ${f0(cpu?.wa ?? null)} %`],
  ]);
  return row(3, 'vmstat', 'vmstat 1', {
    reading: `r ${r} b ${b}  si ${f0(siKb)} so ${f0(soKb)} kB/s  us ${f0(us)} sy ${f0(sy)} id ${f0(cpu?.id ?? null)} wa ${f0(cpu?.wa ?? null)} st ${f0(cpu?.st ?? null)}`,
    value: r,
    ...v,
    fields: { r, b, si_kb_s: siKb, so_kb_s: soKb, us, sy, id: cpu?.id ?? null, wa: cpu?.wa ?? null, st: cpu?.st ?? null },
  });
}

function mpstat(s: ChecklistSample, p: ChecklistSample): ChecklistRow {
  const cpus = [...s.stat.cpus.keys()]
    .filter((k) => k !== 'all')
    .map((k) => ({ k, c: cpuSplit(s.stat, p.stat, k) }))
    .filter((x) => x.c !== null) as { k: string; c: CpuSplit }[];
  const all = cpuSplit(s.stat, p.stat, 'all');
  if (cpus.length === 0 || !all) return pending(4, 'mpstat', 'mpstat -P ALL 1');
  let hot = cpus[0]!;
  let cold = cpus[0]!;
  let soft = cpus[0]!;
  for (const x of cpus) {
    if (x.c.busy > hot.c.busy) hot = x;
    if (x.c.busy < cold.c.busy) cold = x;
    if (x.c.si > soft.c.si) soft = x;
  }
  const imbalance = hot.c.busy - cold.c.busy;
  const v = worst([
    [grade(hot.c.busy, [THRESHOLDS.cpuBusyPct[0], Infinity]), `${hot.k} is ${f0(hot.c.busy)} % busy`],
    [grade(all.busy, [Infinity, THRESHOLDS.cpuBusyPct[1]]), `all CPUs ${f0(all.busy)} % busy`],
    [grade(soft.c.si, THRESHOLDS.softPct), `${soft.k} spends ${f0(soft.c.si)} % in softirqs`],
  ]);
  return row(4, 'mpstat', 'mpstat -P ALL 1', {
    reading: `busiest ${hot.k} ${f0(hot.c.busy)} %, all ${f0(all.busy)} %, imbalance ${f0(imbalance)} points, most %soft ${soft.k} ${f1(soft.c.si)}`,
    value: hot.c.busy,
    ...v,
    fields: {
      busiest_cpu: Number(hot.k.slice(3)),
      busiest_pct: hot.c.busy,
      all_busy_pct: all.busy,
      imbalance_pct: imbalance,
      max_soft_cpu: Number(soft.k.slice(3)),
      max_soft_pct: soft.c.si,
    },
  });
}

/** CPU % per process over the interval (pidstat's %CPU: 100 = one CPU), the busiest first. */
export function taskCpu(s: ChecklistSample, p: ChecklistSample, secs: number): { pid: number; comm: string; pct: number }[] {
  const before = new Map(p.tasks.map((t) => [t.pid, t.ticks]));
  const out: { pid: number; comm: string; pct: number }[] = [];
  for (const t of s.tasks) {
    const b = before.get(t.pid);
    if (b === undefined || t.ticks < b || secs <= 0) continue;
    const pct = ((t.ticks - b) / s.hz / secs) * 100;
    if (pct > 0) out.push({ pid: t.pid, comm: t.comm, pct });
  }
  return out.sort((a, b) => b.pct - a.pct || a.pid - b.pid);
}

function pidstat(s: ChecklistSample, p: ChecklistSample, secs: number, escape: (x: string) => string): ChecklistRow {
  const top = taskCpu(s, p, secs);
  const first = top[0];
  const g = grade(first?.pct ?? 0, THRESHOLDS.taskCpuPct);
  return row(5, 'pidstat', 'pidstat 1', {
    reading: top.length
      ? top
          .slice(0, 3)
          .map((t) => `${escape(t.comm)} ${t.pid} ${f0(t.pct)} %`)
          .join(', ')
      : 'no process used CPU',
    value: first?.pct ?? 0,
    verdict: g,
    why: g === 'ok' || !first ? '' : `${escape(first.comm)} (${first.pid}) uses ${f0(first.pct)} % of a CPU`,
    fields: { top_pid: first?.pid ?? null, top_comm: first ? escape(first.comm) : null, top_pct: first?.pct ?? null, busy_processes: top.length },
  });
}

export interface DiskRate {
  name: string;
  rPerS: number;
  wPerS: number;
  rkBPerS: number;
  wkBPerS: number;
  rAwaitMs: number | null;
  wAwaitMs: number | null;
  aquSz: number;
  utilPct: number;
}

/** iostat -x per disk over the interval; -z: disks with no I/O are left out. */
export function diskRates(s: ChecklistSample, p: ChecklistSample, secs: number): DiskRate[] {
  const before = new Map(p.disks.map((x) => [x.name, x]));
  const out: DiskRate[] = [];
  for (const x of s.disks) {
    const b = before.get(x.name);
    if (!b || secs <= 0) continue;
    const rd = x.reads - b.reads;
    const wr = x.writes - b.writes;
    if (rd < 0 || wr < 0 || rd + wr === 0) continue;
    out.push({
      name: x.name,
      rPerS: rd / secs,
      wPerS: wr / secs,
      rkBPerS: (x.readSectors - b.readSectors) / 2 / secs,
      wkBPerS: (x.writeSectors - b.writeSectors) / 2 / secs,
      rAwaitMs: rd > 0 ? (x.readMs - b.readMs) / rd : null,
      wAwaitMs: wr > 0 ? (x.writeMs - b.writeMs) / wr : null,
      aquSz: (x.weightedMs - b.weightedMs) / 1000 / secs,
      utilPct: Math.min(100, ((x.ioMs - b.ioMs) / 1000 / secs) * 100),
    });
  }
  return out.sort((a, b) => b.utilPct - a.utilPct || b.rPerS + b.wPerS - (a.rPerS + a.wPerS));
}

function iostat(s: ChecklistSample, p: ChecklistSample, secs: number): ChecklistRow {
  const disks = diskRates(s, p, secs);
  const top = disks[0];
  if (!top) return row(6, 'iostat', 'iostat -xz 1', { reading: 'no disk I/O', value: 0, verdict: 'ok', why: '', fields: { disks: 0 } });
  const g = grade(top.utilPct, THRESHOLDS.diskUtilPct);
  const aw = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  return row(6, 'iostat', 'iostat -xz 1', {
    reading: `${top.name} ${f0(top.utilPct)} %util, r/s ${f1(top.rPerS)} w/s ${f1(top.wPerS)}, rkB/s ${f0(top.rkBPerS)} wkB/s ${f0(top.wkBPerS)}, await r ${aw(top.rAwaitMs)} w ${aw(top.wAwaitMs)} ms, aqu-sz ${top.aquSz.toFixed(2)}${disks.length > 1 ? ` (+${disks.length - 1} more)` : ''}`,
    value: top.utilPct,
    verdict: g,
    why: g === 'ok' ? '' : `${top.name} is ${f0(top.utilPct)} % utilised`,
    fields: {
      disk: top.name,
      util_pct: top.utilPct,
      r_s: top.rPerS,
      w_s: top.wPerS,
      rkb_s: top.rkBPerS,
      wkb_s: top.wkBPerS,
      r_await_ms: top.rAwaitMs,
      w_await_ms: top.wAwaitMs,
      aqu_sz: top.aquSz,
      disks: disks.length,
    },
  });
}

function free(s: ChecklistSample): ChecklistRow {
  const m = freeOf(s.mem);
  const availPct = m.total > 0 ? (m.available / m.total) * 100 : null;
  const g = gradeLow(availPct, THRESHOLDS.memAvailPct);
  return row(7, 'free', 'free -m', {
    reading: `available ${mib(m.available)} of ${mib(m.total)} (${f0(availPct)} %), used ${mib(m.used)}, buff/cache ${mib(m.buffCache)}, swap ${mib(m.swapUsed)} of ${mib(m.swapTotal)}`,
    // Used, so that up means worse, as on every other step's trend.
    value: availPct === null ? null : 100 - availPct,
    verdict: g,
    why: g === 'ok' ? '' : `only ${f0(availPct)} % of memory available`,
    fields: {
      total_kb: m.total,
      used_kb: m.used,
      free_kb: m.free,
      buff_cache_kb: m.buffCache,
      available_kb: m.available,
      swap_total_kb: m.swapTotal,
      swap_used_kb: m.swapUsed,
      available_pct: availPct,
    },
  });
}

function sarDev(s: ChecklistSample, p: ChecklistSample, secs: number): ChecklistRow {
  const before = new Map(p.net.map((x) => [x.name, x]));
  const byName = new Map(s.net.map((x) => [x.name, x.rxBytes + x.txBytes]));
  const total = (name: string): number => byName.get(name) ?? 0;
  // Every interface, lo too, as sar lists them: traffic between local processes is traffic (a database and its
  // clients on one host).
  const rates = s.net
    .map((x) => {
      const b = before.get(x.name);
      const k = (f: keyof NetDev): number => (b ? Math.max(0, (x[f] as number) - (b[f] as number)) / secs : 0);
      return {
        name: x.name,
        rxKb: k('rxBytes') / 1024,
        txKb: k('txBytes') / 1024,
        rxPk: k('rxPackets'),
        txPk: k('txPackets'),
        errs: k('rxErrs') + k('txErrs'),
        drops: k('rxDrop') + k('txDrop'),
      };
    })
    // The busiest now; when none moved, a real interface before lo, and the one that moved most since boot (eth0
    // rather than an idle ifb0).
    .sort((a, b) => b.rxKb + b.txKb - (a.rxKb + a.txKb) || Number(a.name === 'lo') - Number(b.name === 'lo') || total(b.name) - total(a.name));
  const top = rates[0];
  if (!top || secs <= 0) return pending(8, 'sar-dev', 'sar -n DEV 1', 'no network interface');
  const bad = rates.filter((x) => x.errs + x.drops > 0);
  const g: Verdict = bad.length > 0 ? 'look' : 'ok';
  return row(8, 'sar-dev', 'sar -n DEV 1', {
    reading: `${top.name} rx ${f1(top.rxKb)} tx ${f1(top.txKb)} kB/s, rx ${f0(top.rxPk)} tx ${f0(top.txPk)} pkt/s${rates[1] && rates[1].rxKb + rates[1].txKb > 0 ? `; ${rates[1].name} ${f1(rates[1].rxKb + rates[1].txKb)} kB/s` : ''}${bad.length ? `; errors/drops on ${bad.map((x) => x.name).join(', ')}` : ''}`,
    value: top.rxKb + top.txKb,
    verdict: g,
    why: g === 'ok' ? '' : `errors or drops on ${bad.map((x) => x.name).join(', ')}`,
    fields: { iface: top.name, rx_kb_s: top.rxKb, tx_kb_s: top.txKb, rx_pkt_s: top.rxPk, tx_pkt_s: top.txPk, errs_s: top.errs, drops_s: top.drops },
  });
}

function sarTcp(s: ChecklistSample, p: ChecklistSample, secs: number): ChecklistRow {
  const k = (f: string): number | null => d(s.tcp.get(f), p.tcp.get(f));
  const active = per(k('ActiveOpens'), secs);
  const passive = per(k('PassiveOpens'), secs);
  const retrans = k('RetransSegs');
  const out = k('OutSegs');
  const retransPct = retrans !== null && out !== null && out > 0 ? (retrans / out) * 100 : 0;
  const inErrs = per(k('InErrs'), secs);
  const v = worst([
    [grade(retransPct, THRESHOLDS.retransPct), `${f1(retransPct)} % of segments retransmitted`],
    [inErrs !== null && inErrs > 0 ? 'look' : 'ok', `${f1(inErrs)} receive errors/s`],
  ]);
  return row(9, 'sar-tcp', 'sar -n TCP,ETCP 1', {
    reading: `active ${f1(active)}/s passive ${f1(passive)}/s, retrans ${f1(per(retrans, secs))}/s (${f1(retransPct)} %), in errs ${f1(inErrs)}/s, resets out ${f1(per(k('OutRsts'), secs))}/s`,
    value: per(retrans, secs),
    ...v,
    fields: {
      active_s: active,
      passive_s: passive,
      retrans_s: per(retrans, secs),
      retrans_pct: retransPct,
      in_errs_s: inErrs,
      out_rsts_s: per(k('OutRsts'), secs),
      attempt_fails_s: per(k('AttemptFails'), secs),
      estab_resets_s: per(k('EstabResets'), secs),
    },
  });
}

function top(s: ChecklistSample, p: ChecklistSample): ChecklistRow {
  const n: Record<string, number> = {};
  for (const t of s.tasks) n[t.state] = (n[t.state] ?? 0) + 1;
  const running = n.R ?? 0;
  const sleeping = (n.S ?? 0) + (n.D ?? 0) + (n.I ?? 0);
  const stopped = (n.T ?? 0) + (n.t ?? 0);
  const zombie = n.Z ?? 0;
  const c = cpuSplit(s.stat, p.stat, 'all');
  const g: Verdict = zombie > 0 ? 'look' : 'ok';
  return row(10, 'top', 'top', {
    reading: `Tasks ${s.tasks.length} total, ${running} running, ${sleeping} sleeping, ${stopped} stopped, ${zombie} zombie; %Cpu ${f1(c?.us ?? null)} us ${f1(c?.sy ?? null)} sy ${f1(c?.ni ?? null)} ni ${f1(c?.id ?? null)} id ${f1(c?.wa ?? null)} wa ${f1(c?.hi ?? null)} hi ${f1(c?.si ?? null)} si ${f1(c?.st ?? null)} st`,
    value: running,
    verdict: g,
    why: g === 'ok' ? '' : `${zombie} zombie tasks`,
    fields: {
      tasks: s.tasks.length,
      running,
      sleeping,
      stopped,
      zombie,
      us: c?.us ?? null,
      sy: c?.sy ?? null,
      ni: c?.ni ?? null,
      id: c?.id ?? null,
      wa: c?.wa ?? null,
      hi: c?.hi ?? null,
      si: c?.si ?? null,
      st: c?.st ?? null,
    },
  });
}

/** The ten steps. Steps that need an interval (rates) say "measuring…" until there is one. */
/**
 * `escape` makes text from /proc safe to print (a comm, as the process set it); `escapeKernel` does for the kernel's
 * own messages, which /dev/kmsg has escaped already (control characters and the backslash as \xNN): only a raw control
 * character left in them is escaped, so the kernel's escapes are not escaped again (\x1b, not \\x1b).
 */
export function deriveChecklist(
  sample: ChecklistSample,
  previous: ChecklistSample | undefined,
  elapsedNs: number,
  escape: (x: string) => string = (x) => x,
  escapeKernel: (x: string) => string = escape,
): ChecklistRow[] {
  const secs = elapsedNs / 1e9;
  const p = previous && secs > 0 ? previous : undefined;
  const rows = [
    uptime(sample),
    dmesg(sample, previous, escapeKernel),
    p ? vmstat(sample, p, secs) : pending(3, 'vmstat', 'vmstat 1'),
    p ? mpstat(sample, p) : pending(4, 'mpstat', 'mpstat -P ALL 1'),
    p ? pidstat(sample, p, secs, escape) : pending(5, 'pidstat', 'pidstat 1'),
    p ? iostat(sample, p, secs) : pending(6, 'iostat', 'iostat -xz 1'),
    free(sample),
    p ? sarDev(sample, p, secs) : pending(8, 'sar-dev', 'sar -n DEV 1'),
    p ? sarTcp(sample, p, secs) : pending(9, 'sar-tcp', 'sar -n TCP,ETCP 1'),
    p ? top(sample, p) : pending(10, 'top', 'top'),
  ];
  const hot = p ? taskCpu(sample, p, secs)[0] : undefined;
  const psi = p ? psiShares(sample, p, secs) : null;
  return rows.map((r) => withPressure(withCulprit(r, hot, biggestRss(sample), escape), psi, sample, p, secs, escape));
}

type Resource = 'cpu' | 'mem' | 'io';
type Shares = Readonly<Record<Resource, { some: number | null; full: number | null }>>;

/** The host's stall shares over the interval (% of the time), from /proc/pressure's totals; null without PSI. */
export function psiShares(s: ChecklistSample, p: ChecklistSample, secs: number): Shares | null {
  if (!s.psi || !p.psi || secs <= 0) return null;
  const us = secs * 1e6;
  return { cpu: pressureShare(s.psi.cpu, p.psi.cpu, us), mem: pressureShare(s.psi.memory, p.psi.memory, us), io: pressureShare(s.psi.io, p.psi.io, us) };
}

/** The resources whose pressure is evidence for a step (the USE method's saturation, measured). */
const STEP_PRESSURE: Partial<Record<StepId, readonly Resource[]>> = { uptime: ['cpu'], vmstat: ['cpu', 'mem'], free: ['mem'], iostat: ['io'] };
const RESOURCE_NAME: Record<Resource, string> = { cpu: 'CPU', mem: 'memory', io: 'I/O' };
const FILE_OF: Record<Resource, 'cpu' | 'memory' | 'io'> = { cpu: 'cpu', mem: 'memory', io: 'io' };

/**
 * A step with its resources' pressure as evidence: the shares in its fields and reading, its verdict the worse of its
 * own and the pressure's, and, when a resource is under pressure, the cgroup under the most of it (Enter opens it).
 * The host's CPU `full` is left out: the kernel keeps it only for cgroups.
 */
function withPressure(
  r: ChecklistRow,
  psi: Shares | null,
  s: ChecklistSample,
  p: ChecklistSample | undefined,
  secs: number,
  escape: (x: string) => string,
): ChecklistRow {
  const res = STEP_PRESSURE[r.id];
  if (!res || !psi || !p || r.reading === 'measuring…') return r;
  const fields: Record<string, number | string | null> = { ...r.fields };
  const parts: [Verdict, string][] = [[r.verdict, r.why]];
  const text: string[] = [];
  let under: { res: Resource; rank: number } | undefined;
  for (const x of res) {
    const sh = psi[x];
    fields[`psi_${x}_some_pct`] = sh.some;
    if (x !== 'cpu') fields[`psi_${x}_full_pct`] = sh.full;
    const some = grade(sh.some, THRESHOLDS.psiSomePct);
    const full = x === 'cpu' ? 'ok' : grade(sh.full, THRESHOLDS.psiFullPct);
    parts.push([some, `${RESOURCE_NAME[x]} pressure: some task stalled ${f1(sh.some)} % of the time`]);
    parts.push([full, `${RESOURCE_NAME[x]} pressure: every task stalled ${f1(sh.full)} % of the time`]);
    text.push(x === 'cpu' ? `cpu ${f1(sh.some)}` : `${x} ${f1(sh.some)}/${f1(sh.full)}`);
    const rank = Math.max(RANK[some], RANK[full]);
    if (rank >= RANK.look && rank > (under?.rank ?? 0)) under = { res: x, rank };
  }
  const v = worst(parts);
  let reading = `${r.reading}; PSI ${text.join(' ')} %`;
  if (under && s.cgroupPsi && p.cgroupPsi) {
    const us = secs * 1e6;
    const file = FILE_OF[under.res];
    const shares = [...s.cgroupPsi].map(([path, c]) => {
      const at = path.lastIndexOf('/');
      return {
        path,
        parent: path === '/' ? null : at <= 0 ? '/' : path.slice(0, at),
        workload: c.workload,
        ...pressureShare(c[file], p.cgroupPsi?.get(path)?.[file], us),
      };
    });
    const top = mostPressure(shares);
    if (top) {
      const who = escape(top.path);
      // The workload's name where the path gives one (nginx.service), else the path itself.
      const label = top.workload === top.path.split('/').pop() ? who : `${escape(top.workload)} (${who})`;
      reading += `; most ${RESOURCE_NAME[under.res]} pressure: ${label} ${f1(top.some)} %`;
      Object.assign(fields, {
        pressure_resource: under.res,
        pressure_cgroup: who,
        pressure_workload: escape(top.workload),
        pressure_some_pct: top.some,
        pressure_full_pct: top.full,
      });
    }
  }
  return { ...r, reading, ...v, fields: Object.freeze(fields) };
}

/** The process with the most resident memory now (free's culprit). */
export function biggestRss(s: ChecklistSample): { pid: number; comm: string; kb: number } | undefined {
  let big: ProcTask | undefined;
  for (const t of s.tasks) if (t.rss > (big?.rss ?? 0)) big = t;
  return big ? { pid: big.pid, comm: big.comm, kb: big.rss * s.pageKb } : undefined;
}

/** Steps the busiest process explains (CPU saturation and utilisation), and those the biggest one does (memory). */
const CPU_STEPS: ReadonlySet<StepId> = new Set(['uptime', 'vmstat', 'mpstat', 'pidstat', 'top']);

/**
 * The process that explains a step, where one does: its pid and name in the step's fields (what Enter selects in the
 * process panel) and, when the step is not ok, named in its reading. CPU steps name the busiest process of the
 * interval; free (and vmstat while it swaps) the one with the most resident memory.
 */
function withCulprit(
  r: ChecklistRow,
  hot: { pid: number; comm: string; pct: number } | undefined,
  big: { pid: number; comm: string; kb: number } | undefined,
  escape: (x: string) => string,
): ChecklistRow {
  const swapping = r.id === 'vmstat' && ((r.fields.si_kb_s as number | null) ?? 0) + ((r.fields.so_kb_s as number | null) ?? 0) > 0;
  const tell = r.verdict === 'look' || r.verdict === 'bad';
  if ((r.id === 'free' || swapping) && big) {
    const add = tell ? `; most memory: ${escape(big.comm)} ${big.pid} ${f0(big.kb / 1024)} MiB` : '';
    return { ...r, reading: r.reading + add, fields: Object.freeze({ ...r.fields, culprit_pid: big.pid, culprit_comm: escape(big.comm) }) };
  }
  if (CPU_STEPS.has(r.id) && hot) {
    const add = tell && r.id !== 'pidstat' ? `; top: ${escape(hot.comm)} ${hot.pid} ${f0(hot.pct)} %` : '';
    return { ...r, reading: r.reading + add, fields: Object.freeze({ ...r.fields, culprit_pid: hot.pid, culprit_comm: escape(hot.comm) }) };
  }
  return r;
}

/** Per-CPU meters for the header (htop-style): busy, %soft and %iowait of each CPU over the interval. */
export function cpuMeters(sample: ChecklistSample, previous: ChecklistSample | undefined): { cpu: number; busy: number; soft: number; iowait: number }[] {
  if (!previous) return [];
  const out: { cpu: number; busy: number; soft: number; iowait: number }[] = [];
  for (const k of sample.stat.cpus.keys()) {
    if (k === 'all') continue;
    const c = cpuSplit(sample.stat, previous.stat, k);
    if (c) out.push({ cpu: Number(k.slice(3)), busy: c.busy, soft: c.si, iowait: c.wa });
  }
  return out;
}
