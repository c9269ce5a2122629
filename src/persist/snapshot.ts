/**
 * Snapshots (`e`): everything sixty knows now, as versioned JSON (docs/snapshot.schema.json) beside a plain-text
 * rendering of the screen. Written atomically (a temporary file, then a hard link to the final name, which fails
 * rather than overwrite), mode 0600. Read back streamed with a size bound, and checked as frames are.
 */
import { closeSync, constants, fstatSync, linkSync, openSync, readSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Frame } from '../frame.js';
import type { Catalog } from '../panels/types.js';
import { checkFrame, FormatError, hostFrom, isObj, SCHEMA_VERSION, textOr } from './frames.js';

export const SNAPSHOT_FORMAT = 'sixty-snapshot';
/** A snapshot is one frame with an hour of trends at most: far below this. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

export interface HostMeta {
  hostname: string;
  kernel: string;
  cpus: number;
}

export interface SnapshotMeta {
  host: HostMeta;
  sixty: string;
  intervalS: number;
  createdAt: string;
}

export interface Snapshot extends SnapshotMeta {
  frame: Frame;
}

/** The checklist's steps, readings and verdicts, at the top of the document for people and scripts. */
function checklist(frame: Frame, catalog: Catalog): unknown[] {
  const home = frame.panels.find((p) => catalog.spec(p.id)?.role === 'start');
  return (home?.rows ?? []).map((r) => {
    const x = r as unknown as Record<string, unknown>;
    return { step: x.step, check: x.check, verdict: x.verdict, reading: x.reading, why: x.why, explains: x.explains };
  });
}

export function snapshotDocument(meta: SnapshotMeta, frame: Frame, catalog: Catalog): Record<string, unknown> {
  return {
    format: SNAPSHOT_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    sixty: meta.sixty,
    createdAt: meta.createdAt,
    host: meta.host,
    intervalS: meta.intervalS,
    checklist: checklist(frame, catalog),
    // Per-process totals are what the metrics endpoint is made of; a snapshot has its rows.
    frame: { ...frame, panels: frame.panels.map(({ byProcess: _b, ...p }) => p) },
  };
}

/** `sixty-<host>-<UTC time>`: the host made safe for a file name, the time to the second (20261201T130925Z). */
export function snapshotStem(host: string, at: Date): string {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'host';
  return `sixty-${safe}-${at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '')}`;
}

/**
 * Writes `data` to `path` without ever overwriting: a temporary file beside it (O_EXCL, 0600), synced, then linked to
 * the final name (EEXIST if something is there) and unlinked. A reader never sees a partial file. Throws the errno.
 */
export function writeExclusive(path: string, data: string | Buffer): void {
  // The temporary name is unpredictable: anything planted at a name sixty would choose (a link, a FIFO, thousands of
  // them) cannot make the export fail or wait. One taken by chance is drawn again.
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw e;
    }
  }
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}

/** The folded stacks of each stack panel with rows in the frame, as files beside a snapshot (`<stem>.<panel>.folded`). */
export function foldedExports(frame: Frame, catalog: Catalog): { suffix: string; text: string }[] {
  const out: { suffix: string; text: string }[] = [];
  for (const p of frame.panels) {
    const lines = catalog.spec(p.id)?.folded?.(p.rows) ?? [];
    if (lines.length > 0) out.push({ suffix: `.${p.id}.folded`, text: `${lines.join('\n')}\n` });
  }
  return out;
}

/**
 * Writes the pair `<stem>.json` and `<stem>.txt` in `dir`, and any extra files beside them (`<stem><suffix>`: a stack
 * panel's folded stacks); when a name is taken (two exports in one second), the next free `<stem>-2` and so on.
 * Returns the JSON's path.
 */
export function writeSnapshot(dir: string, stem: string, json: string, text: string, extras: readonly { suffix: string; text: string }[] = []): string {
  for (let n = 1; n < 100; n++) {
    const base = join(dir, n === 1 ? stem : `${stem}-${n}`);
    try {
      writeExclusive(`${base}.json`, json);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    for (const [suffix, body] of [['.txt', text] as const, ...extras.map((x) => [x.suffix, x.text] as const)]) {
      try {
        writeExclusive(`${base}${suffix}`, body);
      } catch (e) {
        // The JSON is the snapshot; the others are its renderings. Say which failed, keep the JSON.
        throw Object.assign(new Error(`${base}.json written, but not ${basename(base)}${suffix}: ${(e as Error).message}`), {
          code: (e as NodeJS.ErrnoException).code,
        });
      }
    }
    return `${base}.json`;
  }
  throw Object.assign(new Error(`${stem}: 99 snapshots of that name already`), { code: 'EEXIST' });
}

/** Reads at most `max` bytes of a file; more is a FormatError (the file is not what it says). */
export function readBounded(path: string, max: number, what: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FormatError(`not a regular file`);
    if (st.size > max) throw new FormatError(`${(st.size / 1048576).toFixed(0)} MB is too large for a ${what} (at most ${max / 1048576} MB)`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw new FormatError(`more than ${max / 1048576} MB: too large for a ${what}`);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** A snapshot document (already parsed JSON), checked. */
export function checkSnapshot(doc: unknown, catalog: Catalog): Snapshot {
  if (!isObj(doc) || doc.format !== SNAPSHOT_FORMAT) throw new FormatError('not a sixty snapshot (no "format": "sixty-snapshot")');
  const v = doc.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FormatError('no schema version');
  if (v > SCHEMA_VERSION) throw new FormatError(`written by a newer sixty (schema ${v}; this one reads up to ${SCHEMA_VERSION})`);
  const frame = checkFrame(doc.frame, catalog, true);
  return {
    host: hostFrom(doc.host),
    sixty: textOr(doc.sixty, '?'),
    intervalS: typeof doc.intervalS === 'number' && doc.intervalS > 0 ? doc.intervalS : 1,
    createdAt: textOr(doc.createdAt, frame.time),
    frame,
  };
}

/** Parses a snapshot's bytes: JSON, then checked. The file's bytes never reach a message (they may be anything). */
export function parseSnapshot(buf: Buffer, catalog: Catalog): Snapshot {
  if (buf.length === 0) throw new FormatError('the file is empty');
  const start = buf.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (start < 0 || buf[start] !== 0x7b || buf.includes(0))
    throw new FormatError('not a sixty snapshot or recording (neither a SIXTYREC header nor a JSON object)');
  let doc: unknown;
  try {
    doc = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new FormatError('not valid JSON: truncated or damaged');
  }
  return checkSnapshot(doc, catalog);
}
