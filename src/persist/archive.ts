/**
 * `--record DIR`: a directory of recordings, what an always-on sixty keeps. One file an hour (or sooner, at
 * --record-max), named by the UTC time of its first frame, `sixty-20261207T031200Z.sixtyrec`; `--retain 7d` and
 * `--retain-size 2G` remove the oldest files, never the one being written and never a file sixty did not name.
 *
 * Each file is an ordinary recording (persist/recording.ts): it opens alone, and a crash tears at most its last frame.
 * The names sort by time, so `--replay DIR --at TIME` finds its file from the names alone (archiveFileAt), without
 * opening the week of files before it.
 */
import { geteuid } from 'node:process';
import { lstatSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Frame } from '../frame.js';
import type { Catalog } from '../panels/types.js';
import { RecordingWriter, type LockFn, type Recorder, type RecorderStatus, type RecordingMeta } from './recording.js';

/** A file of the archive: `sixty-YYYYMMDDTHHMMSSZ.sixtyrec` (or `-2`, `-3` when a start fell in the same second). */
const NAME = /^sixty-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-\d{1,2})?\.sixtyrec$/;

/** How long one file of the archive spans: a file an hour keeps a seek within it short, and retention fine-grained. */
export const FILE_SPAN_MS = 3600_000;

/** How often (in frames) retention is applied between file starts: --retain by age needs no more than a minute's care. */
const PRUNE_EVERY = 60;

export interface RetainPolicy {
  /** files whose last frame is older than this are removed; null: no bound */
  maxAgeMs: number | null;
  /** the archive's files together stay under this (the oldest go first); null: no bound */
  maxBytes: number | null;
}

export interface ArchiveFile {
  name: string;
  /** the time in its name: its first frame's (ms since the epoch) */
  startMs: number;
  /** its last write (ms since the epoch): its last frame's time, near enough for retention */
  endMs: number;
  bytes: number;
}

