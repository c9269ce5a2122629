/**
 * The process panel: top's and pidstat's table (CPU, memory, faults, context switches, I/O per process, or per thread
 * with H) from /proc, with what /proc cannot give from BPF: each process's run-queue waits (who waits for a CPU, and
 * how long), and the processes that started and ended between two readings (an exit hook), as rows of their own.
 */
import type { BpfObject } from '../native.js';
import { profilePanel } from './profile.js';
import { decodeCounterArray, type RecordLayout } from '../records/layout.js';
import { parseCmdline, parsePasswd, parsePidIo, parsePidStatFull, parsePidStatus } from '../records/procpid.js';
import { decodeExits, decodeWaits, PROCS_RECORDS, PROCS_SLOTS, type ProcsLayouts } from '../records/procs.js';
import { parseUptime } from '../records/procfs.js';
import { deriveProcs, procsTotals, type ExitEntry, type ProcEntry, type ProcsRow, type ProcsSample, type WaitTotals } from '../models/procs.js';
import { escapeControl, humanBytes, humanCount, humanNs, percent } from '../format.js';
import { hostConstants } from '../kernel/auxv.js';
import { cgroupHostOf, cgroupSetup, createWorkloadNames, membership, underCgroup } from '../kernel/cgroups.js';
import { parseProcCgroup } from '../records/cgroupfs.js';
import { workloadOf } from '../models/workload.js';
import { busyByName, num, sumByProcess } from './metric-kit.js';
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { byCgroup, sumOf, sumRate } from './group.js';
import {
  asNumber,
  BPF_MISSED,
  MAP_FULL,
  type Column,
  type DropCounter,
  type HostInfo,
  type PanelDef,
  type PanelStats,
  type Summary,
  type Tier,
} from './types.js';
import { procs as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['procs_wakeup_btf', 'procs_wakeup_new_btf', 'procs_switch_btf', 'procs_exit_btf'],
    hooks: 'tp_btf sched_wakeup + sched_wakeup_new + sched_switch + sched_process_exit',
  },
  {
    name: 'raw_tp',
    types: ['raw_tp'],
    programs: ['procs_wakeup_raw', 'procs_wakeup_new_raw', 'procs_switch_raw', 'procs_exit_raw'],
    hooks: 'raw_tp sched_wakeup + sched_wakeup_new + sched_switch + sched_process_exit',
  },
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: ['procs_wakeup_tp', 'procs_wakeup_new_tp', 'procs_switch_tp', 'procs_exit_tp'],
    hooks: 'tracepoint sched:sched_wakeup + sched_wakeup_new + sched_switch + sched_process_exit',
  },
];

/** Exits the exit hook could not keep (its map was full until the next read). */
export const EXITS_LOST: DropCounter = { key: 'exits_lost', total: 'exits_lost_total', reason: 'exits_lost', shown: 'exits lost' };

/** How long the reader keeps ended processes (the model lists them for 10 s or three intervals). */
const EXITS_KEPT_NS = 60e9;
/** a process's weight for its name's label: CPU first, then memory (made once: models/delta.ts) */
const cpuThenMemory = (r: Record<string, unknown>): number => num(r.cpu_pct) + num(r.rss_bytes) / 1e9;
/** made once (models/delta.ts, addCounts) */
const byEnd = (x: { endNs: number }, y: { endNs: number }): number => x.endNs - y.endNs;
/**
 * And how many, the newest: a fork storm ends thousands of processes a second, and a minute of them (112,000 records
 * at 1,900 exits a second here) was 100 MB of sixty's memory. The table lists 2000 rows at most.
 */
export const EXITS_KEPT_MAX = 4096;
/** A command line is cut here: the detail view and exports show this much of it. */
const CMDLINE_MAX = 4096;
/** /etc/passwd is read again after this long (users added while sixty runs). */
const PASSWD_TTL_MS = 30_000;

/** Users by uid, from /etc/passwd (no NSS: a directory user shows as its uid). */
function userNames(readText: (path: string) => string, now: () => number): (uid: number) => string {
  let names = new Map<number, string>();
  let at = -Infinity;
  return (uid) => {
    if (now() - at > PASSWD_TTL_MS) {
      at = now();
      try {
        names = parsePasswd(readText('/etc/passwd'));
      } catch {
        names = new Map();
      }
    }
    return escapeControl(names.get(uid) ?? String(uid));
  };
}

