/** What this process may do with BPF, read from /proc/self/status, and the one line that says what is missing. */
import { accessSync, constants, readFileSync } from 'node:fs';

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
    accessSync(path, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Null when BPF can be loaded; otherwise one line naming what is missing and how to run sixty.
 * CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON. Classic tracepoints also need tracefs, which is root-only.
 */
export function missingPrivileges(p: Privileges, tracefsOk: boolean): string | null {
  if (p.uid === 0 && p.capSysAdmin) return null;
  const missing: string[] = [];
  if (!p.capBpf && !p.capSysAdmin) missing.push('CAP_BPF');
  if (!p.capPerfmon && !p.capSysAdmin) missing.push('CAP_PERFMON');
  if (!tracefsOk) missing.push(`access to ${TRACEFS}`);
  if (missing.length === 0) return null;
  return `BPF panels need root, or CAP_BPF + CAP_PERFMON and access to tracefs; missing ${missing.join(', ')}: run sudo sixty`;
}
