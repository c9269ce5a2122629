/** The softirqs panel: time and count per softirq vector, from softirq_entry/exit. */
import { decodeSoftirqs } from '../records/softirqs.js';
import { deriveSoftirqs, type SoftirqsRow, type SoftirqsSample } from '../models/softirqs.js';
import { availableParallelism } from 'node:os';
import { humanCount, humanNs, percent } from '../format.js';
import { asNumber, type PanelDef } from './types.js';


export const softirqsPanel: PanelDef<SoftirqsSample, SoftirqsRow> = {
  id: 'softirqs',
  title: 'softirqs',
  stem: 'softirqs',
  tiers: [
    { name: 'tp_btf', types: ['tp_btf'], programs: ['softirqs_entry_btf', 'softirqs_exit_btf'], hooks: 'tp_btf softirq_entry + softirq_exit' },
    { name: 'raw_tp', types: ['raw_tp'], programs: ['softirqs_entry_raw', 'softirqs_exit_raw'], hooks: 'raw_tp softirq_entry + softirq_exit' },
    { name: 'tracepoint', types: ['tracepoint'], programs: ['softirqs_entry_tp', 'softirqs_exit_tp'], hooks: 'tracepoint irq:softirq_entry + irq:softirq_exit' },
  ],
  createReader: (obj) => {
    const ncpu = availableParallelism();
    return () => ({ vectors: decodeSoftirqs(obj.readMap('softirqs_stats')), ncpu });
  },
  derive: deriveSoftirqs,
  stats: () => ({}),
  rowId: (row) => row.vector,
  trend: (row) => row.time_ns,
  columns: [
    { key: 'vector', title: 'VECTOR', width: 8, align: 'left', value: (r) => r.vector, format: (v) => String(v), help: 'softirq vector (hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu)' },
    { key: 'count', title: 'COUNT', width: 8, align: 'right', value: (r) => r.count, format: (v) => humanCount(asNumber(v)), help: 'softirqs run in the interval (softirq_entry)' },
    { key: 'count_per_s', title: 'COUNT/s', width: 8, align: 'right', value: (r) => r.count_per_s, format: (v) => humanCount(asNumber(v) === null ? null : Math.round(asNumber(v)!)), help: 'COUNT over the measured elapsed time' },
    { key: 'time_ns', title: 'TIME', width: 8, align: 'right', value: (r) => r.time_ns, format: (v) => humanNs(asNumber(v)), help: 'time between softirq_entry and softirq_exit, summed over CPUs' },
    { key: 'avg_ns', title: 'AVG', width: 8, align: 'right', value: (r) => (r.time_ns !== null && r.count ? r.time_ns / r.count : null), format: (v) => humanNs(asNumber(v)), help: 'TIME / COUNT' },
    { key: 'cpu_pct', title: '%CPU', width: 6, align: 'right', value: (r) => r.cpu_pct, format: (v) => percent(asNumber(v)), help: 'TIME as a share of all CPUs over the interval' },
  ],
  defaultSort: { key: 'time_ns', descending: true },
};
