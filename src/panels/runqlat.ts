/**
 * The runqlat panel: how long runnable tasks wait for a CPU (run-queue latency), as the seed's runqlat: a log2
 * histogram per interval, per CPU and over all of them, with p50/p99 and a heat map of the distribution over time.
 */
import type { BpfObject } from '../native.js';
import { decodeCounterArray } from '../records/layout.js';
import { decodeRunqlat, RUNQLAT_RECORDS, RUNQLAT_SLOTS } from '../records/runqlat.js';
import { deriveRunqlat, HEAT_INTERVALS, type RunqlatRow, type RunqlatSample } from '../models/runqlat.js';
import { slotUpperNs } from '../models/procs.js';
import { threadMapSize } from './procs.js';
import { histBars, humanCount, humanNs } from '../format.js';
import { asNumber, BPF_MISSED, MAP_FULL, type Column, type HostInfo, type PanelDef, type Summary, type Tier } from './types.js';
import { latencyColumn } from './columns.js';
import { runqlat as names } from '../generated/bpf.js';
import { addCounts } from '../models/delta.js';

type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['runqlat_wakeup_btf', 'runqlat_wakeup_new_btf', 'runqlat_switch_btf', 'runqlat_exit_btf'],
    hooks: 'tp_btf sched_wakeup + sched_wakeup_new + sched_switch (+ sched_process_exit)',
  },
  {
    name: 'raw_tp',
    types: ['raw_tp'],
    programs: ['runqlat_wakeup_raw', 'runqlat_wakeup_new_raw', 'runqlat_switch_raw', 'runqlat_exit_raw'],
    hooks: 'raw_tp sched_wakeup + sched_wakeup_new + sched_switch (+ sched_process_exit)',
  },
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: ['runqlat_wakeup_tp', 'runqlat_wakeup_new_tp', 'runqlat_switch_tp', 'runqlat_exit_tp'],
    hooks: 'tracepoint sched:sched_wakeup + sched_wakeup_new + sched_switch (+ sched_process_exit)',
  },
];

/** Reads the per-CPU histograms and keeps the last intervals' all-CPU histograms (the heat map). */
export function createRunqlatReader(
  obj: BpfObject<Maps>,
  layouts: Record<string, import('../records/layout.js').RecordLayout>,
  host: HostInfo,
): () => RunqlatSample {
  let last: number[] | null = null;
  let recent: number[][] = [];
  return () => {
    const cpus = decodeRunqlat(obj.readMap('runqlat_hist', { perCpu: 'raw' }), layouts.val!);
    const total = new Array<number>(RUNQLAT_SLOTS).fill(0);
    for (const c of cpus) addCounts(total, c.hist);
    if (last) {
      const prev = last;
      recent = [...recent, total.map((v, i) => Math.max(0, v - prev[i]!))].slice(-HEAT_INTERVALS);
    }
    last = total;
    const stats = decodeCounterArray(obj.readMap('runqlat_stats'), layouts.stat!, 'runqlat_stats');
    return { cpus, online: host.onlineCpus(), recent, mapFull: stats[names.enums.runqlat_stat.MAP_FULL] ?? 0 };
  };
}

/** A slot as the seed's runqlat labels it: its range in µs. */
export function slotRange(slot: number): string {
  return slot === 0 ? '0 -> 1' : `${2 ** (slot - 1)} -> ${2 ** slot - 1}`;
}

/** The histogram as `runqlat` prints it: one line per slot from the first to the last that has a count, with stars. */
export function histogramLines(hist: readonly number[], width: number): string[] {
  let first = hist.findIndex((c) => c > 0);
  let last = -1;
  hist.forEach((c, i) => {
    if (c > 0) last = i;
  });
  if (first < 0) return ['  (no waits in the interval)'];
  first = Math.max(0, first);
  const max = Math.max(...hist);
  const bar = Math.max(10, Math.min(40, width - 42));
  const out = [`  ${'usecs'.padStart(17)} : ${'count'.padEnd(9)} distribution`];
  for (let i = first; i <= last; i++) {
    const c = hist[i] ?? 0;
    const stars = Math.round((c / max) * bar);
    out.push(`  ${slotRange(i).padStart(17)} : ${String(c).padEnd(9)} |${'*'.repeat(stars).padEnd(bar)}|`);
  }
  return out;
}

