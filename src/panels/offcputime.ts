/**
 * The offcputime panel: where the waiting goes. Every time a thread blocks (sched_switch leaving it asleep), its kernel
 * and user stacks are taken; when it runs again the time since is added to (process, stack, state, waker). Rows are
 * those stacks with their time blocked; `v` lists the top functions, `f` draws the flame graph (widths: time blocked),
 * `K` lists kernel threads too (left out at start: they block by design).
 */
import type { BpfObject } from '../native.js';
import { humanCount, humanNs, percent } from '../format.js';
import { STACK_RECORDS, type StackLayouts } from '../records/stacks.js';
import { deriveStacks, foldedStacks, SCHEDULER, topFunctions, weightOf, type StackRow, type StackSample } from '../models/stacks.js';
import {
  createStackReader,
  cutColumn,
  lostWords,
  pctColumn,
  stackColumn,
  stackDetail,
  stackIdentityColumns,
  stackStatsOf,
  stackTailColumns,
} from './stacks.js';
import { functionsView } from './profile.js';
import { asNumber, BPF_MISSED, MAP_FULL, type PanelDef, type PanelStats, type Summary, type Tier } from './types.js';
import { offcputime as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

/** Kernel threads listed (`K`): the reader reads it at every reading. */
export const offcputimeView = { kthreads: false };

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['offcputime_switch_btf', 'offcputime_waking_btf', 'offcputime_exit_btf'],
    hooks: 'tp_btf sched_switch (the stacks of the thread leaving, its time when it comes back), sched_waking (its waker), sched_process_exit',
  },
  {
    name: 'raw_tp',
    types: ['raw_tp'],
    programs: ['offcputime_switch_raw', 'offcputime_waking_raw', 'offcputime_exit_raw'],
    hooks: 'raw_tp sched_switch, sched_waking, sched_process_exit',
  },
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: ['offcputime_switch_tp', 'offcputime_waking_tp', 'offcputime_exit_tp'],
    hooks: 'tracepoint sched:sched_switch, sched:sched_waking, sched:sched_process_exit',
  },
];

export function offcputimeSummary(rows: readonly StackRow[], stats: PanelStats, tickNs: number): Summary {
  const elapsedNs = stats.window_ns || tickNs;
  const blocked = rows.reduce((a, r) => a + r.ns, 0);
  const waits = rows.reduce((a, r) => a + r.samples, 0);
  const threads = elapsedNs > 0 ? blocked / elapsedNs : null;
  const fns = topFunctions(rows, SCHEDULER);
  let top: StackRow | undefined;
  for (const r of rows) if (r.ns > (top?.ns ?? 0)) top = r;
  const lost = lostWords(stats);
  const text =
    `${humanCount(waits)} waits, ${humanNs(blocked)} blocked (${threads === null ? '-' : threads.toFixed(2)} threads asleep on average)` +
    (top ? `; longest ${top.comm} (${top.pid}) in ${top.leaf} ${humanNs(top.ns)}` : '') +
    (fns[0] ? `; most in ${fns[0].name} ${percent(fns[0].self_pct)}%` : '') +
    lost;
  return { text, values: { waits, blocked_ns: blocked, threads_blocked: threads }, ...(lost ? { warning: true } : {}) };
}

