/** tracefs is not mounted at boot on some hosts; classic tracepoints need it. Mounted on demand, as root. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { oneLine } from '../errors.js';
import { TRACEFS } from './privileges.js';

export function tracefsMounted(path = TRACEFS): boolean {
  return existsSync(`${path}/events`);
}

/** Null when tracefs is usable; otherwise why not. Mounts it when missing and we are root. */
export function ensureTracefs(path = TRACEFS): string | null {
  if (tracefsMounted(path)) return null;
  if (process.getuid?.() !== 0) return `tracefs is not mounted at ${path} (mount -t tracefs nodev ${path} as root)`;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return `could not mount tracefs at ${path}: ${oneLine(e)}`;
  }
  return tracefsMounted(path) ? null : `tracefs mounted at ${path} but has no events`;
}
