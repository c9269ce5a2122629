/** The runqlen panel: run queue length per CPU, sampled at 99 Hz by a perf_event timer on every CPU. */
import type { BpfObject } from '../native.js';
import { decodeRunqlen, RUNQLEN_RECORDS, RUNQLEN_SLOTS } from '../records/runqlen.js';
import { deriveRunqlen, type RunqlenRow, type RunqlenSample } from '../models/runqlen.js';
import { histBars as barsOf, humanCount, percent } from '../format.js';
import { BPF_MISSED, type PanelDef, type Summary, type Tier, asNumber } from './types.js';
import { runqlen as names } from '../generated/bpf.js';

/** The object's programs and maps, by name: a name it does not have does not compile. */
type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

/** Samples per second on each CPU (the addon's default perf_event frequency). */
export const RUNQLEN_HZ = 99;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'perf_event',
    types: ['perf_event'],
    programs: ['runqlen_sample'],
    hooks: `perf_event cpu-clock at ${RUNQLEN_HZ} Hz on every CPU, reading the CPU's rq->nr_running`,
  },
];

/** Queue lengths 0 … 7+ as bars scaled to the largest: the shape of the histogram in eight cells. */
export const histBars = (hist: readonly number[]): string => barsOf(hist, 8);

const num = (v: number | null, d = 2): string => (v === null ? '-' : v.toFixed(d));
const maxText = (v: number | null): string => (v === null ? '-' : v >= RUNQLEN_SLOTS - 1 ? `${RUNQLEN_SLOTS - 1}+` : String(v));

export function runqlenSummary(rows: readonly RunqlenRow[]): Summary {
  const all = rows.find((r) => r.cpu === 'all');
  if (!all) return { text: '', values: {} };
  let busiest: RunqlenRow | undefined;
  for (const r of rows) if (r.cpu !== 'all' && (r.queue_mean ?? -1) > (busiest?.queue_mean ?? -1)) busiest = r;
  const text =
    `all CPUs: ${num(all.queue_mean)} tasks waiting on average (max ${maxText(all.queue_max)}), one waiting in ${percent(all.occupancy_pct)}% of samples, ` +
    `${num(all.runnable_mean)} runnable per CPU` +
    (busiest ? `; longest queue: cpu${busiest.cpu} (${num(busiest.queue_mean)} waiting)` : '');
  return {
    text,
    values: {
      queue_mean: all.queue_mean,
      queue_max: all.queue_max,
      occupancy_pct: all.occupancy_pct,
      runnable_mean: all.runnable_mean,
      busiest_cpu: busiest ? (busiest.cpu as number) : null,
    },
  };
}

/** /metrics' buckets of run queue lengths. */
const RUNQ_BOUNDS = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24];

