/** The softirqs panel: time and count per softirq vector, from softirq_entry/exit. */
import { decodeSoftirqs, SOFTIRQS_RECORDS } from '../records/softirqs.js';
import { busiestIndex, deriveSoftirqs, softirqCpuShares, type SoftirqsRow, type SoftirqsSample } from '../models/softirqs.js';
import type { BpfObject } from '../native.js';
import type { RecordLayout } from '../records/layout.js';
import { humanCount, humanNs, percent } from '../format.js';
import { BPF_MISSED, type PanelDef, type Tier, asNumber } from './types.js';
import { softirqs as names } from '../generated/bpf.js';

/** The object's programs and maps, by name: a name it does not have does not compile. */
type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;

const TIERS: readonly Tier<Programs>[] = [
  { name: 'tp_btf', types: ['tp_btf'], programs: ['softirqs_entry_btf', 'softirqs_exit_btf'], hooks: 'tp_btf softirq_entry + softirq_exit' },
  { name: 'raw_tp', types: ['raw_tp'], programs: ['softirqs_entry_raw', 'softirqs_exit_raw'], hooks: 'raw_tp softirq_entry + softirq_exit' },
  { name: 'tracepoint', types: ['tracepoint'], programs: ['softirqs_entry_tp', 'softirqs_exit_tp'], hooks: 'tracepoint irq:softirq_entry + irq:softirq_exit' },
];

const avgNs = (r: SoftirqsRow): number | null => (r.time_ns !== null && r.count ? r.time_ns / r.count : null);

/**
 * All vectors over all CPUs, and the CPU that spends the most of its own time in softirqs, with the vector that
 * takes most of it: a CPU pinned by NET_RX is invisible in the sums over CPUs.
 */
export function softirqsSummary(rows: readonly SoftirqsRow[], _stats: unknown, elapsedNs: number): { text: string; values: Record<string, number | null> } {
  let count = 0;
  let pct = 0;
  for (const r of rows) {
    count += r.count_per_s ?? 0;
    pct += r.cpu_pct ?? 0;
  }
  let text = `all vectors: ${Math.round(count)}/s, ${pct.toFixed(2)}% of CPU time`;
  const shares = softirqCpuShares(rows, elapsedNs);
  const busiest = busiestIndex(shares);
  if (busiest !== null) {
    let top: SoftirqsRow | undefined;
    for (const r of rows) if ((r.cpu_time_ns?.[busiest] ?? 0) > (top?.cpu_time_ns?.[busiest] ?? 0)) top = r;
    const topPct = top ? ((top.cpu_time_ns![busiest]! / elapsedNs) * 100).toFixed(2) : '0';
    text += `; busiest cpu${busiest}: ${shares![busiest]!.toFixed(2)}% of its time in softirqs (${top?.vector ?? '-'} ${topPct}%)`;
  }
  return { text, values: { count_per_s: count, cpu_pct: pct, busiest_cpu: busiest, busiest_cpu_pct: busiest === null ? null : shares![busiest]! } };
}

/**
 * Reads the per-CPU counters raw. Each read first closes the interval in progress (softirqs_epoch + 1), so the
 * longest softirq of the interval just closed sits in a slot the programs no longer write.
 */
export function createSoftirqsReader(obj: BpfObject<Maps>, val: RecordLayout, ncpu: () => number): () => SoftirqsSample {
  const key = Buffer.alloc(4);
  const value = Buffer.alloc(8);
  const setEpoch = (e: number): void => {
    value.writeBigUInt64LE(BigInt(e));
    obj.updateKeys('softirqs_epoch', key, value);
  };
  // Interval 1 starts now: what ran between attach and here is tagged 0, which no read asks for.
  let epoch = 1;
  setEpoch(epoch);
  return () => {
    const closed = epoch++;
    setEpoch(epoch);
    return { vectors: decodeSoftirqs(obj.readMap('softirqs_stats', { perCpu: 'raw' }), val, closed), ncpu: ncpu() };
  };
}

const cpuList = (v: readonly number[] | null, f: (n: number) => string): string => (v ? v.map((n, c) => `cpu${c} ${f(n)}`).join(', ') : '-');