interface ThreadWaits {
  tgid: number;
  waitNs: number;
  waits: number;
  hist: number[];
}

const addInto = (acc: ThreadWaits, w: { waitNs: number; waits: number; hist: ArrayLike<number> }): void => {
  acc.waitNs += w.waitNs;
  acc.waits += w.waits;
  for (let i = 0; i < PROCS_SLOTS; i++) acc.hist[i]! += w.hist[i] ?? 0;
};
const emptyWaits = (tgid: number): ThreadWaits => ({ tgid, waitNs: 0, waits: 0, hist: new Array<number>(PROCS_SLOTS).fill(0) });

/**
 * The BPF half: per-thread waits read each interval (those of threads that exited taken out of the map and kept, summed
 * per process, until the process is gone), and the exit records drained.
 */
function bpfReader(obj: BpfObject<Maps>, L: ProcsLayouts, readText: (path: string) => string) {
  const dead = new Map<number, ThreadWaits & { lastSeq: number }>();
  const deadThreads = new Map<number, ThreadWaits & { lastSeq: number }>();
  const tgidOf = new Map<number, number>();
  /** The classic tier learns a thread's process late: ask /proc (a tid has a /proc entry of its own, unlisted). */
  const resolve = (tid: number): number => {
    let t = tgidOf.get(tid);
    if (t === undefined) {
      try {
        const m = /\nTgid:\s*(\d+)/.exec(readText(`/proc/${tid}/status`));
        t = m ? Number(m[1]) : 0;
      } catch {
        t = 0;
      }
      if (t) tgidOf.set(tid, t);
    }
    return t;
  };
  return (seq: number, threads: boolean, alive: ReadonlySet<number>) => {
    // Exits first: a thread is marked exited before its process's record is written, so every thread of a process
    // whose record is read here is already marked in the read of the waits that follows.
    const exits = decodeExits(obj.readMap('procs_exits', { deleteAfterRead: true }), L);
    const recs = decodeWaits(obj.readMap('procs_waits'), L);
    const gone = recs.filter((r) => r.exited);
    if (gone.length) {
      const keys = Buffer.alloc(gone.length * 4);
      gone.forEach((r, i) => keys.writeUInt32LE(r.tid, i * 4));
      for (const r of decodeWaits(obj.takeKeys('procs_waits', keys), L)) {
        const tgid = r.tgid || resolve(r.tid);
        let d = dead.get(tgid);
        if (!d) dead.set(tgid, (d = { ...emptyWaits(tgid), lastSeq: seq }));
        addInto(d, r);
        d.lastSeq = seq;
        const t = { ...emptyWaits(tgid), lastSeq: seq };
        addInto(t, r);
        deadThreads.set(r.tid, t);
        tgidOf.delete(r.tid);
      }
    }
    const waits = new Map<number, WaitTotals>();
    if (threads) {
      for (const [tid, t] of deadThreads) waits.set(tid, t);
      for (const r of recs) if (!r.exited) waits.set(r.tid, r);
    } else {
      for (const [tgid, d] of dead) {
        const c = emptyWaits(tgid);
        addInto(c, d);
        waits.set(tgid, c);
      }
      for (const r of recs) {
        if (r.exited) continue;
        const tgid = r.tgid || resolve(r.tid);
        if (!tgid) continue;
        let c = waits.get(tgid) as ThreadWaits | undefined;
        if (!c) waits.set(tgid, (c = emptyWaits(tgid)));
        addInto(c, r);
        const d = dead.get(tgid);
        if (d) d.lastSeq = seq;
      }
    }
    // A process gone from /proc for three readings has shown its last row: what its threads waited is forgotten.
    for (const [tgid, d] of dead) if (!alive.has(tgid) && seq - d.lastSeq > 3) dead.delete(tgid);
    for (const [tid, d] of deadThreads) if (seq - d.lastSeq > 3) deadThreads.delete(tid);
    if (tgidOf.size > 65536) tgidOf.clear();
    const stats = decodeCounterArray(obj.readMap('procs_stats'), L.stat, 'procs_stats');
    return { exits, waits, mapFull: stats[names.enums.procs_stat.MAP_FULL] ?? 0, exitsLost: stats[names.enums.procs_stat.EXITS_LOST] ?? 0 };
  };
}

