/**
 * The execsnoop panel: which processes are being started, by whom, with what arguments and result, and how long
 * they lived (the seed's execsnoop, with exitsnoop's half). Events cross through a ring buffer; every one the ring or
 * sixty's rate bound turned away is counted. Two views: the execs of the interval per (parent, command), and `v`,
 * the recent execs one per line.
 */
import { constants } from 'node:os';
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import { decodeCounterArray, type RecordLayout } from '../records/layout.js';
import { decodeExecsnoop, EXECSNOOP_RECORDS } from '../records/execsnoop.js';
import { errnoName, ringRecords } from '../records/ring.js';
import {
  argvText,
  deriveExecsnoop,
  exitText,
  markPathSearches,
  type ExecEvent,
  type ExecsnoopRow,
  type ExecsnoopSample,
  type ExitSeen,
} from '../models/execsnoop.js';
import { humanCount, humanNs } from '../format.js';
import type { BpfObject } from '../native.js';
import { byCgroup, type Grouping } from './group.js';
import {
  asNumber,
  BPF_MISSED,
  type Column,
  type DropCounter,
  type EventsSpec,
  type HostInfo,
  type PanelDef,
  type PanelStats,
  type Summary,
  type Tier,
} from './types.js';
import { clock, countColumn, keepRecent, lostEvents, lostText, RATE_DROPPED, RING_FULL, ringMapSize, ringStats, STAGING_BYTES, timeColumn } from './events.js';
import { busyByName, num, sumByProcess } from './metric-kit.js';
import { execsnoop as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.execsnoop_stat;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: [
      'execsnoop_enter_execve',
      'execsnoop_enter_execveat',
      'execsnoop_exec_tp',
      'execsnoop_exit_execve',
      'execsnoop_exit_execveat',
      'execsnoop_exit_tp',
    ],
    hooks: 'tracepoint syscalls:sys_enter_execve(at) + sched:sched_process_exec + sys_exit_execve(at) + sched:sched_process_exit',
  },
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['execsnoop_exec_btf', 'execsnoop_exit_btf'],
    hooks: 'tp_btf sched_process_exec + sched_process_exit (successful execs only)',
    traits: ['successes-only'],
  },
];

/** The recent execs the panel keeps (the `v` view's scrollback). */
export const RECENT_EXECS = 1000;
/** Processes followed from their exec to their exit on the user side (the kernel follows as many in execsnoop_live). */
const LIVE_MAX = 65536;
/** Execs whose exit cannot be followed (no room in the kernel's maps). */
const UNFOLLOWED: DropCounter = { key: 'map_full_drops', total: 'map_full_drops_total', reason: 'map_full_drops', shown: 'execs not followed' };

const SIGNALS = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));
export const signalName = (n: number): string => SIGNALS.get(n) ?? `signal ${n}`;

/** Reads the ring: decodes each event, joins exits to their execs, and keeps the scrollback. */
export function createExecsnoopReader(
  obj: BpfObject<Maps>,
  layouts: Readonly<Record<'exec' | 'exit' | 'stat', RecordLayout>>,
  host: HostInfo,
): () => ExecsnoopSample {
  obj.openRing('execsnoop_events', { maxBytes: STAGING_BYTES });
  const cgroupOf = createCgroupNamer(host);
  const live = new Map<number, ExecEvent>();
  let recent: ExecEvent[] = [];
  let seq = 0;
  return () => {
    const take = obj.takeRing('execsnoop_events');
    const stats = decodeCounterArray(obj.readMap('execsnoop_stats'), layouts.stat, 'execsnoop_stats');
    const offsetMs = Date.now() - host.nowNs() / 1e6;
    const execs: ExecEvent[] = [];
    const exits: ExitSeen[] = [];
    const ended = new Map<number, ExecEvent>();
    for (const buf of ringRecords(take)) {
      const rec = decodeExecsnoop(buf, { exec: layouts.exec, exit: layouts.exit });
      if (!rec) continue;
      const cg = cgroupOf(rec.cgid);
      if (rec.kind === 'exec') {
        const ev: ExecEvent = {
          id: `e${++seq}`,
          seq,
          time_ms: Math.round(offsetMs + rec.tsNs / 1e6),
          pid: rec.pid,
          ppid: rec.ppid,
          uid: rec.uid,
          comm: rec.comm,
          pcomm: rec.pcomm,
          filename: rec.filename,
          args: argvText(rec.argv),
          argc: rec.argv.length,
          truncated: rec.truncated,
          unread: rec.unread,
          ret: rec.noResult ? null : rec.retval,
          error: rec.retval < 0 ? errnoName(-rec.retval) : '',
          searched: false,
          call_ns: rec.noResult ? null : rec.callNs,
          exit_status: null,
          exit: '',
          life_ns: null,
          cgroup: cg.cgroup,
          workload: cg.workload,
        };
        execs.push(ev);
        if (rec.retval === 0) {
          live.delete(rec.pid);
          live.set(rec.pid, ev);
          if (live.size > LIVE_MAX) live.delete(live.keys().next().value as number);
        }
      } else {
        const ev = live.get(rec.pid);
        live.delete(rec.pid);
        const who = ev ?? { ppid: rec.ppid, pcomm: rec.pcomm, comm: rec.comm, uid: rec.uid, cgroup: cg.cgroup, workload: cg.workload };
        exits.push({
          ppid: who.ppid,
          pcomm: who.pcomm,
          comm: who.comm,
          uid: who.uid,
          status: rec.status,
          lifeNs: rec.lifeNs,
          cgroup: who.cgroup,
          workload: who.workload,
        });
        if (ev) ended.set(ev.seq, { ...ev, exit_status: rec.status, exit: exitText(rec.status, signalName), life_ns: rec.lifeNs });
      }
    }
    const final = (e: ExecEvent): ExecEvent => ended.get(e.seq) ?? e;
    const now = markPathSearches(execs.map(final));
    recent = keepRecent(ended.size ? recent.map(final) : recent, now, RECENT_EXECS);
    return {
      execs: now,
      exits,
      recent,
      ringFull: stats[STAT.RING_FULL] ?? 0,
      mapFull: stats[STAT.MAP_FULL] ?? 0,
      rateDropped: take.dropped,
    };
  };
}

