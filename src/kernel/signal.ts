/**
 * Acting on a process from the console (F9 signals it, F7 F8 renice it), after the user said yes: only if the pid is
 * still the process the row showed (its start time, to the second), since a pid is used again once its process ends.
 */
import { setPriority } from 'node:os';
import { readFileSync } from 'node:fs';
import { hostConstants } from './auxv.js';
import { parsePidStatFull } from '../records/procpid.js';
import { SIGNALS } from '../records/procs.js';

export type ProcessAction = { type: 'signal'; pid: number; start: number; signal: number } | { type: 'renice'; pid: number; start: number; nice: number };

/** The process's start now (epoch seconds), or null when there is no such pid. */
function startOf(pid: number, readText: (path: string) => string): number | null {
  try {
    const st = parsePidStatFull(readText(`/proc/${pid}/stat`));
    const uptime = Number(readText('/proc/uptime').split(' ')[0]);
    if (!st || !Number.isFinite(uptime)) return null;
    return Date.now() / 1000 - uptime + st.starttime / hostConstants().clockTicks;
  } catch {
    return null;
  }
}

/** Does it, or says why not: one line for the console's notice. */
export function actOnProcess(a: ProcessAction, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): { text: string; error: boolean } {
  const what = a.type === 'signal' ? (SIGNALS[a.signal] ?? `signal ${a.signal}`) : `nice ${a.nice}`;
  const now = startOf(a.pid, readText);
  if (now === null || (a.type === 'signal' && a.signal === 0)) return { text: `${a.pid} has ended: nothing sent`, error: true };
  if (Math.abs(now - a.start) > 1) return { text: `${a.pid} is now another process (its pid was used again): nothing sent`, error: true };
  try {
    if (a.type === 'signal') process.kill(a.pid, a.signal);
    else setPriority(a.pid, a.nice);
    return { text: a.type === 'signal' ? `sent ${what} to ${a.pid}` : `${a.pid} reniced to ${a.nice}`, error: false };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why =
      code === 'EPERM' || code === 'EACCES' || /permission|not permitted/i.test(String((e as Error).message))
        ? "not permitted (another user's process, or a lower nice value: that needs root)"
        : code === 'ESRCH'
          ? 'it has ended'
          : String((e as Error).message);
    return { text: `${what} to ${a.pid}: ${why}`, error: true };
  }
}