/**
 * Entries for threads: twice the threads that exist when the panel attaches (from /proc/loadavg's total), at least the
 * object's 32,768 and at most 262,144 (each entry is about 170 bytes of kernel memory, allocated at load).
 */
export function threadMapSize(host: HostInfo): number {
  let threads = 0;
  try {
    threads = Number(host.readText('/proc/loadavg').split(' ')[3]?.split('/')[1]) || 0;
  } catch {
    /* the object's size */
  }
  return Math.min(262_144, Math.max(32_768, 2 ** Math.ceil(Math.log2(Math.max(1, 2 * threads)))));
}

/** The ended processes the reader keeps (sorted by end): the last minute's, and of those the newest EXITS_KEPT_MAX. */
export function keptExits<T extends { endNs: number }>(exits: readonly T[], nowNs: number): T[] {
  const recent = exits.filter((x) => nowNs - x.endNs <= EXITS_KEPT_NS);
  return recent.length > EXITS_KEPT_MAX ? recent.slice(-EXITS_KEPT_MAX) : recent;
}

/** Whether rows are threads (H): the console sets it, the next reading follows. */
export const procsView = { threads: false };

/**
 * Reads every process of /proc (and with H every thread) and, when its BPF object is loaded, the waits and exits.
 * Files of a process that ends while being read are skipped; the unreadable /proc/PID/io of another user's process
 * (without privilege) is null.
 */
