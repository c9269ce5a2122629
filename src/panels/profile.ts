/**
 * The profile panel: where the CPU time goes. A perf_event timer samples every CPU (49 Hz at start; `(` and `)` step
 * it from 19 to 999 Hz), taking the running task's kernel and user stacks; the samples are counted per (process,
 * stack) in the kernel. Rows are stacks with their share of a CPU; `v` lists the top functions (self and total), `f`
 * draws the flame graph, and `e` writes the folded stacks beside the snapshot.
 */
import type { BpfObject } from '../native.js';
import { humanCount, humanNs, percent } from '../format.js';
import { STACK_RECORDS, type StackLayouts } from '../records/stacks.js';
import { deriveStacks, foldedStacks, topFunctions, weightOf, type FunctionRow, type StackRow, type StackSample } from '../models/stacks.js';
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
import { asNumber, BPF_MISSED, MAP_FULL, type Column, type PanelDef, type PanelStats, type SecondView, type Summary, type Tier } from './types.js';
import { profile as names } from '../generated/bpf.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

/** Samples per second on each CPU at start: 49, not 50 or 100, so the timer does not beat with work on a round period. */
export const PROFILE_HZ = 49;
export const PROFILE_RATES = [19, 49, 99, 199, 499, 999] as const;

/** The rate asked for (the console's `(` `)`, --profile-hz): the reader applies it after its next reading. */
export const profileView = { hz: PROFILE_HZ as number };

/** The next rate up (1) or down (−1) from `hz`. */
export function nextRate(hz: number, step: 1 | -1): number {
  const first = PROFILE_RATES[0]!;
  const last = PROFILE_RATES[PROFILE_RATES.length - 1]!;
  // A rate off the steps (--profile-hz 75): the nearest step that way.
  if (step > 0) return PROFILE_RATES.find((r) => r > hz) ?? last;
  return [...PROFILE_RATES].reverse().find((r) => r < hz) ?? first;
}

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'perf_event',
    types: ['perf_event'],
    programs: ['profile_sample'],
    perfFreq: PROFILE_HZ,
    hooks: `perf_event cpu-clock on every CPU (${PROFILE_HZ} Hz at start), bpf_get_stack for the kernel and user stacks`,
  },
];

export function profileSummary(rows: readonly StackRow[], stats: PanelStats, tickNs: number): Summary {
  const hz = stats.hz ?? PROFILE_HZ;
  // Over the time between the panel's two readings, as its rows are.
  const seconds = (stats.window_ns || tickNs) / 1e9;
  const busy = rows.reduce((a, r) => a + r.samples, 0);
  const capacity = hz * seconds * (stats.cpus ?? 1);
  const busyCpus = seconds > 0 && hz > 0 ? busy / (hz * seconds) : null;
  const byProc = new Map<string, number>();
  for (const r of rows) byProc.set(`${r.comm} (${r.pid})`, (byProc.get(`${r.comm} (${r.pid})`) ?? 0) + r.samples);
  let top: [string, number] | undefined;
  for (const e of byProc) if (e[1] > (top?.[1] ?? 0)) top = e;
  const fns = topFunctions(rows);
  const cut = rows.filter((r) => r.cut !== null).reduce((a, r) => a + r.samples, 0);
  const lost = lostWords(stats);
  const text =
    `${hz} Hz on ${stats.cpus ?? '?'} CPUs: ${humanCount(busy)} samples, ${busyCpus === null ? '-' : busyCpus.toFixed(2)} CPUs busy` +
    (capacity > 0 ? ` (${percent((busy / capacity) * 100)}%)` : '') +
    (top ? `; busiest ${top[0]} ${percent(busy > 0 ? (top[1] / busy) * 100 : null)}% of samples` : '') +
    (fns[0] ? `; hottest ${fns[0].name} ${percent(fns[0].self_pct)}% self` : '') +
    (cut > 0 ? `; ${percent((cut / Math.max(1, busy)) * 100)}% of stacks cut short` : '') +
    lost;
  return {
    text,
    values: {
      hz,
      samples: busy,
      busy_cpus: busyCpus,
      cut_samples: cut,
      stacks_lost: (stats.user_lost ?? 0) + (stats.kernel_lost ?? 0),
    },
    ...(lost ? { warning: true } : {}),
  };
}

