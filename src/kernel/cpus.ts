/** CPUs online, from sysfs: not os.availableParallelism(), which follows this process's CPU affinity (taskset). */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Parses a kernel CPU list ("0-3,6,8-9") into a count. Pure. */
export function parseCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad CPU list '${text.trim()}'`);
    n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return n;
}

export function onlineCpus(path = '/sys/devices/system/cpu/online'): number {
  try {
    return parseCpuList(readFileSync(path, 'utf8'));
  } catch {
    return cpus().length;
  }
}