export function createProcsReader(host: HostInfo, obj: BpfObject<Maps> | null, layouts: ProcsLayouts | null): () => ProcsSample {
  const readText = host.readText;
  const listDir = host.listDir ?? ((): string[] => []);
  const { clockTicks: hz, pageSize } = hostConstants();
  const user = userNames(readText, Date.now);
  const cmdlines = new Map<number, { start: number; comm: string; text: string }>();
  const bpf = obj && layouts ? bpfReader(obj, layouts, readText) : null;
  let exits: ExitEntry[] = [];
  let seq = 0;
  // Many small files per scan: in one call where the host can (the addon), else one at a time.
  const readFiles =
    host.readFiles ??
    ((paths: readonly string[]): (string | null)[] =>
      paths.map((p) => {
        try {
          return readText(p);
        } catch {
          return null;
        }
      }));
  const FILES = ['stat', 'status', 'io', 'cgroup'] as const;
  const filter = host.cgroupFilter?.path ?? null;
  // --cgroup: processes that ended are listed when they were seen in the subtree (their exit records carry no cgroup).
  let members = new Set<number>();
  // Membership: cgroup2's path where the host has cgroup2, else the first v1 hierarchy's; its workload named once per path.
  const cg = cgroupSetup(readText);
  const workloadNames = createWorkloadNames(cgroupHostOf(host));
  const workloads = new Map<string, string>();
  const workloadName = (path: string): string => {
    let w = workloads.get(path);
    if (w === undefined) {
      if (workloads.size > 10_000) workloads.clear();
      workloads.set(path, (w = escapeControl(workloadOf(path, workloadNames).name)));
    }
    return w;
  };
  // A process's membership from its /proc/PID/cgroup: most processes share a handful of these texts, each parsed once.
  const memberships = new Map<string, string>();
  const membershipOf = (text: string): string => {
    let m = memberships.get(text);
    if (m === undefined) {
      if (memberships.size > 10_000) memberships.clear();
      memberships.set(text, (m = escapeControl(membership(parseProcCgroup(text), cg))));
    }
    return m;
  };
  return () => {
    seq++;
    const threads = procsView.threads;
    const entries = new Map<number, ProcEntry>();
    const alive = new Set<number>();
    // Every process (with H, every thread): its directory, its id and its process.
    const tasks: { dir: string; id: number; tgid: number }[] = [];
    for (const name of listDir('/proc')) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      alive.add(pid);
      if (!threads) {
        tasks.push({ dir: `/proc/${pid}`, id: pid, tgid: pid });
        continue;
      }
      let tids: string[] = [];
      try {
        tids = listDir(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const t of tids) tasks.push({ dir: `/proc/${pid}/task/${t}`, id: Number(t), tgid: pid });
    }
    // A process's leader: stat, status and io. Its other threads: stat only (status, which also sums the process's
    // memory, cost most of a scan of 20,000 threads): their user is the leader's, their switches and I/O are not read.
    const paths: string[] = [];
    const at: number[] = [];
    for (const t of tasks) {
      at.push(paths.length);
      paths.push(`${t.dir}/stat`);
      if (t.id === t.tgid) for (const f of FILES.slice(1)) paths.push(`${t.dir}/${f}`);
    }
    const texts = readFiles(paths);
    const needCmdline: ProcEntry[] = [];
    tasks.forEach((t, i) => {
      const k = at[i]!;
      const text = texts[k];
      const stat = text ? parsePidStatFull(text) : null;
      // Ended between the listing and the read: not a row.
      if (!stat) return;
      const leader = t.id === t.tgid;
      const status = leader && texts[k + 1] ? parsePidStatus(texts[k + 1]!) : null;
      const io = leader && texts[k + 2] ? parsePidIo(texts[k + 2]!) : null;
      const cgroup = leader && texts[k + 3] ? membershipOf(texts[k + 3]!) : '';
      // --cgroup: a process outside the subtree is not read further (its threads go with it below).
      if (filter && leader && !underCgroup(cgroup, filter)) return;
      const e: ProcEntry = {
        id: t.id,
        tgid: t.tgid,
        stat,
        status,
        io,
        cmdline: '',
        comm: escapeControl(stat.comm),
        user: status ? user(status.uid) : '?',
        cgroup,
        workload: cgroup ? workloadName(cgroup) : '',
      };
      entries.set(t.id, e);
      // A thread's command line is its process's: read for the leader only, and again only when it changed (exec).
      if (t.id !== t.tgid) return;
      const cached = cmdlines.get(t.id);
      if (cached && cached.start === stat.starttime && cached.comm === stat.comm) e.cmdline = cached.text;
      else needCmdline.push(e);
    });
    // A thread's user is its process's.
    if (threads)
      for (const e of entries.values())
        if (e.id !== e.tgid) {
          const l = entries.get(e.tgid);
          // --cgroup: a thread whose process was left out goes too.
          if (filter && !l) {
            entries.delete(e.id);
            continue;
          }
          e.user = l?.user ?? e.user;
          e.cgroup = l?.cgroup ?? '';
          e.workload = l?.workload ?? '';
        }
    const lines = readFiles(needCmdline.map((e) => `/proc/${e.id}/cmdline`));
    needCmdline.forEach((e, i) => {
      e.cmdline = escapeControl(parseCmdline(lines[i] ?? '').slice(0, CMDLINE_MAX));
      cmdlines.set(e.id, { start: e.stat.starttime, comm: e.stat.comm, text: e.cmdline });
    });
    for (const id of cmdlines.keys()) if (!alive.has(id) && !entries.has(id)) cmdlines.delete(id);
    const nowNs = host.nowNs();
    const uptimeS = parseUptime(readText('/proc/uptime'));
    const b = bpf?.(seq, threads, alive);
    if (b) {
      for (const x of b.exits) if (!filter || members.has(x.pid)) exits.push({ ...x, seq, user: user(x.uid) });
      exits.sort(byEnd);
    }
    exits = keptExits(exits, nowNs);
    if (filter) members = new Set([...entries.values()].map((e) => e.tgid));
    return {
      seq,
      nowNs,
      bootMs: Date.now() - uptimeS * 1000,
      uptimeS,
      hz,
      pageSize,
      threads,
      entries,
      waits: b?.waits ?? null,
      exits,
      mapFull: b?.mapFull ?? 0,
      exitsLost: b?.exitsLost ?? 0,
    };
  };
}

const f1 = (v: number | null): string => (v === null ? '-' : v.toFixed(1));