export function execsnoopStats(sample: ExecsnoopSample, previous: ExecsnoopSample | undefined): Record<string, number> {
  let failed = 0;
  let searched = 0;
  for (const e of sample.execs) {
    if (e.searched) searched++;
    else if (e.ret !== null && e.ret !== 0) failed++;
  }
  return {
    execs: sample.execs.length - searched,
    failed,
    path_searched: searched,
    exits: sample.exits.length,
    ...ringStats(sample, previous),
  };
}

/** "37 execs/s (2 failed), most: cron → sh 30/s; 12 exited, mean life 4.1ms" */
export function execsnoopSummary(rows: readonly ExecsnoopRow[], stats: PanelStats, elapsedNs: number): Summary {
  const per = (n: number): number | null => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : null);
  const execs = num(stats.execs);
  const failed = num(stats.failed);
  const lost = lostEvents(stats);
  let top: ExecsnoopRow | undefined;
  let lifeSum = 0;
  let exits = 0;
  for (const r of rows) {
    if (r.execs > (top?.execs ?? 0)) top = r;
    if (r.life_avg_ns !== null) {
      lifeSum += r.life_avg_ns * r.exits;
      exits += r.exits;
    }
  }
  const rate = per(execs);
  const text =
    `${humanCount(rate === null ? null : Math.round(rate))} execs/s` +
    (failed ? ` (${failed} failed)` : '') +
    (num(stats.path_searched) ? ` and ${num(stats.path_searched)} PATH lookups that found their command (not counted as failures)` : '') +
    (top ? `, most: ${top.pcomm} → ${top.comm} ${humanCount(Math.round(per(top.execs) ?? 0))}/s` : '') +
    `; ${exits} ended` +
    (exits ? `, mean life ${humanNs(lifeSum / exits)}` : '') +
    lostText(lost);
  return {
    text,
    values: { execs_per_s: rate, failed_per_s: per(failed), exits_per_s: per(num(stats.exits)), mean_life_ns: exits ? lifeSum / exits : null, lost },
    ...(lost ? { warning: true } : {}),
  };
}

const argsColumn = <R extends { args?: string; last_args?: string }>(key: 'args' | 'last_args', help: string): Column<R> => ({
  key,
  title: key === 'args' ? 'ARGS' : 'LAST ARGS',
  width: 40,
  minWidth: 12,
  maxWidth: 400,
  align: 'left',
  keep: 'start',
  value: (r) => r[key] ?? '',
  format: (v, r) => `${String(v)}${(r as { truncated?: boolean }).truncated ? ' …' : ''}`,
  help,
});

const sum = (rows: readonly ExecsnoopRow[], k: 'execs' | 'failed' | 'exits' | 'exit_errors'): number => rows.reduce((a, r) => a + r[k], 0);

function mergeRows(rows: readonly ExecsnoopRow[]): ExecsnoopRow {
  const first = rows[0]!;
  const exits = sum(rows, 'exits');
  const life = rows.reduce((a, r) => a + (r.life_avg_ns ?? 0) * r.exits, 0);
  const last = rows.reduce((a, r) => (r.pid > a.pid ? r : a), first);
  return {
    ...first,
    execs: sum(rows, 'execs'),
    failed: sum(rows, 'failed'),
    exits,
    exit_errors: sum(rows, 'exit_errors'),
    life_avg_ns: exits ? life / exits : null,
    last_args: last.last_args,
    last_error: last.last_error,
  };
}