/** The name a file starting at `ms` gets. */
export function archiveName(ms: number): string {
  return `sixty-${new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** The start time a file's name states, or null when it is not a name sixty gives. */
export function archiveStart(name: string): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The archive's files, oldest first: regular files with sixty's names, of the user running sixty (anything else in the
 * directory, a link or a file someone else put there, is neither read nor removed).
 */
export function listArchive(dir: string, uid = geteuid?.() ?? -1): ArchiveFile[] {
  const out: ArchiveFile[] = [];
  for (const name of readdirSync(dir)) {
    const startMs = archiveStart(name);
    if (startMs === null) continue;
    let st;
    try {
      st = lstatSync(join(dir, name));
    } catch {
      continue; // removed meanwhile
    }
    if (!st.isFile() || (uid >= 0 && st.uid !== uid)) continue;
    out.push({ name, startMs, endMs: st.mtimeMs, bytes: st.size });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name, 'en'));
}

/**
 * The files retention removes (a pure function): those whose last write is older than maxAge, then the oldest until
 * the rest fit in maxBytes. `current` (the file being written) is never one of them, even when it alone is too big.
 */
export function expiredFiles(files: readonly ArchiveFile[], current: string | null, policy: RetainPolicy, nowMs: number): ArchiveFile[] {
  const out: ArchiveFile[] = [];
  let total = files.reduce((n, f) => n + f.bytes, 0);
  for (const f of files) {
    if (f.name === current) continue;
    const old = policy.maxAgeMs !== null && f.endMs < nowMs - policy.maxAgeMs;
    const over = policy.maxBytes !== null && total > policy.maxBytes;
    if (!old && !over) continue;
    out.push(f);
    total -= f.bytes;
  }
  return out;
}

/**
 * The file of an archive that holds time `ms`: the last one starting at or before it (the first when `ms` is before
 * them all). Null for an empty archive.
 */
export function archiveFileAt(files: readonly ArchiveFile[], ms: number | null): ArchiveFile | null {
  if (files.length === 0) return null;
  if (ms === null) return files[files.length - 1]!;
  let pick = files[0]!;
  for (const f of files) if (f.startMs <= ms) pick = f;
  return pick;
}

/** Checks (or makes, mode 0700) the directory --record names. Throws an errno error as fs does. */
export function prepareArchiveDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dir, { mode: 0o700 });
  }
}

/** Records into a directory: a new file each FILE_SPAN_MS of frame time (or at maxBytes), retention after each start. */
export class ArchiveRecorder implements Recorder {
  private writer: RecordingWriter | null = null;
  /** the span (floor(time / FILE_SPAN_MS)) the current file records */
  private span = -1;
  private closing: Promise<void> = Promise.resolve();
  /** files of this run that are being closed (their queued records written): their counts are still theirs */
  private readonly retiring = new Set<RecordingWriter>();
  private sinceprune = 0;
  /** totals over the files this run wrote (the current file's own count is added in status) */
  private done = { frames: 0, dropped: 0 };
  /** files this run started */
  private files = 0;
  /** why the last file stopped, until a new one starts */
  private lastError: string | null = null;
  /** files retention removed in this run */
  removed = 0;

  constructor(
    readonly path: string,
    private readonly meta: () => RecordingMeta,
    private readonly opts: {
      catalog: Catalog;
      retain: RetainPolicy;
      /** bytes at which a new file starts before the hour is out */
      maxBytes?: number | null;
      lock?: LockFn;
      /** a file's span (tests shorten it) */
      spanMs?: number;
      now?: () => number;
      /** retention's failures (a file that could not be removed), for the log */
      onWarning?: (line: string) => void;
      /** this process's rows and events left out (the daemon's own) */
      omitPid?: number;
    },
  ) {
    prepareArchiveDir(path);
    this.prune();
  }

  /** The file being written, or null before the first frame. */
  get current(): string | null {
    return this.writer?.path ?? null;
  }

  get status(): RecorderStatus {
    const w = this.writer?.status;
    let frames = this.done.frames + (w?.frames ?? 0);
    let dropped = this.done.dropped + (w?.dropped ?? 0);
    for (const r of this.retiring) {
      frames += r.status.frames;
      dropped += r.status.dropped;
    }
    return {
      path: w?.path ?? this.path,
      frames,
      bytes: w?.bytes ?? 0,
      dropped,
      rotations: Math.max(0, this.files - 1),
      error: w?.error ?? this.lastError,
    };
  }

  /** Adds one frame: into the current file, or a new one when the hour turned, the file is full, or the last one failed. */
  add(frame: Frame): void {
    const spanMs = this.opts.spanMs ?? FILE_SPAN_MS;
    const t = Date.parse(frame.time);
    const span = Math.floor(t / spanMs);
    const w = this.writer;
    const full = w !== null && this.opts.maxBytes != null && w.status.bytes >= this.opts.maxBytes;
    if (w === null || span !== this.span || full || w.status.error !== null) {
      // A failed file is tried again only in a new span: a full disk is not hammered every second.
      if (w !== null && w.status.error !== null && span === this.span && !full) return;
      this.start(t, span);
    }
    this.writer?.add(frame);
    if (++this.sinceprune >= PRUNE_EVERY) this.prune();
  }

  private start(t: number, span: number): void {
    const old = this.writer;
    if (old) {
      // Its queued records are written and synced before it closes; its counts join the run's then.
      this.retiring.add(old);
      this.closing = this.closing.then(async () => {
        await old.close();
        this.retiring.delete(old);
        this.done.frames += old.status.frames;
        this.done.dropped += old.status.dropped;
      });
    }
    this.writer = null;
    this.span = span;
    try {
      this.writer = RecordingWriter.createNew(this.path, archiveName(t), this.meta(), {
        catalog: this.opts.catalog,
        ...(this.opts.lock ? { lock: this.opts.lock } : {}),
        ...(this.opts.omitPid !== undefined ? { omitPid: this.opts.omitPid } : {}),
      });
      this.files++;
      this.lastError = null;
    } catch (e) {
      this.lastError = `cannot start a file in ${this.path}: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.prune();
  }

  /** Applies --retain and --retain-size now. Never throws: a file that cannot be removed is said, and kept. */
  prune(): void {
    this.sinceprune = 0;
    const { maxAgeMs, maxBytes } = this.opts.retain;
    if (maxAgeMs === null && maxBytes === null) return;
    let files: ArchiveFile[];
    try {
      files = listArchive(this.path);
    } catch (e) {
      this.opts.onWarning?.(`cannot list ${this.path}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const current = this.writer ? basename(this.writer.path) : null;
    for (const f of expiredFiles(files, current, this.opts.retain, (this.opts.now ?? Date.now)())) {
      try {
        unlinkSync(join(this.path, f.name));
        this.removed++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onWarning?.(`cannot remove ${f.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  async drain(): Promise<void> {
    await this.closing;
    await this.writer?.drain();
  }

  async close(): Promise<void> {
    await this.closing;
    const w = this.writer;
    if (!w) return;
    await w.close();
    this.done.frames += w.status.frames;
    this.done.dropped += w.status.dropped;
    this.lastError = w.status.error;
    this.writer = null;
  }

  closeNow(): void {
    this.writer?.closeNow();
  }
}