/** top's TIME+: minutes:seconds.hundredths, hours past an hour. */
export function cpuTime(s: number): string {
  if (!Number.isFinite(s)) return '-';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}`;
  return `${m}:${sec.toFixed(2).padStart(5, '0')}`;
}

function startText(epochS: number, nowS: number): string {
  const d = new Date(epochS * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  // Today's: the time; older: the date (as ps's START).
  if (nowS - epochS < 86_400) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.toLocaleString('en', { month: 'short' })}${pad(d.getDate())}`;
}

/** One row for a group of processes (a cgroup's): CPU, memory, faults, switches, I/O and waits summed. */
export function mergeProcs(rows: readonly ProcsRow[]): ProcsRow {
  const first = rows[0]!;
  const rate = (f: (r: ProcsRow) => number | null): number | null => sumRate(rows, f);
  return {
    ...first,
    threads: sumOf(rows, (r) => r.threads),
    cpu_pct: rate((r) => r.cpu_pct),
    usr_pct: rate((r) => r.usr_pct),
    sys_pct: rate((r) => r.sys_pct),
    cpu_s: rate((r) => r.cpu_s),
    cpu_time_s: sumOf(rows, (r) => r.cpu_time_s),
    rss_bytes: sumOf(rows, (r) => r.rss_bytes),
    rss_growth: rate((r) => r.rss_growth),
    minflt: rate((r) => r.minflt),
    majflt: rate((r) => r.majflt),
    vcsw: rate((r) => r.vcsw),
    nvcsw: rate((r) => r.nvcsw),
    read_bytes: rate((r) => r.read_bytes),
    write_bytes: rate((r) => r.write_bytes),
    wait_ns: rate((r) => r.wait_ns),
    waits: rate((r) => r.waits),
    wait_pct: rate((r) => r.wait_pct),
    wait_p99_ns: null,
    exited: rows.every((r) => r.exited),
    quiet: rows.every((r) => r.quiet),
    max_rss_bytes: null,
  };
}

const pctCol = (key: 'cpu_pct' | 'usr_pct' | 'sys_pct' | 'wait_pct', title: string, help: string, drop?: number): Column<ProcsRow> => ({
  key,
  title,
  width: 6,
  align: 'right',
  ...(drop !== undefined ? { drop } : {}),
  value: (r) => r[key],
  format: (v) => percent(asNumber(v)),
  help,
});

const perInterval = (
  key: 'minflt' | 'majflt' | 'vcsw' | 'nvcsw' | 'read_bytes' | 'write_bytes',
  title: string,
  help: string,
  drop: number,
): Column<ProcsRow> => ({
  key,
  title,
  width: 7,
  align: 'right',
  drop,
  perInterval: true,
  unit: key.endsWith('bytes') ? 'bytes' : 'count',
  value: (r) => r[key],
  format: key.endsWith('bytes') ? (v) => humanBytes(asNumber(v)) : (v) => humanCount(asNumber(v)),
  help,
  decimals: 0,
});

export function procsSummary(rows: readonly ProcsRow[], stats: PanelStats): Summary {
  let cpu = 0;
  let exitedCpu = 0;
  let top: ProcsRow | undefined;
  let waiter: ProcsRow | undefined;
  for (const r of rows) {
    cpu += r.cpu_pct ?? 0;
    if (r.exited && !r.quiet) exitedCpu += r.cpu_pct ?? 0;
    if ((r.cpu_pct ?? -1) > (top?.cpu_pct ?? -1)) top = r;
    if ((r.wait_ns ?? -1) > (waiter?.wait_ns ?? -1)) waiter = r;
  }
  const n = (k: string): number => stats[k] ?? 0;
  const bpf = (stats.bpf ?? 0) > 0;
  let text =
    `${n('processes')} processes, ${n('threads')} threads (${n('running')} R, ${n('blocked')} D, ${n('zombies')} Z), CPU ${f1(cpu)} %` +
    (bpf ? `, ${n('exited')} ended (${f1(exitedCpu)} % CPU)` : '') +
    (top && (top.cpu_pct ?? 0) > 0 ? `; top ${top.comm} ${top.pid} ${f1(top.cpu_pct)} %` : '') +
    (bpf && waiter && (waiter.wait_ns ?? 0) > 0
      ? `; waits most ${waiter.comm} ${waiter.pid} ${humanNs(waiter.wait_ns)} (p99 ≤${humanNs(waiter.wait_p99_ns)})`
      : '') +
    (bpf ? '' : '; waits and ended processes need BPF');
  const lost = n('exits_lost') + n('map_full_drops');
  if (lost > 0) text += ` [${n('exits_lost')} exits and ${n('map_full_drops')} wake-ups not recorded]`;
  return {
    text,
    values: {
      processes: n('processes'),
      threads: n('threads'),
      running: n('running'),
      cpu_pct: cpu,
      exited: bpf ? n('exited') : null,
      top_pid: top?.pid ?? null,
      top_cpu_pct: top?.cpu_pct ?? null,
      top_wait_pid: bpf ? (waiter?.pid ?? null) : null,
      top_wait_ns: bpf ? (waiter?.wait_ns ?? null) : null,
    },
    ...(lost > 0 ? { warning: true } : {}),
  };
}

