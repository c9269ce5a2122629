/** The softirqs panel: time and count per softirq vector, from softirq_entry/exit. */
import { decodeSoftirqs, SOFTIRQS_RECORDS } from '../records/softirqs.js';
import { deriveSoftirqs, type SoftirqsRow, type SoftirqsSample } from '../models/softirqs.js';
import { humanCount, humanNs, percent } from '../format.js';
import { asNumber, type PanelDef, type Tier } from './types.js';

const TIERS: readonly Tier[] = [
  { name: 'tp_btf', types: ['tp_btf'], programs: ['softirqs_entry_btf', 'softirqs_exit_btf'], hooks: 'tp_btf softirq_entry + softirq_exit' },
  { name: 'raw_tp', types: ['raw_tp'], programs: ['softirqs_entry_raw', 'softirqs_exit_raw'], hooks: 'raw_tp softirq_entry + softirq_exit' },
  { name: 'tracepoint', types: ['tracepoint'], programs: ['softirqs_entry_tp', 'softirqs_exit_tp'], hooks: 'tracepoint irq:softirq_entry + irq:softirq_exit' },
];

const avgNs = (r: SoftirqsRow): number | null => (r.time_ns !== null && r.count ? r.time_ns / r.count : null);

export function softirqsSummary(rows: readonly SoftirqsRow[]): { text: string; values: Record<string, number | null> } {
  let count = 0;
  let pct = 0;
  for (const r of rows) {
    count += r.count_per_s ?? 0;
    pct += r.cpu_pct ?? 0;
  }
  return { text: `all vectors: ${Math.round(count)}/s, ${pct.toFixed(2)}% of CPU time`, values: { count_per_s: count, cpu_pct: pct } };
}

export const softirqsPanel: PanelDef<SoftirqsSample, SoftirqsRow> = {
  id: 'softirqs',
  title: 'softirqs',
  source: {
    kind: 'bpf',
    stem: 'softirqs',
    tiers: TIERS,
    records: SOFTIRQS_RECORDS,
    createReader: (obj, layouts, host) => () => ({ vectors: decodeSoftirqs(obj.readMap('softirqs_stats'), layouts.val!), ncpu: host.onlineCpus() }),
  },
  hookList: TIERS,
  derive: deriveSoftirqs,
  stats: () => ({}),
  summarize: softirqsSummary,
  trend: (row) => row.time_ns,
  columns: [
    { key: 'vector', title: 'VECTOR', width: 8, align: 'left', value: (r) => r.vector, format: (v) => String(v), help: 'softirq vector (hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu)' },
    { key: 'count', title: 'COUNT', width: 8, align: 'right', value: (r) => r.count, format: (v) => humanCount(asNumber(v)), help: 'softirqs run in the interval (softirq_entry)' },
    { key: 'count_per_s', title: 'COUNT/s', width: 8, align: 'right', value: (r) => r.count_per_s, format: (v) => humanCount(asNumber(v) === null ? null : Math.round(asNumber(v)!)), help: 'COUNT over the measured elapsed time' },
    { key: 'time_ns', title: 'TIME', width: 8, align: 'right', value: (r) => r.time_ns, format: (v) => humanNs(asNumber(v)), help: 'time between softirq_entry and softirq_exit, summed over CPUs' },
    { key: 'avg_ns', title: 'AVG', width: 8, align: 'right', value: avgNs, format: (v) => humanNs(asNumber(v)), help: 'TIME / COUNT', decimals: 0 },
    { key: 'cpu_pct', title: '%CPU', width: 6, align: 'right', value: (r) => r.cpu_pct, format: (v) => percent(asNumber(v)), help: 'TIME as a share of all CPUs over the interval' },
  ],
  defaultSort: { key: 'time_ns', descending: true },
  detail: [
    { label: 'vector', value: (r) => r.vector },
    { label: 'count', value: (r) => String(r.count ?? '-') },
    { label: 'time', value: (r) => humanNs(r.time_ns) },
    { label: 'average', value: (r) => humanNs(avgNs(r)) },
  ],
  blindSpots:
    'Time in a softirq that began before sixty attached is not counted. While another probe attaches to or detaches from the same tracepoint, the kernel can skip a few events.',
};
