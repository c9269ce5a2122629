/** Opens a /proc source: no privilege needed, only that its files can be read. */
import { closeSync, openSync, readSync } from 'node:fs';
import { oneLine } from '../errors.js';
import type { HostInfo, OpenOutcome, ProcSource } from './types.js';

/** One staging buffer for every /proc read (grown when a file is bigger): a scan of thousands of files allocates none. */
let staging = Buffer.allocUnsafe(64 * 1024);

/**
 * A /proc (or /sys) file as text: open, read until the end, close, into the staging buffer. /proc files say their
 * size is 0, so readFileSync stats each one and reads it into a buffer it grows: a third more system calls and a buffer
 * per file, where the process panel reads three files per process every interval.
 */
export function readProcText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === staging.length) {
        const bigger = Buffer.allocUnsafe(staging.length * 2);
        staging.copy(bigger, 0, 0, n);
        staging = bigger;
      }
      const r = readSync(fd, staging, n, staging.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return staging.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

export function openProcSource<S>(source: ProcSource<S>, host: HostInfo): OpenOutcome<S> {
  try {
    const read = source.createReader(host.readText, host);
    return { ok: true, handle: { tier: 'proc', hooks: source.files.join(' '), attempts: [], read, programStats: null, close: () => read.close?.() } };
  } catch (e) {
    return { ok: false, status: 'error', reason: oneLine(e), attempts: [] };
  }
}
