/** /proc/stat: per-CPU time counters (USER_HZ ticks) and the run-queue gauges. Pure parsers, tested on fixtures. */

export const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'] as const;
export type CpuField = (typeof CPU_FIELDS)[number];
export type CpuTimes = Record<CpuField, bigint>;

export interface ProcStat {
  /** "all" (the kernel's own total line) and "cpu0", "cpu1", …, in file order */
  cpus: Map<string, CpuTimes>;
  ctxt: bigint | null;
  processes: bigint | null;
  procsRunning: number | null;
  procsBlocked: number | null;
}

export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = { cpus: new Map(), ctxt: null, processes: null, procsRunning: null, procsBlocked: null };
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const name = parts[0];
    if (!name) continue;
    if (/^cpu\d*$/.test(name)) {
      // Older kernels have fewer columns (steal 2.6.11, guest 2.6.24, guest_nice 2.6.33): missing ones are 0.
      const times = {} as CpuTimes;
      CPU_FIELDS.forEach((f, i) => {
        const v = parts[i + 1];
        if (v !== undefined && !/^\d+$/.test(v)) throw new Error(`/proc/stat: bad ${f} on the ${name} line`);
        times[f] = v === undefined ? 0n : BigInt(v);
      });
      out.cpus.set(name === 'cpu' ? 'all' : name, times);
    } else if (name === 'ctxt' && parts[1]) out.ctxt = BigInt(parts[1]);
    else if (name === 'processes' && parts[1]) out.processes = BigInt(parts[1]);
    else if (name === 'procs_running' && parts[1]) out.procsRunning = Number(parts[1]);
    else if (name === 'procs_blocked' && parts[1]) out.procsBlocked = Number(parts[1]);
  }
  if (!out.cpus.has('all')) throw new Error('/proc/stat: no cpu line');
  return out;
}