const GROUPINGS: readonly Grouping<ExecsnoopRow>[] = [
  {
    name: 'parent',
    by: ['ppid', 'pcomm'],
    key: (r) => `${r.ppid}/${r.pcomm}`,
    merge: mergeRows,
    hide: ['comm', 'last_args', 'uid', 'workload', 'cgroup'],
    member: (r) => r.comm,
  },
  {
    name: 'command',
    by: ['comm'],
    key: (r) => r.comm,
    merge: mergeRows,
    hide: ['ppid', 'pcomm', 'last_args', 'uid', 'workload', 'cgroup'],
    member: (r) => `${r.pcomm} ${r.ppid}`,
  },
  byCgroup(mergeRows, ['ppid', 'pcomm', 'comm', 'last_args', 'uid'], (r) => `${r.pcomm} → ${r.comm}`),
];

const resultText = (e: ExecEvent): string => (e.ret === null ? 'ok' : e.ret === 0 ? '0' : `${e.ret} ${e.error}`);

export const EXEC_EVENTS: EventsSpec<ExecEvent> = {
  noun: 'exec',
  order: (e) => e.seq,
  help: `the last ${RECENT_EXECS} execs, newest first, each with its result and, once its process ended, its exit status and lifetime`,
  defaultSort: { key: 'seq', descending: true },
  columns: [
    timeColumn<ExecEvent>('when it exec’d (local time, ms)'),
    pidColumn<ExecEvent>('the process that exec’d'),
    { key: 'ppid', title: 'PPID', width: 7, align: 'right', ascending: true, value: (e) => e.ppid, format: (v) => String(v), help: 'its parent' },
    commColumn<ExecEvent>('its name after the exec (before it, for one that failed)'),
    {
      key: 'ret',
      title: 'RET',
      width: 9,
      align: 'right',
      value: (e) => e.ret,
      format: (_v, e) => resultText(e),
      help: 'the exec’s result: 0, or -errno and its name; "ok" where the tier sees successes only',
    },
    {
      key: 'exit',
      title: 'EXIT',
      width: 9,
      align: 'left',
      value: (e) => e.exit,
      format: (v) => String(v || '-'),
      help: 'how its process ended (exit N, or the signal), once it has',
    },
    {
      key: 'life_ns',
      title: 'LIFE',
      width: 7,
      align: 'right',
      unit: 'latency',
      value: (e) => e.life_ns,
      format: (v) => (asNumber(v) === null ? '-' : humanNs(asNumber(v))),
      help: 'from its exec to its exit',
      decimals: 0,
    },
    argsColumn<ExecEvent>('args', 'argv, escaped, with quotes where an argument has spaces; "…" where the kernel side kept only part'),
    workloadColumn<ExecEvent>(5),
    cgroupColumn<ExecEvent>(6),
  ],
  detail: [
    { label: 'exec', value: (e) => `${clock(e.time_ms)} pid ${e.pid} (${e.comm}), parent ${e.ppid} (${e.pcomm}), uid ${e.uid}` },
    { label: 'file', value: (e) => e.filename || '-' },
    {
      label: 'argv',
      value: (e) =>
        e.unread
          ? `${e.args || '-'} (what the caller's memory gave: a failed exec's strings not mapped in yet cannot be read by BPF)`
          : `${e.args}${e.truncated ? ' …(cut)' : ''} (${e.argc} kept)`,
    },
    { label: 'result', value: (e) => `${resultText(e)}${e.call_ns !== null ? `, the call took ${humanNs(e.call_ns)}` : ''}` },
    { label: 'ended', value: (e) => (e.exit ? `${e.exit} after ${humanNs(e.life_ns)}` : 'still running, or its end was not seen') },
    { label: 'cgroup', value: (e) => (e.cgroup ? `${e.cgroup} (${e.workload})` : '-') },
  ],
  cgroupOf: (e) => e.cgroup || null,
  tone: (e) => (e.ret !== null && e.ret !== 0 && !e.searched ? 'bad' : e.exit_status ? 'look' : null),
};