export const procsPanel: PanelDef<ProcsSample, ProcsRow> = {
  id: 'procs',
  title: 'procs',
  // A wait is a wake-up (or a preemption) and a switch, two program runs of about 200 ns each on the reference machine
  // (bench/tier-cost.mjs, bench/RESULTS.md).
  costEstimate: { nsPerEvent: 400, events: (rows) => rows.reduce((s, r) => s + (r.waits ?? 0), 0) },
  source: {
    kind: 'bpf',
    stem: 'procs',
    tiers: TIERS,
    records: PROCS_RECORDS,
    mapSizes: (host) => ({ procs_waits: threadMapSize(host) }),
    createReader: (obj: BpfObject<Maps>, layouts, host) => createProcsReader(host, obj, layouts as Record<keyof typeof PROCS_RECORDS, RecordLayout>),
    withoutBpf: (host) => createProcsReader(host, null, null),
  },
  hookList: [...TIERS, { name: 'proc', hooks: '/proc/PID/{stat,status,io,cmdline} only (without BPF: no waits, no ended processes)' }],
  derive: deriveProcs,
  stats: (sample, previous) => ({
    ...procsTotals(sample),
    bpf: sample.waits ? 1 : 0,
    map_full_drops: Math.max(0, sample.mapFull - (previous?.mapFull ?? 0)),
    map_full_drops_total: sample.mapFull,
    exits_lost: Math.max(0, sample.exitsLost - (previous?.exitsLost ?? 0)),
    exits_lost_total: sample.exitsLost,
  }),
  summarize: (rows, stats) => procsSummary(rows, stats),
  trend: (row) => row.cpu_pct,
  trendOf: { label: 'CPU % (100 = one CPU)', format: (v) => `${v.toFixed(0)}%` },
  quiet: (row) => row.exited,
  signals: true,
  // Enter: the process's profile (its stacks, its flame graph), one process's rows; i: its detail.
  drill: () => [profilePanel.id],
  drillView: (r) => ({ pid: r.tgid || r.pid }),
  // A process under its parent (a thread under its process); a subtree's CPU and memory summed.
  tree: { parent: (r) => String(r.tgid !== r.pid ? r.tgid : r.ppid), name: 'comm', sums: { cpu_pct: 'SUB%', rss_bytes: 'SUBRSS' } },
  tone: (row) => ((row.wait_pct ?? 0) >= 50 ? 'bad' : (row.wait_pct ?? 0) >= 10 ? 'look' : null),
  columns: [
    pidColumn<ProcsRow>('process id (with H: the thread id)'),
    {
      key: 'user',
      title: 'USER',
      width: 8,
      minWidth: 6,
      drop: 4,
      align: 'left',
      value: (r) => r.user,
      format: (v) => String(v),
      help: 'effective user (/etc/passwd; a uid without a name shows as the number)',
    },
    {
      key: 'state',
      title: 'S',
      width: 6,
      minWidth: 3,
      align: 'left',
      value: (r) => r.state,
      format: (v, r) => (r.exited ? `X ${(r.exit_status ?? '').replace(/^exit /, '').replace(/^SIG/, '')}` : String(v)),
      help: 'R running or runnable, S sleeping, D uninterruptible (I/O), Z zombie, T stopped, I idle kernel thread; X: ended in the interval (its exit status or the signal that ended it), dimmed',
    },
    {
      key: 'threads',
      title: 'THR',
      width: 4,
      drop: 5,
      align: 'right',
      value: (r) => r.threads,
      format: (v, r) => (r.exited ? '-' : String(v)),
      help: 'threads',
      decimals: 0,
    },
    pctCol('cpu_pct', 'CPU%', 'CPU in the interval, 100 = one CPU (user + system, from /proc/PID/stat; an ended process: its exact on-CPU time at exit)'),
    pctCol('usr_pct', 'USR%', 'user time, 100 = one CPU', 7),
    pctCol('sys_pct', 'SYS%', 'system time, 100 = one CPU', 7),
    pctCol(
      'wait_pct',
      'WAIT%',
      'time runnable but waiting for a CPU in the interval (threads summed: 200 = two threads waiting throughout), from the scheduler tracepoints (schedstat run_delay)',
    ),
    {
      key: 'wait_p99_ns',
      title: 'P99',
      width: 7,
      align: 'right',
      drop: 3,
      unit: 'latency',
      value: (r) => r.wait_p99_ns,
      format: (v) => (v === null ? '-' : `≤${humanNs(asNumber(v))}`),
      help: '99th percentile of its run-queue waits that ended in the interval (the upper bound of its log2 slot: within 2×)',
    },
    {
      key: 'cpu_time_s',
      title: 'TIME+',
      width: 9,
      drop: 2,
      align: 'right',
      value: (r) => r.cpu_time_s,
      format: (v) => cpuTime(asNumber(v) ?? NaN),
      help: 'CPU time since it started, user + system (minutes:seconds)',
    },
    {
      key: 'rss_bytes',
      title: 'RSS',
      width: 6,
      align: 'right',
      unit: 'bytes',
      value: (r) => r.rss_bytes,
      format: (v, r) => (r.exited ? humanBytes(r.max_rss_bytes) : humanBytes(asNumber(v))),
      help: 'resident memory (an ended process: its peak, as getrusage gives it)',
      decimals: 0,
    },
    {
      key: 'rss_growth',
      title: 'ΔRSS',
      width: 6,
      drop: 3,
      align: 'right',
      unit: 'bytes',
      value: (r) => r.rss_growth,
      format: (v) => {
        const n = asNumber(v);
        return n === null ? '-' : n > 0 ? `+${humanBytes(n)}` : humanBytes(n);
      },
      help: 'RSS growth in the interval (negative: it shrank)',
      decimals: 0,
    },
    perInterval('minflt', 'MINFLT', 'minor page faults (no disk read)', 6),
    perInterval('majflt', 'MAJFLT', 'major page faults (read from disk or swap)', 4),
    perInterval('vcsw', 'CSW', 'voluntary context switches (it blocked; by threads: the first thread of each process only)', 6),
    perInterval('nvcsw', 'NVCSW', 'involuntary context switches (it was preempted; by threads: the first thread only)', 5),
    perInterval('read_bytes', 'READ', 'bytes it made the storage layer read (/proc/PID/io read_bytes)', 3),
    perInterval('write_bytes', 'WRITE', 'bytes it made the storage layer write (/proc/PID/io write_bytes)', 3),
    {
      key: 'start_s',
      title: 'START',
      width: 5,
      drop: 8,
      align: 'right',
      value: (r) => r.start_s,
      format: (v) => startText(asNumber(v) ?? 0, Date.now() / 1000),
      help: 'when it started (today: the time; before: the date)',
      decimals: 0,
    },
    commColumn<ProcsRow>('command name (the full command line is in the detail view)'),
    workloadColumn<ProcsRow>(5),
    cgroupColumn<ProcsRow>(9),
  ],
  cgroupOf: (r) => r.cgroup || null,
  groupings: [
    byCgroup(mergeProcs, ['pid', 'user', 'state', 'nice', 'start_s', 'comm', 'wait_p99_ns'], (r) => `${r.pid} ${r.comm}`, [
      'process',
      'command line',
      'state',
      'started',
    ]),
  ],
  defaultSort: { key: 'cpu_pct', descending: true },
  detail: [
    {
      label: 'process',
      value: (r) => `${r.pid}${r.tgid !== r.pid ? ` (thread of ${r.tgid})` : ''}, parent ${r.ppid}, user ${r.user}${r.kernel ? ', kernel thread' : ''}`,
    },
    { label: 'command line', value: (r) => r.cmdline || `[${r.comm}]` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
    {
      label: 'state',
      value: (r) => (r.exited ? `ended: ${r.exit_status}, after ${r.lifetime_s?.toFixed(3)} s` : `${r.state}, ${r.threads} threads, nice ${r.nice}`),
    },
    { label: 'CPU', value: (r) => `${percent(r.cpu_pct)} % (user ${percent(r.usr_pct)}, system ${percent(r.sys_pct)}), ${cpuTime(r.cpu_time_s)} in all` },
    {
      label: 'waiting for a CPU',
      value: (r) =>
        r.wait_ns === null
          ? 'needs BPF'
          : `${humanNs(r.wait_ns)} in ${r.waits ?? 0} waits (${percent(r.wait_pct)} % of the interval), p99 ≤ ${humanNs(r.wait_p99_ns)}`,
    },
    {
      label: 'memory',
      value: (r) =>
        r.exited
          ? `peak RSS ${humanBytes(r.max_rss_bytes)}`
          : `RSS ${humanBytes(r.rss_bytes)} (${r.rss_growth === null ? '-' : humanBytes(r.rss_growth)} in the interval)`,
    },
    { label: 'faults', value: (r) => `${r.minflt ?? '-'} minor, ${r.majflt ?? '-'} major in the interval` },
    { label: 'context switches', value: (r) => `${r.vcsw ?? '-'} voluntary, ${r.nvcsw ?? '-'} involuntary in the interval` },
    { label: 'storage I/O', value: (r) => `read ${humanBytes(r.read_bytes)}, written ${humanBytes(r.write_bytes)} in the interval` },
    { label: 'started', value: (r) => new Date(r.start_s * 1000).toISOString() },
  ],
  drops: [MAP_FULL, EXITS_LOST, BPF_MISSED],
  metrics: {
    families: {
      cpu: { name: 'sixty_procs_cpu_seconds_total', help: 'CPU time of processes, by process name (ended ones included).', type: 'counter' },
      wait: { name: 'sixty_procs_runqueue_wait_seconds_total', help: 'Time processes spent runnable but waiting for a CPU, by process name.', type: 'counter' },
      rss: { name: 'sixty_procs_resident_bytes', help: 'Resident memory of processes, by process name.', type: 'gauge' },
      exits: { name: 'sixty_procs_exits_total', help: 'Processes that ended, by process name.', type: 'counter' },
    },
    fold(panel, sink) {
      const rows = panel.rows as unknown as readonly Record<string, unknown>[];
      const labelOf = sink.processLabels(busyByName(rows, cpuThenMemory));
      // What the sums need, not a copy of each row (a loop: an arrow made per call is compiled again after each major GC).
      const live: { comm: unknown; cpu_s: number; wait_s: number; rss_bytes: unknown; exits: number }[] = [];
      for (const r of rows)
        live.push({ comm: r.comm, cpu_s: num(r.cpu_s), wait_s: num(r.wait_ns) / 1e9, rss_bytes: r.rss_bytes, exits: r.exited && !r.quiet ? 1 : 0 });
      for (const { labels, sums } of sumByProcess(live, ['cpu_s', 'wait_s', 'rss_bytes', 'exits'] as const, labelOf)) {
        sink.add('cpu', labels, sums.cpu_s);
        sink.add('wait', labels, sums.wait_s);
        sink.gauge('rss', labels, sums.rss_bytes);
        sink.add('exits', labels, sums.exits);
      }
    },
  },
  blindSpots:
    "CPU % comes from utime and stime, which the kernel samples at each tick: a process that runs between ticks is seen only in proportion. Processes that start and end between two readings are seen only with BPF (the exit hook), with their exact CPU time; without BPF (no root) they are missed, as top misses them. Waits are counted per thread from its wake-up or preemption to its switch onto a CPU; a thread woken before sixty attached is first counted at its next wake-up. A thread id reused within one interval would mix two threads. /proc/PID/io needs the right to trace the process: for other users' processes without privilege it shows -. Ticks are USER_HZ (100 a second), so CPU % over one second has a resolution of 1 %.",
};
