/** The mpstat panel: per-CPU utilisation from /proc/stat (no BPF, no privilege), as `mpstat -P ALL 1`. */
import { deriveMpstat, type MpstatRow } from '../models/mpstat.js';
import { parseProcStat, type ProcStat } from '../records/procstat.js';
import { percent } from '../format.js';
import { asNumber, type Column, type PanelDef, type Summary } from './types.js';

const pctColumn = (key: keyof MpstatRow & string, title: string, help: string): Column<MpstatRow> => ({
  key,
  title,
  width: Math.max(6, title.length),
  align: 'right',
  value: (r) => r[key] as number | null,
  format: (v) => percent(asNumber(v)),
  help,
});

export function mpstatSummary(rows: readonly MpstatRow[]): Summary {
  const all = rows.find((r) => r.cpu === 'all');
  let busiest: MpstatRow | undefined;
  for (const r of rows) if (r.cpu !== 'all' && (r.busy_pct ?? -1) > (busiest?.busy_pct ?? -1)) busiest = r;
  if (!all) return { text: '', values: {} };
  const f = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
  const text =
    `all CPUs: busy ${f(all.busy_pct)}% (usr ${f(all.usr_pct)} sys ${f(all.sys_pct)} soft ${f(all.soft_pct)} iowait ${f(all.iowait_pct)} steal ${f(all.steal_pct)})` +
    (busiest ? `, busiest cpu${busiest.cpu} ${f(busiest.busy_pct)}%` : '');
  return { text, values: { busy_pct: all.busy_pct, busiest_cpu: busiest ? (busiest.cpu as number) : null, busiest_pct: busiest?.busy_pct ?? null } };
}

export const mpstatPanel: PanelDef<ProcStat, MpstatRow> = {
  id: 'mpstat',
  title: 'mpstat',
  source: { kind: 'proc', files: ['/proc/stat'], createReader: (readText) => () => parseProcStat(readText('/proc/stat')) },
  hookList: [{ name: 'proc', hooks: '/proc/stat (no BPF, no privilege)' }],
  derive: deriveMpstat,
  stats: () => ({}),
  summarize: mpstatSummary,
  trend: (row) => row.busy_pct,
  trendOf: { label: '% busy (100 − %idle − %iowait)', format: (v) => `${v.toFixed(0)}%` },
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
      help: 'CPU number; "all" is the kernel\'s own total over every CPU',
    },
    pctColumn('usr_pct', '%usr', 'user time, guest time left out'),
    pctColumn('nice_pct', '%nice', 'user time at a positive nice value, guest time left out'),
    pctColumn('sys_pct', '%sys', 'kernel time (not interrupts)'),
    pctColumn('iowait_pct', '%iowait', 'idle with I/O outstanding'),
    pctColumn('irq_pct', '%irq', 'hard interrupts'),
    pctColumn('soft_pct', '%soft', 'softirqs (the softirqs panel splits them by vector)'),
    pctColumn('steal_pct', '%steal', 'time the hypervisor gave to someone else'),
    pctColumn('guest_pct', '%guest', 'running a virtual CPU'),
    pctColumn('idle_pct', '%idle', 'idle without I/O outstanding'),
    pctColumn('busy_pct', 'BUSY', '100 − %idle − %iowait (the trend follows it)'),
  ],
  defaultSort: { key: 'cpu', descending: false },
  detail: [
    { label: 'cpu', value: (r) => String(r.cpu) },
    { label: 'busy', value: (r) => `${percent(r.busy_pct)}%` },
    { label: 'user / system', value: (r) => `${percent(r.usr_pct)}% / ${percent(r.sys_pct)}%` },
    { label: 'softirq / irq', value: (r) => `${percent(r.soft_pct)}% / ${percent(r.irq_pct)}%` },
  ],
  blindSpots: 'Ticks are sampled (USER_HZ, usually 100 per second): short bursts between ticks are attributed to whatever ran at the tick.',
};