export const execsnoopPanel: PanelDef<ExecsnoopSample, ExecsnoopRow> = {
  id: 'execsnoop',
  title: 'execsnoop',
  source: {
    kind: 'bpf',
    stem: 'execsnoop',
    tiers: TIERS,
    mapSizes: ringMapSize('execsnoop_events'),
    records: EXECSNOOP_RECORDS,
    cgroupFilter: true,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createExecsnoopReader(obj, layouts, host),
  },
  hookList: TIERS,
  derive: deriveExecsnoop,
  stats: execsnoopStats,
  summarize: execsnoopSummary,
  trend: (r) => r.execs,
  trendOf: { label: 'execs per interval' },
  recentEvents: (sample) => [...sample.recent].reverse(),
  events: EXEC_EVENTS,
  columns: [
    {
      key: 'ppid',
      title: 'PPID',
      width: 7,
      align: 'right',
      ascending: true,
      value: (r) => r.ppid,
      format: (v) => String(v),
      help: 'the parent that started them',
    },
    {
      key: 'pcomm',
      title: 'PARENT',
      width: 14,
      minWidth: 8,
      align: 'left',
      value: (r) => r.pcomm,
      format: (v) => String(v),
      help: "the parent's name",
    },
    commColumn<ExecsnoopRow>('what the execs became (the name after the exec)'),
    countColumn('execs', 'EXEC', 'execs in the interval, per second in the table'),
    countColumn('failed', 'FAIL', 'of those, failed (ENOENT, EACCES, …): the last error is in the detail view'),
    countColumn('exits', 'END', 'processes of this parent and command that ended in the interval'),
    countColumn('exit_errors', 'ERR', 'of those, with a non-zero status or killed by a signal'),
    {
      key: 'life_avg_ns',
      title: 'LIFE',
      width: 7,
      align: 'right',
      unit: 'latency',
      value: (r) => r.life_avg_ns,
      format: (v) => (asNumber(v) === null ? '-' : humanNs(asNumber(v))),
      help: 'the mean lifetime of those that ended (from exec to exit)',
      decimals: 0,
    },
    argsColumn<ExecsnoopRow>('last_args', 'the last exec’s argv (every one: `v`, the recent execs)'),
    workloadColumn<ExecsnoopRow>(5),
    cgroupColumn<ExecsnoopRow>(6),
  ],
  defaultSort: { key: 'execs', descending: true },
  detail: [
    { label: 'parent', value: (r) => `${r.pcomm} (pid ${r.ppid})` },
    { label: 'command', value: (r) => `${r.comm}, last pid ${r.pid || '-'}, uid ${r.uid}` },
    { label: 'execs', value: (r) => `${r.execs} in the interval, ${r.failed} failed${r.last_error ? ` (last: ${r.last_error})` : ''}` },
    { label: 'ended', value: (r) => `${r.exits}, ${r.exit_errors} with an error${r.life_avg_ns !== null ? `, mean life ${humanNs(r.life_avg_ns)}` : ''}` },
    { label: 'last argv', value: (r) => r.last_args || '-' },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
  ],
  groupings: GROUPINGS,
  cgroupOf: (r) => r.cgroup || null,
  tone: (r) => (r.failed > 0 ? 'bad' : r.exit_errors > 0 ? 'look' : null),
  drops: [RING_FULL, RATE_DROPPED, UNFOLLOWED, BPF_MISSED],
  // One exec is an enter and an exit run reading argv (about 2 µs together, bench/event-cost.mjs), and its exit one more.
  costEstimate: { nsPerEvent: 2500, events: (_rows, stats) => num(stats.execs) + num(stats.exits) },
  metrics: {
    families: {
      execs: { name: 'sixty_execs_total', help: 'Execs, by the name they took (the busiest; the rest as comm="(other processes)").', type: 'counter' },
      failed: { name: 'sixty_exec_failures_total', help: 'Execs that failed, by the name of the process that tried.', type: 'counter' },
      exits: { name: 'sixty_exec_exits_total', help: 'Processes whose exec sixty saw that ended, by name.', type: 'counter' },
    },
    fold(panel, sink) {
      const rows = panel.rows as unknown as readonly Record<string, unknown>[];
      const labelOf = sink.processLabels(busyByName(rows, (r) => num(r.execs)));
      for (const { labels, sums } of sumByProcess(rows, ['execs', 'failed', 'exits'] as const, labelOf)) {
        sink.add('execs', labels, sums.execs);
        sink.add('failed', labels, sums.failed);
        sink.add('exits', labels, sums.exits);
      }
    },
  },
  blindSpots:
    'A process that forks without exec (a shell running a builtin in a subshell) is not an exec. A successful exec’s file name and argv are the kernel’s own copies, taken as it succeeds (argv from the new image, at most 1 KiB: the row says when it was cut); a program that rewrites its argv later is not seen doing it. A failed exec’s are read from the caller’s memory as the call returns, at most 32 arguments of 256 bytes (the kernel has usually mapped the pages in by then, having read them itself; where it has not, BPF cannot fault them in, and the detail view says they could not be read). The tp_btf tier sees execs as they succeed: failed execs are not seen. Exits are followed for processes whose exec was seen; a process that execs again is timed from its latest exec. The events cross through a 4 MiB ring buffer drained every 25 ms (every 100 ms while it stays empty); when it is full, or more than 8 MiB of events arrive within one interval, the events are counted as lost and the summary says so.',
};