export const offcputimePanel: PanelDef<StackSample, StackRow> = {
  id: 'offcputime',
  title: 'offcputime',
  // A context switch's run: 3.0–3.2 µs on every tier, two stack walks of the thread leaving (bench/tier-cost.mjs).
  costEstimate: { nsPerEvent: 3100, events: (_rows, stats) => 2 * (stats.samples ?? 0) },
  // Its hook runs at every context switch: attached while on screen (or from start with --panels).
  attach: 'on-screen',
  source: {
    kind: 'bpf',
    stem: 'offcputime',
    tiers: TIERS,
    records: STACK_RECORDS,
    cgroupFilter: true,
    createReader: (obj: BpfObject<Maps>, layouts, host) =>
      createStackReader(obj, layouts as StackLayouts, host, {
        kind: 'offcpu',
        maps: { counts: 'offcputime_counts', stacks: 'offcputime_stack_map', stats: 'offcputime_stats' },
        kthreads: () => offcputimeView.kthreads,
      }),
  },
  hookList: TIERS,
  derive: deriveStacks('offcpu'),
  stats: stackStatsOf,
  summarize: offcputimeSummary,
  trend: (r) => r.ns,
  trendOf: { label: 'time blocked per interval', format: (v) => humanNs(v) },
  columns: [
    ...stackIdentityColumns<StackRow>(),
    pctColumn<StackRow>('OFF%', 'share of the interval a thread spent blocked here: 100 is one thread asleep on this stack the whole time'),
    {
      key: 'ns',
      perInterval: true,
      title: 'BLOCKED',
      width: 8,
      align: 'right',
      unit: 'latency',
      value: (r) => r.ns,
      format: (v) => humanNs(asNumber(v)),
      help: 'time blocked in the waits that ended in the interval',
      decimals: 0,
    },
    {
      key: 'samples',
      perInterval: true,
      title: 'WAITS',
      width: 6,
      align: 'right',
      unit: 'count',
      value: (r) => r.samples,
      format: (v) => humanCount(asNumber(v)),
      help: 'waits that ended (the thread ran again)',
      decimals: 0,
    },
    {
      key: 'state',
      title: 'S',
      width: 2,
      align: 'left',
      value: (r) => r.state ?? '',
      format: (v) => String(v),
      help: 'how it blocked: S sleeping (interruptible), D uninterruptible (I/O), I idle kernel thread',
    },
    {
      key: 'waker',
      title: 'WOKEN BY',
      width: 16,
      minWidth: 8,
      maxWidth: 24,
      drop: 2,
      align: 'left',
      value: (r) => r.waker ?? '',
      format: (v) => String(v || '-'),
      help: 'the task that woke it (sched_waking runs in the waker: a process, or what an interrupt interrupted; a timer’s wake-up is often the idle task, swapper 0)',
    },
    cutColumn<StackRow>(),
    stackColumn<StackRow>('the stack it blocked in, innermost frame first (the kernel’s, where it went to sleep), then its callers'),
    ...stackTailColumns<StackRow>(),
  ],
  defaultSort: { key: 'ns', descending: true },
  detail: [
    { label: 'blocked', value: (r) => `${humanNs(r.ns)} in ${r.samples} waits (mean ${humanNs(r.samples > 0 ? r.ns / r.samples : null)}), state ${r.state}` },
    { label: 'woken by', value: (r) => r.waker || '-' },
    ...stackDetail<StackRow>(),
  ],
  cgroupOf: (r) => r.cgroup || null,
  second: functionsView({
    self: 'share of the time blocked where it is the innermost frame',
    total: 'share of the time blocked whose stack it is in',
    unit: 'time blocked',
  }),
  flame: { weight: weightOf, format: (w, total) => `${humanNs(w)} blocked, ${percent(total > 0 ? (w / total) * 100 : null)}%`, of: 'time blocked' },
  folded: (rows) => foldedStacks(rows, (r) => Math.round(r.ns / 1000)),
  drops: [BPF_MISSED, MAP_FULL],
  blindSpots:
    'Only blocking is timed (a thread preempted while runnable waits for a CPU: runqlat has that). A wait is counted when it ends: a thread still asleep at the end of the interval shows up when it wakes, with all its time. Kernel threads are left out until K. The waker is the task current at sched_waking: for a wake-up from an interrupt or a timer, whatever it interrupted. User stacks need frame pointers, as in profile. A wait ends when the thread is switched back in; where the kernel ran the thread without delivering that switch (seen on 6.18, rarely), the wait is timed to its wake-up and counted as unseen_in, or only counted there when its wake-up went unseen too.',
};
