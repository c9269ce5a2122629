/** Opens a /proc source: no privilege needed, only that its files can be read. */
import { readFileSync } from 'node:fs';
import { oneLine } from '../errors.js';
import type { HostInfo, OpenOutcome, ProcSource } from './types.js';

export const readProcText = (path: string): string => readFileSync(path, 'utf8');

export function openProcSource<S>(source: ProcSource<S>, host: HostInfo): OpenOutcome<S> {
  try {
    const read = source.createReader(host.readText, host);
    return { ok: true, handle: { tier: 'proc', hooks: source.files.join(' '), attempts: [], read, programStats: null, close: () => read.close?.() } };
  } catch (e) {
    return { ok: false, status: 'error', reason: oneLine(e), attempts: [] };
  }
}