const SHADES = ' ░▒▓█';

/**
 * The heat map: one line per slot (the longest waits on top), one column per interval (the newest right), shaded by
 * the count on a log scale (the interval's largest slot darkest over the whole map).
 */
export function heatLines(
  recent: readonly (readonly number[])[],
  width: number,
  upperNs: (slot: number) => number = slotUpperNs,
  empty = '(no waits yet)',
): string[] {
  const cols = recent.slice(-Math.max(4, width - 14));
  let first = Infinity;
  let last = -1;
  let max = 0;
  for (const h of cols)
    h.forEach((c, i) => {
      if (c > 0) {
        first = Math.min(first, i);
        last = Math.max(last, i);
        max = Math.max(max, c);
      }
    });
  if (last < 0) return [`  ${empty}`];
  const shade = (c: number): string => (c <= 0 ? SHADES[0]! : SHADES[Math.max(1, Math.ceil((Math.log1p(c) / Math.log1p(max)) * (SHADES.length - 1)))]!);
  const out: string[] = [];
  for (let s = last; s >= first; s--) out.push(`  ${`<${humanNs(upperNs(s))}`.padStart(9)} ${cols.map((h) => shade(h[s] ?? 0)).join('')}`);
  out.push(`  ${''.padStart(9)} ${'└'.padEnd(cols.length, '─')} ${cols.length} intervals, newest right`);
  return out;
}

/** The distribution in 15 cells: slots under 1 µs … 8 ms one cell each, the rest in the last; bars scaled to the largest. */
export const distBars = (hist: readonly number[]): string => histBars(hist, 15);

export function runqlatSummary(rows: readonly RunqlatRow[], _stats: unknown, elapsedNs: number): Summary {
  const all = rows.find((r) => r.cpu === 'all');
  if (!all) return { text: '', values: {} };
  let worst: RunqlatRow | undefined;
  for (const r of rows) if (r.cpu !== 'all' && (r.p99_ns ?? -1) > (worst?.p99_ns ?? -1)) worst = r;
  const perS = elapsedNs > 0 ? (all.count * 1e9) / elapsedNs : null;
  const waiting = elapsedNs > 0 ? all.sum_ns / elapsedNs : null;
  const text =
    `all CPUs: ${humanCount(perS === null ? null : Math.round(perS))} waits/s, p50 ≤${humanNs(all.p50_ns)} p99 ≤${humanNs(all.p99_ns)} max ≤${humanNs(all.max_ns)}, ` +
    `mean ${humanNs(all.avg_ns)}; ${waiting === null ? '-' : waiting.toFixed(2)} tasks waiting on average` +
    (worst && worst.p99_ns !== null ? `; worst p99: cpu${worst.cpu} ≤${humanNs(worst.p99_ns)}` : '');
  return { text, values: { waits_per_s: perS, p50_ns: all.p50_ns, p99_ns: all.p99_ns, max_ns: all.max_ns, avg_ns: all.avg_ns, waiting_mean: waiting } };
}

const ns = (key: 'avg_ns' | 'p50_ns' | 'p99_ns' | 'max_ns', title: string, help: string, bound: boolean): Column<RunqlatRow> =>
  latencyColumn<RunqlatRow>(key, title, help, bound);

/** /metrics' buckets: 2^k µs, 16 µs to 1 s. */
const BOUND_EXP = [4, 6, 8, 10, 12, 14, 16, 18, 20];