export const runqlenPanel: PanelDef<RunqlenSample, RunqlenRow> = {
  id: 'runqlen',
  title: 'runqlen',
  // One timer sample of one CPU's run queue: 167 ns in BPF (bench/tier-cost.mjs, bench/RESULTS.md).
  costEstimate: { nsPerEvent: 167, events: (rows) => rows.reduce((s, r) => s + (r.cpu === 'all' ? 0 : r.samples), 0) },
  source: {
    kind: 'bpf',
    stem: 'runqlen',
    tiers: TIERS,
    records: RUNQLEN_RECORDS,
    createReader: (obj: BpfObject<Maps>, layouts, host) => () => ({
      cpus: decodeRunqlen(obj.readMap('runqlen_stats', { perCpu: 'raw' }), layouts.val!),
      online: host.onlineCpus(),
      hz: RUNQLEN_HZ,
    }),
  },
  hookList: TIERS,
  derive: deriveRunqlen,
  stats: (sample) => ({ cpus_sampled: sample.cpus.filter((c) => c.samples > 0).length }),
  summarize: runqlenSummary,
  trend: (row) => row.queue_mean,
  trendOf: { label: 'tasks waiting in the run queue, mean over the interval', format: (v) => v.toFixed(2) },
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
      help: 'CPU number; "all" averages the CPUs sampled',
    },
    {
      key: 'queue_mean',
      title: 'QUEUE',
      width: 7,
      align: 'right',
      value: (r) => r.queue_mean,
      format: (v) => num(asNumber(v)),
      help: 'tasks waiting for this CPU (nr_running − 1, at least 0), averaged over the samples',
    },
    {
      key: 'queue_max',
      title: 'QMAX',
      width: 5,
      align: 'right',
      value: (r) => r.queue_max,
      format: (v) => maxText(asNumber(v)),
      help: `the longest queue a sample found (${RUNQLEN_SLOTS - 1}+: that many or more)`,
      decimals: 0,
    },
    {
      key: 'occupancy_pct',
      title: 'OCC%',
      width: 6,
      align: 'right',
      value: (r) => r.occupancy_pct,
      format: (v) => percent(asNumber(v)),
      help: 'share of samples that found a task waiting: how often a task could not run at once',
    },
    {
      key: 'runnable_mean',
      title: 'RUNNABLE',
      width: 8,
      align: 'right',
      value: (r) => r.runnable_mean,
      format: (v) => num(asNumber(v)),
      help: 'tasks runnable on this CPU, the running one counted (nr_running), averaged',
    },
    {
      key: 'hist',
      title: 'QUEUE 0…7+',
      width: 10,
      align: 'left',
      value: () => null,
      format: (_v, r) => histBars(r.hist),
      help: 'samples by queue length 0, 1, … 7 or more, as bars scaled to the largest',
    },
    {
      key: 'samples',
      perInterval: true,
      title: 'SAMPLES',
      width: 10,
      align: 'right',
      value: (r) => r.samples,
      format: (v) => humanCount(asNumber(v)),
      help: `timer samples taken in the interval: ${RUNQLEN_HZ} a second while the CPU is busy; an idle CPU may take fewer, and the missing ones count as idle`,
      decimals: 0,
    },
  ],
  defaultSort: { key: 'cpu', descending: false },
  detail: [
    { label: 'cpu', value: (r) => String(r.cpu) },
    { label: 'waiting', value: (r) => `mean ${num(r.queue_mean)}, max ${maxText(r.queue_max)}, in ${percent(r.occupancy_pct)}% of samples` },
    { label: 'runnable', value: (r) => num(r.runnable_mean) },
    {
      label: 'queue lengths',
      value: (r) =>
        r.hist
          .slice(0, 8)
          .map((v, i) => `${i}${i === 7 ? '+' : ''}:${i === 7 ? r.hist.slice(7).reduce((a, b) => a + b, 0) : v}`)
          .join(' '),
    },
  ],
  drops: [BPF_MISSED],
  metrics: {
    families: {
      length: {
        name: 'sixty_runqueue_length',
        help: 'Run queue length (tasks waiting, the running one not counted) at timer samples, 99 Hz per CPU.',
        type: 'histogram',
        bounds: RUNQ_BOUNDS,
      },
      occupancy: { name: 'sixty_runqueue_occupancy_ratio', help: "Share of the latest interval's samples that found a task waiting, by CPU.", type: 'gauge' },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        if (r.cpu === 'all') continue;
        const cpu = String(r.cpu);
        const counts = RUNQ_BOUNDS.map(() => 0);
        let sum = 0;
        let count = 0;
        r.hist.forEach((c, len) => {
          if (!(c > 0)) return;
          const b = RUNQ_BOUNDS.findIndex((le) => len <= le);
          if (b >= 0) counts[b]! += c;
          sum += len * c;
          count += c;
        });
        sink.observe('length', { cpu }, counts, sum, count);
        if (r.occupancy_pct !== null) sink.gauge('occupancy', { cpu }, r.occupancy_pct / 100);
      }
    },
  },
  blindSpots: `A sample every 1/${RUNQLEN_HZ} s sees the queue at that instant: bursts shorter than that are caught only in proportion to their length. An idle CPU's timer may not fire (an idle vCPU often takes no sample): the samples missing from the ${RUNQLEN_HZ} Hz rate count as an empty queue. CPUs brought online after sixty started are not sampled.`,
};
