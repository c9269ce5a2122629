/** tracefs is not mounted at boot on some hosts; classic tracepoints need it. Mounted on demand, as root. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { oneLine } from '../errors.js';
import { canAccessTracefs, TRACEFS } from './privileges.js';

/** From the mount table, not a stat of the folder: tracefs is 0700, so a non-root stat cannot tell. */
export function tracefsMounted(path = TRACEFS, mounts = readMounts()): boolean {
  return mounts.split('\n').some((l) => {
    const [, dir, type] = l.split(' ');
    return type === 'tracefs' && dir === path;
  });
}

function readMounts(): string {
  try {
    return readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return '';
  }
}

/** Null when tracefs is usable; otherwise why not. Mounts it when missing and we are root. */
export function ensureTracefs(path = TRACEFS): string | null {
  if (tracefsMounted(path)) return canAccessTracefs(path) ? null : `no access to ${path} (classic tracepoints need root)`;
  if (process.getuid?.() !== 0) return `tracefs is not mounted at ${path} (mount -t tracefs nodev ${path} as root)`;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return `could not mount tracefs at ${path}: ${oneLine(e)}`;
  }
  return tracefsMounted(path) ? null : `tracefs did not appear at ${path} after mounting it`;
}