export const runqlatPanel: PanelDef<RunqlatSample, RunqlatRow> = {
  id: 'runqlat',
  title: 'runqlat',
  attach: 'on-screen',
  // A wait is a wake-up (or a preemption) and a switch, two program runs of about 200 ns each on the reference machine
  // (bench/tier-cost.mjs, bench/RESULTS.md).
  costEstimate: { nsPerEvent: 400, events: (rows) => rows.find((r) => r.cpu === 'all')?.count ?? 0 },
  source: {
    kind: 'bpf',
    stem: 'runqlat',
    tiers: TIERS,
    records: RUNQLAT_RECORDS,
    createReader: (obj: BpfObject<Maps>, layouts, host) => createRunqlatReader(obj, layouts, host),
    mapSizes: (host) => ({ runqlat_start: threadMapSize(host) }),
  },
  hookList: TIERS,
  derive: deriveRunqlat,
  stats: (sample, previous) => ({ map_full_drops: Math.max(0, sample.mapFull - (previous?.mapFull ?? 0)), map_full_drops_total: sample.mapFull }),
  summarize: runqlatSummary,
  trend: (row) => row.avg_ns,
  trendOf: { label: 'mean run-queue wait', format: humanNs },
  pinned: (row) => row.cpu === 'all',
  columns: [
    {
      key: 'cpu',
      ascending: true,
      title: 'CPU',
      width: 4,
      align: 'right',
      value: (r) => r.cpu,
      format: (v) => String(v),
      help: 'the CPU the waits ended on; "all": every CPU',
    },
    {
      key: 'count',
      title: 'WAITS',
      width: 7,
      align: 'right',
      perInterval: true,
      unit: 'count',
      value: (r) => r.count,
      format: (v) => humanCount(asNumber(v)),
      help: 'waits that ended in the interval (a task woken or preempted, then put on the CPU)',
      decimals: 0,
    },
    {
      key: 'sum_ns',
      title: 'WAITING',
      width: 8,
      align: 'right',
      perInterval: true,
      value: (r) => r.sum_ns,
      format: (v) => humanNs(asNumber(v)),
      help: 'their total length: per second, how many tasks were waiting on average (1s/s = one task all the time)',
      decimals: 0,
    },
    ns('avg_ns', 'AVG', 'the mean wait (exact)', false),
    ns('p50_ns', 'P50', 'the median wait: the upper bound of its log2 slot (within 2×)', true),
    ns('p99_ns', 'P99', 'the 99th percentile wait (slot upper bound)', true),
    ns('max_ns', 'MAX', "the longest wait's slot upper bound", true),
    {
      key: 'hist',
      title: 'DIST <1us…8ms+',
      width: 15,
      align: 'left',
      value: () => null,
      format: (_v, r) => distBars(r.hist),
      help: 'the waits by log2 slot, under 1 µs on the left to 8 ms and longer on the right, as bars scaled to the largest (the detail view: every slot, and the heat map)',
    },
  ],
  defaultSort: { key: 'cpu', descending: false },
  detail: [
    { label: 'cpu', value: (r) => String(r.cpu) },
    {
      label: 'waits',
      value: (r) => `${r.count}, ${humanNs(r.sum_ns)} in all, mean ${humanNs(r.avg_ns)}, p50 ≤${humanNs(r.p50_ns)}, p99 ≤${humanNs(r.p99_ns)}`,
    },
    { label: 'histogram (this interval)', value: () => '', lines: (r, width) => histogramLines(r.hist, width) },
    {
      label: 'heat map (all CPUs)',
      value: (r) => (r.heat ? '' : 'on the all-CPU row'),
      lines: (r, width) => (r.heat ? heatLines(r.heat, width) : []),
    },
  ],
  drops: [MAP_FULL, BPF_MISSED],
  metrics: {
    families: {
      latency: {
        name: 'sixty_runqueue_latency_seconds',
        help: 'Time runnable tasks waited for a CPU (log2 slots merged into the buckets), by CPU.',
        type: 'histogram',
        bounds: BOUND_EXP.map((k) => 2 ** k / 1e6),
      },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        if (r.cpu === 'all') continue;
        // Slot i ends at 2^i µs: it is under the bound 2^k µs when i ≤ k.
        const counts = new Array<number>(BOUND_EXP.length).fill(0);
        // Loops, not arrows made per call (models/delta.ts, addCounts).
        for (let i = 0, b = 0; i < r.hist.length; i++) {
          while (b < BOUND_EXP.length && i > BOUND_EXP[b]!) b++;
          if (b < BOUND_EXP.length && r.hist[i]! > 0) counts[b]! += r.hist[i]!;
        }
        sink.observe('latency', { cpu: String(r.cpu) }, counts, r.sum_ns / 1e9, r.count);
      }
    },
  },
  blindSpots:
    'A wait is timed from the wake-up or preemption tracepoint to the switch that runs the task: the kernel queues the task a moment before sched_wakeup fires, so each wait is short by that moment. A task woken before the panel attached is first timed at its next wake-up. A wait counts on the CPU it ended on, even when the task was queued elsewhere first. The histogram slots are log2 of µs: percentiles are slot upper bounds, within a factor of 2; the mean is exact. Attached while on screen (its hooks run on every context switch).',
};
