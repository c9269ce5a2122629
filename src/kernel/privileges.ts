/** What this process may do with BPF, read from /proc/self/status, and the one line that says what is missing. */
import { readdirSync, readFileSync } from 'node:fs';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export const TRACEFS = '/sys/kernel/tracing';

export interface Privileges {
  uid: number;
  capBpf: boolean;
  capPerfmon: boolean;
  capSysAdmin: boolean;
}

/** Parses the CapEff line of /proc/<pid>/status. Pure, for tests. */
export function parseCapEff(status: string): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(status);
  return m?.[1] ? BigInt(`0x${m[1]}`) : 0n;
}

export function readPrivileges(status = readFileSync('/proc/self/status', 'utf8'), uid = process.getuid?.() ?? -1): Privileges {
  const eff = parseCapEff(status);
  const has = (bit: bigint): boolean => ((eff >> bit) & 1n) === 1n;
  return { uid, capBpf: has(CAP_BPF), capPerfmon: has(CAP_PERFMON), capSysAdmin: has(CAP_SYS_ADMIN) };
}

export function canAccessTracefs(path = TRACEFS): boolean {
  try {
    // Reading it, not access(2): access checks with the real uid and without capabilities, so it refuses a sixty that
    // is not root but holds CAP_DAC_READ_SEARCH (the systemd unit's), which can read tracefs.
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Null when BPF programs can be loaded; otherwise one line naming what is missing and how to run sixty.
 * CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON. Tracefs (classic tracepoints only) is checked per tier, not here.
 */
/** The initial PID namespace's inode (PROC_PID_INIT_INO, include/linux/proc_ns.h): the same on every kernel. */
const INIT_PID_NS = 'pid:[4026531836]';

/**
 * sixty runs in the host's PID namespace: its pid is the tgid BPF programs see. In a container's namespace it is not
 * (a program comparing it would match some other host process), so nothing is left out there.
 */
export function inInitialPidNamespace(readLink: (path: string) => string | null): boolean {
  try {
    return readLink('/proc/self/ns/pid') === INIT_PID_NS;
  } catch {
    return false;
  }
}

export function missingBpfPrivileges(p: Privileges): string | null {
  if (p.capSysAdmin) return null;
  const missing: string[] = [];
  if (!p.capBpf) missing.push('CAP_BPF');
  if (!p.capPerfmon) missing.push('CAP_PERFMON');
  if (missing.length === 0) return null;
  return `BPF panels need root, or CAP_BPF + CAP_PERFMON; missing ${missing.join(', ')}: run sudo sixty`;
}
