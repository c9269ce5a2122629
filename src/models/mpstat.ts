/**
 * mpstat model (as `mpstat -P ALL`): each CPU's time split over the interval, in percent, from /proc/stat deltas.
 * Pure. Guest time is inside user and nice in /proc/stat, so %usr and %nice leave it out, as mpstat does.
 */
import { CPU_FIELDS, type CpuTimes, type ProcStat } from '../records/procstat.js';
import { delta } from './delta.js';

export interface MpstatRow {
  /** "all" or "cpuN" */
  id: string;
  /** the CPU number, or "all" */
  cpu: number | 'all';
  usr_pct: number | null;
  nice_pct: number | null;
  sys_pct: number | null;
  iowait_pct: number | null;
  irq_pct: number | null;
  soft_pct: number | null;
  steal_pct: number | null;
  guest_pct: number | null;
  gnice_pct: number | null;
  idle_pct: number | null;
  /** 100 − %idle − %iowait */
  busy_pct: number | null;
}

function cpuRow(id: string, cur: CpuTimes, prev: CpuTimes | undefined): MpstatRow {
  const d = (k: keyof CpuTimes): number | null => (prev ? delta(cur[k], prev[k]) : null);
  const user = d('user');
  const nice = d('nice');
  const guest = d('guest');
  const gnice = d('guest_nice');
  const parts = { sys: d('system'), idle: d('idle'), iowait: d('iowait'), irq: d('irq'), soft: d('softirq'), steal: d('steal') };
  // A counter that went backwards (iowait can, on NO_HZ kernels) is unknown for this interval and left out of the total.
  let total = 0;
  for (const v of [user, nice, ...Object.values(parts)]) total += v ?? 0;
  const pct = (v: number | null): number | null => (v === null || total <= 0 ? null : (v / total) * 100);
  const minus = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.max(0, a - b));
  const idle = pct(parts.idle);
  const iowait = pct(parts.iowait);
  return {
    id,
    cpu: id === 'all' ? 'all' : Number(id.slice(3)),
    usr_pct: pct(minus(user, guest)),
    nice_pct: pct(minus(nice, gnice)),
    sys_pct: pct(parts.sys),
    iowait_pct: iowait,
    irq_pct: pct(parts.irq),
    soft_pct: pct(parts.soft),
    steal_pct: pct(parts.steal),
    guest_pct: pct(guest),
    gnice_pct: pct(gnice),
    idle_pct: idle,
    busy_pct: idle === null || iowait === null ? null : Math.max(0, 100 - idle - iowait),
  };
}

/**
 * The CPUs present in both samples, their times summed: the all-CPU figures. The kernel's own total line sums the CPUs
 * online now, so a CPU going offline (hotplug) takes its times out of it and the total goes backwards for an interval;
 * the sum over the CPUs of both samples does not. Null when the samples list no CPU of their own.
 */
export function commonCpuTimes(sample: ProcStat, previous: ProcStat): { cur: CpuTimes; prev: CpuTimes } | null {
  let cur: CpuTimes | null = null;
  let prev: CpuTimes | null = null;
  for (const [id, c] of sample.cpus) {
    const p = previous.cpus.get(id);
    if (id === 'all' || !p) continue;
    if (!cur || !prev) {
      cur = { ...c };
      prev = { ...p };
      continue;
    }
    for (const f of CPU_FIELDS) {
      cur[f] += c[f];
      prev[f] += p[f];
    }
  }
  return cur && prev ? { cur, prev } : null;
}

/** One row per CPU present in both samples, and the all-CPU row (over those CPUs). No previous sample: no rows. */
export function deriveMpstat(sample: ProcStat, previous: ProcStat | undefined, _elapsedNs: number): MpstatRow[] {
  if (!previous) return [];
  const rows: MpstatRow[] = [];
  for (const [id, cur] of sample.cpus) {
    if (id === 'all') {
      const both = commonCpuTimes(sample, previous);
      const prev = previous.cpus.get('all');
      if (both) rows.push(cpuRow('all', both.cur, both.prev));
      else if (prev) rows.push(cpuRow('all', cur, prev));
      continue;
    }
    const prev = previous.cpus.get(id);
    if (prev) rows.push(cpuRow(id, cur, prev));
  }
  return rows;
}