/** The top functions' table: shared by profile (weights in CPU time) and offcputime (time blocked). */
export function functionsView(what: { self: string; total: string; unit: string; skip?: RegExp }): SecondView<FunctionRow> {
  const timeCol = (key: 'self' | 'total', title: string, help: string): Column<FunctionRow> => ({
    key,
    title,
    width: 8,
    align: 'right',
    unit: 'latency',
    value: (r) => r[key],
    format: (v) => humanNs(asNumber(v)),
    help,
    decimals: 0,
  });
  return {
    name: 'functions',
    back: 'stacks',
    title: 'top functions',
    help: `v: the functions of the stacks shown (one process's after a drill or a filter), by ${what.unit} where they are the innermost frame (self) and anywhere in the stack (total)`,
    defaultSort: { key: 'self', descending: true },
    columns: [
      {
        key: 'self_pct',
        title: 'SELF%',
        width: 6,
        align: 'right',
        value: (r) => r.self_pct,
        format: (v) => percent(asNumber(v)),
        help: what.self,
        decimals: 1,
      },
      {
        key: 'total_pct',
        title: 'TOTAL%',
        width: 6,
        align: 'right',
        value: (r) => r.total_pct,
        format: (v) => percent(asNumber(v)),
        help: what.total,
        decimals: 1,
      },
      timeCol('self', 'SELF', `the ${what.unit} where it is the innermost frame`),
      timeCol('total', 'TOTAL', `the ${what.unit} of every stack it is in`),
      {
        key: 'kind',
        title: 'K',
        width: 1,
        align: 'left',
        value: (r) => r.kind,
        format: (v) => String(v),
        help: 'k kernel, u user (a file’s symbol), j JIT (a perf map’s), ? an address nothing names',
      },
      {
        key: 'processes',
        title: 'PROCS',
        width: 5,
        align: 'right',
        value: (r) => r.processes,
        format: (v) => String(v),
        help: 'processes it was seen in',
        decimals: 0,
      },
      {
        key: 'name',
        title: 'FUNCTION',
        width: 40,
        minWidth: 16,
        maxWidth: 200,
        align: 'left',
        keep: 'start',
        ascending: true,
        value: (r) => r.name,
        format: (v) => String(v),
        help: 'the function (C++ names demangled)',
      },
    ],
    detail: [
      { label: 'function', value: (r) => `${r.name} (${r.kind === 'k' ? 'kernel' : r.kind === 'u' ? 'user' : r.kind === 'j' ? 'JIT' : 'unknown'})` },
      { label: 'self', value: (r) => `${humanNs(r.self)} (${percent(r.self_pct)}%)` },
      { label: 'total', value: (r) => `${humanNs(r.total)} (${percent(r.total_pct)}%), in ${r.processes} processes` },
    ],
    rows: (rows: readonly StackRow[]) => topFunctions(rows, what.skip),
  };
}

export const profilePanel: PanelDef<StackSample, StackRow> = {
  id: 'profile',
  title: 'profile',
  // One timer sample with two stack walks: 14.2 µs of a busy shell loop (bench/tier-cost.mjs, docs/performance.md): a
  // user stack without frame pointers is walked through whatever its registers held, up to 127 frames.
  costEstimate: { nsPerEvent: 14200, events: (_rows, stats) => stats.samples ?? 0 },
  source: {
    kind: 'bpf',
    stem: 'profile',
    tiers: TIERS,
    records: STACK_RECORDS,
    cgroupFilter: true,
    createReader: (obj: BpfObject<Maps>, layouts, host) => {
      let applied = PROFILE_HZ;
      const read = createStackReader(obj, layouts as StackLayouts, host, {
        kind: 'cpu',
        maps: { counts: 'profile_counts', stacks: 'profile_stack_map', stats: 'profile_stats' },
        hz: () => applied,
      });
      return () => {
        const sample = read();
        // A new rate from the next interval on: the one just read was sampled at the old one.
        if (profileView.hz !== applied) {
          obj.setPerfFreq(profileView.hz);
          applied = profileView.hz;
        }
        return sample;
      };
    },
  },
  hookList: TIERS,
  derive: deriveStacks('cpu'),
  stats: stackStatsOf,
  summarize: profileSummary,
  trend: (r) => r.samples,
  trendOf: { label: 'samples per interval' },
  columns: [
    ...stackIdentityColumns<StackRow>(),
    pctColumn<StackRow>('CPU%', 'share of one CPU this stack ran for: samples ÷ (rate × seconds); a thread busy on one stack is 100'),
    {
      key: 'samples',
      perInterval: true,
      title: 'SAMPLES',
      width: 8,
      align: 'right',
      unit: 'count',
      value: (r) => r.samples,
      format: (v) => humanCount(asNumber(v)),
      help: 'timer samples that found this stack running',
      decimals: 0,
    },
    cutColumn<StackRow>(),
    stackColumn<StackRow>('the stack, innermost frame first (the function running), then its callers; the user stack’s frames after the kernel’s'),
    ...stackTailColumns<StackRow>(),
  ],
  defaultSort: { key: 'samples', descending: true },
  detail: [{ label: 'samples', value: (r) => `${r.samples} (${percent(r.pct)}% of a CPU, ${humanNs(r.ns)} of CPU time)` }, ...stackDetail<StackRow>()],
  cgroupOf: (r) => r.cgroup || null,
  second: functionsView({
    self: 'share of the samples where it is the innermost frame (it was running)',
    total: 'share of the samples whose stack it is in',
    unit: 'CPU time',
  }),
  flame: { weight: weightOf, format: (w, total) => `${humanNs(w)} of CPU, ${percent(total > 0 ? (w / total) * 100 : null)}%`, of: 'CPU samples' },
  folded: (rows) => foldedStacks(rows, (r) => r.samples),
  drops: [BPF_MISSED, MAP_FULL],
  blindSpots: `A sample every 1/${PROFILE_HZ} s on each CPU sees what runs at that instant: a function's share is exact in proportion, its time an estimate (samples × the period). User stacks are walked by frame pointers: code built without them gives a stack cut short (said on the row; its innermost frame is still right). Processes gone by the time a stack is named keep addresses, not names. Stacks deeper than 127 frames are cut.`,
};