export const softirqsPanel: PanelDef<SoftirqsSample, SoftirqsRow> = {
  id: 'softirqs',
  title: 'softirqs',
  // One softirq is an entry and an exit run: 2 × 63 ns in BPF (bench/tier-cost.mjs, bench/RESULTS.md).
  costEstimate: { nsPerEvent: 126, events: (rows) => rows.reduce((s, r) => s + (r.count ?? 0), 0) },
  source: {
    kind: 'bpf',
    stem: 'softirqs',
    tiers: TIERS,
    records: SOFTIRQS_RECORDS,
    createReader: (obj, layouts, host) => createSoftirqsReader(obj, layouts.val!, host.onlineCpus),
  },
  hookList: TIERS,
  derive: deriveSoftirqs,
  stats: () => ({}),
  summarize: softirqsSummary,
  trend: (row) => row.time_ns,
  trendOf: { label: 'time in softirqs in the interval', format: humanNs },
  columns: [
    {
      key: 'vector',
      title: 'VECTOR',
      width: 8,
      align: 'left',
      value: (r) => r.vector,
      format: (v) => String(v),
      help: 'softirq vector (hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu)',
    },
    {
      key: 'count',
      perInterval: true,
      title: 'COUNT',
      width: 7,
      align: 'right',
      value: (r) => r.count,
      format: (v) => humanCount(asNumber(v)),
      unit: 'count',
      help: 'softirqs run in the interval (softirq_entry)',
    },
    {
      key: 'time_ns',
      perInterval: true,
      title: 'TIME',
      width: 7,
      align: 'right',
      value: (r) => r.time_ns,
      format: (v) => humanNs(asNumber(v)),
      help: 'time between softirq_entry and softirq_exit, summed over CPUs',
    },
    {
      key: 'avg_ns',
      title: 'AVG',
      width: 7,
      align: 'right',
      value: avgNs,
      format: (v) => humanNs(asNumber(v)),
      unit: 'latency',
      help: 'TIME / COUNT',
      decimals: 0,
    },
    {
      key: 'cpu_pct',
      title: '%CPU',
      width: 6,
      align: 'right',
      value: (r) => r.cpu_pct,
      format: (v) => percent(asNumber(v)),
      help: 'TIME as a share of all CPUs over the interval',
    },
    {
      key: 'max_ns',
      title: 'MAX',
      width: 7,
      align: 'right',
      value: (r) => r.max_ns,
      format: (v) => humanNs(asNumber(v)),
      unit: 'latency',
      help: 'the longest single softirq of the vector in the interval, on any CPU (entry → exit)',
      decimals: 0,
    },
    {
      key: 'busiest_cpu_pct',
      title: 'BUSIEST',
      width: 10,
      maxWidth: 19,
      align: 'right',
      value: (r) => r.busiest_cpu_pct,
      format: (v, r) => (r.busiest_cpu === null ? '-' : `cpu${r.busiest_cpu} ${percent(asNumber(v))}%`),
      help: "the CPU that spent the most time in this vector, and the share of that CPU's time it took (per-CPU counts: the detail view, and cpu_counts in JSON)",
    },
  ],
  defaultSort: { key: 'time_ns', descending: true },
  rates: { count_per_s: 'count' },
  detail: [
    { label: 'vector', value: (r) => r.vector },
    { label: 'count', value: (r) => String(r.count ?? '-') },
    { label: 'time', value: (r) => humanNs(r.time_ns) },
    { label: 'average', value: (r) => humanNs(avgNs(r)) },
    { label: 'longest', value: (r) => humanNs(r.max_ns) },
    { label: 'count per CPU', value: (r) => cpuList(r.cpu_counts, (n) => humanCount(n)) },
    { label: 'time per CPU', value: (r) => cpuList(r.cpu_time_ns, (n) => humanNs(n)) },
  ],
  drops: [BPF_MISSED],
  metrics: {
    families: {
      count: { name: 'sixty_softirqs_total', help: 'Softirqs run, by vector and CPU (cpu="all" where the tier has no per-CPU split).', type: 'counter' },
      seconds: { name: 'sixty_softirq_seconds_total', help: 'Time spent running softirqs, by vector and CPU.', type: 'counter' },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        const vector = r.vector;
        if (r.cpu_counts && r.cpu_time_ns) {
          r.cpu_counts.forEach((c, cpu) => sink.add('count', { vector, cpu: String(cpu) }, c));
          r.cpu_time_ns.forEach((t, cpu) => sink.add('seconds', { vector, cpu: String(cpu) }, t / 1e9));
        } else {
          sink.add('count', { vector, cpu: 'all' }, r.count ?? 0);
          sink.add('seconds', { vector, cpu: 'all' }, (r.time_ns ?? 0) / 1e9);
        }
      }
    },
  },
  blindSpots:
    'Time in a softirq that began before sixty attached is not counted. While another probe attaches to or detaches from the same tracepoint, the kernel can skip a few events.',
};
