/**
 * Recordings (`--record FILE`, `R`): one frame per interval appended to a compact file that a crash cannot spoil.
 *
 *   file    := "SIXTYREC" u8(1) u32le(metaLen) meta(JSON) u32le(crc32(meta)) record*
 *   record  := u8('F') u8(flags) u16(0) u32le(len) f64le(timeMs) u32le(crc32(payload)) payload
 *   payload := u16le(n) segment{n}; segment := u32le(len) deflate-raw(JSON)
 *              segment 0: the frame without its panels, and their ids in order ("panels": [...]);
 *              segment i: panel i as stored (persist/frames.ts). Except at a block start (flags bit 0, every BLOCK
 *              frames), which stands alone, each segment is stored as a patch against the same segment of the frame
 *              before (the head; the panel of that id): what changed (persist/patch.ts; from container 2). It is
 *              deflated with a dictionary: from container 3, the last 32 KB of that segment's JSON as stored in the
 *              frames since the block's start (as long as each had it); in containers 1 and 2, its JSON in the frame
 *              before alone. From container 5, an event panel's text columns are references to the texts the block
 *              stored before (persist/refs.ts).
 *
 * Consecutive frames are alike: a patch holds what changed (on a quiet host, the process table's 34 KB of JSON comes to
 * a few hundred bytes), and deflate finds the rest of it in the frames before (a reading that comes back every few
 * seconds, a scrape's opens, is found in the dictionary of several), so each frame costs from about a KB to a few KB.
 * Containers 1 (sixty before patches) and 2 are read as they were written. Each record is written whole, in one write,
 * and synced; a crash or power cut can tear only the last one, which the reader recognises (its length runs past the
 * end, or its checksum fails and nothing follows) and leaves out. Any other damage is a FormatError, at open (a header) or
 * when the frame is read (a payload's checksum). Reading needs a scan of the record headers (the index) and, for a
 * frame, the decoding of at most BLOCK frames from its block's start.
 */
import { closeSync, constants, fdatasync, fstatSync, ftruncateSync, openSync, readSync, renameSync, write as fsWrite, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Frame } from '../frame.js';
import type { Catalog } from '../panels/types.js';
import { checkFrame, FormatError, hostFrom, isObj, MAX_PANELS, SCHEMA_VERSION, storedFrame, textOr } from './frames.js';
import type { HostMeta } from './snapshot.js';
import { loadAddon } from '../native.js';
import { applyPatch, isPatch, makePatch } from './patch.js';
import { type Added, RefWriter, resolveRefs, type RefTables } from './refs.js';
import { writeFailure } from './output.js';

export const RECORDING_FORMAT = 'sixty-recording';
const MAGIC = Buffer.from('SIXTYREC');
/**
 * 5: an event panel's text columns may be references to the texts its block stored before (persist/refs.ts), which an
 * older sixty would not read. 4: an event panel's events may be stored by column (persist/frames.ts, COLUMNS_FROM).
 * Otherwise as 3: segments after a block's first are patches, deflated with the segment's last 32 KB as a dictionary.
 * Still read, and extended as they were written: 4, 3, 2 (the dictionary is the frame before's alone) and 1 (every
 * segment whole, too).
 */
const CONTAINER = 5;
const CONTAINERS = [1, 2, 3, 4, 5];
const HEADER = 20;
const KIND_FRAME = 0x46;
const FLAG_BLOCK = 1;
/** Frames per block: a seek decodes at most this many. */
export const BLOCK = 60;
/** deflate's window: the part of the frames before that a dictionary can use. */
const WINDOW = 32 * 1024;

/**
 * One segment's dictionary as the writer keeps it (container 3 and later): the last WINDOW bytes of its JSON as stored, appended
 * to frame by frame in a buffer of twice that, so that a frame moves at most WINDOW bytes and allocates nothing.
 */
class DictWindow {
  private readonly buf = Buffer.allocUnsafe(2 * WINDOW);
  private len = 0;

  clear(): void {
    this.len = 0;
  }

  push(b: Buffer): void {
    if (b.length >= WINDOW) {
      b.copy(this.buf, 0, b.length - WINDOW);
      this.len = WINDOW;
      return;
    }
    if (this.len + b.length > this.buf.length) {
      const keep = Math.min(this.len, WINDOW - b.length);
      this.buf.copyWithin(0, this.len - keep, this.len);
      this.len = keep;
    }
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  view(): Buffer | undefined {
    return this.len > 0 ? this.buf.subarray(Math.max(0, this.len - WINDOW), this.len) : undefined;
  }
}

/**
 * The same as the reader keeps it: the stored JSON of the frames since the block's start, oldest first, no longer than
 * the WINDOW bytes a dictionary can use (the buffers are the frames' own, shared with the frames after).
 */
function nextWindow(before: readonly Buffer[] | undefined, raw: Buffer): Buffer[] {
  const out = before ? [...before, raw] : [raw];
  let total = out.reduce((n, b) => n + b.length, 0);
  while (out.length > 1 && total - out[0]!.length >= WINDOW) total -= out.shift()!.length;
  return out;
}

function windowView(parts: readonly Buffer[] | undefined): Buffer | undefined {
  if (!parts || parts.length === 0) return undefined;
  const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return all.length > 0 ? all.subarray(-WINDOW) : undefined;
}
/**
 * Bounds from what sixty writes, checked before the work they bound: a frame is at most a few hundred KB of JSON
 * (RECORD_ROWS rows per panel), a few KB compressed. A file that says otherwise is damaged or crafted, and is refused
 * before it can make replay (which needs no root) take gigabytes.
 */
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** inflated bytes of one frame, all its segments together */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** segments of one frame: its head and a panel each */
const MAX_SEGMENTS = 1 + MAX_PANELS;
/** rows per panel in a recorded frame: sixty keeps RECORD_ROWS (earlier versions 200) */
export const MAX_RECORDED_ROWS = 1000;
/** inflated bytes the frame cache keeps (stepping back and forth decodes nothing twice within this) */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** checked frames kept (the ones on screen and beside it) */
const FRAME_CACHE = 8;
const MAX_META_BYTES = 1024 * 1024;
/** Records waiting for the disk before new frames are dropped (a stalled disk must not grow sixty's memory). */
const MAX_PENDING = 16;

export interface RecordingMeta {
  format: typeof RECORDING_FORMAT;
  schemaVersion: number;
  sixty: string;
  host: HostMeta;
  intervalS: number;
  startedAt: string;
  rowsPerPanel: number;
}

export interface RecorderStatus {
  path: string;
  /** frames written and synced (in every file of this run) */
  frames: number;
  /** the current file's size on disk */
  bytes: number;
  /** frames not written because the disk was behind */
  dropped: number;
  /** files rotated out (FILE.1) because FILE reached --record-max */
  rotations: number;
  /** why recording stopped (a write failed); null while it runs */
  error: string | null;
}

/** What records frames: one file (RecordingWriter) or a directory of them (ArchiveRecorder, persist/archive.ts). */
export interface Recorder {
  /** the file, or the directory, for messages */
  readonly path: string;
  readonly status: RecorderStatus;
  /** Queues one frame. Never throws: a failure is in status.error. */
  add(frame: Frame): void;
  drain(): Promise<void>;
  close(): Promise<void>;
  /** Closes without waiting (an exit path). */
  closeNow(): void;
}

function headerBytes(meta: RecordingMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const b = Buffer.alloc(MAGIC.length + 1 + 4 + json.length + 4);
  MAGIC.copy(b, 0);
  b[8] = CONTAINER;
  b.writeUInt32LE(json.length, 9);
  json.copy(b, 13);
  b.writeUInt32LE(crc32(json), 13 + json.length);
  return b;
}

/** Why a recording cannot be written where it was asked: one line for the user, the file left as it was. */
export class RecordingRefused extends Error {
  override name = 'RecordingRefused';
}

/** flock(2) on an open file, without waiting (the addon's): false when another sixty holds it. */
export type LockFn = (fd: number) => boolean;

const defaultLock: LockFn = (fd) => loadAddon().lockFile(fd);

/**
 * Opens a recording file for appending, safely in a directory others can write to (/tmp, a shared export folder):
 * never following a symbolic link, never blocking on a FIFO planted at the name, and appending only to a regular file
 * of the user running sixty that no one else can read or write (a file planted at the name by someone else is
 * refused, never filled with what sixty sees). `how`: 'new' when the name must be new (a name sixty chose itself),
 * 'existing' when it must already be there. Returns the open descriptor and whether the file was created here.
 */
function openSafely(path: string, how: 'new' | 'new-or-existing' | 'existing'): { fd: number; created: boolean } {
  const flags = constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  if (how !== 'existing') {
    try {
      return { fd: openSync(path, flags | constants.O_CREAT | constants.O_EXCL, 0o600), created: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || how === 'new') throw e;
    }
  }
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new RecordingRefused('it is a symbolic link');
    throw e;
  }
  try {
    const st = fstatSync(fd);
    const euid = process.geteuid?.() ?? st.uid;
    if (!st.isFile()) throw new RecordingRefused('it exists and is not a regular file');
    if (st.uid !== euid) throw new RecordingRefused(`it exists and belongs to another user (uid ${st.uid})`);
    if ((st.mode & 0o077) !== 0)
      throw new RecordingRefused(`others may read or write it (mode ${(st.mode & 0o777).toString(8)}; sixty records to files of mode 600)`);
    if (st.nlink !== 1) throw new RecordingRefused('it has other names (hard links)');
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { fd, created: false };
}

/** Appends frames to FILE. Writes and syncs run off the event loop, in order; frames are compressed as they come. */
export class RecordingWriter implements Recorder {
  private fd: number;
  /** the previous frame's segments' JSON as stored, by key ('' the head, else the panel id); null: the next frame starts a block */
  private prev: Map<string, Buffer> | null = null;
  /** the previous frame's segments as values (what the next frame's patches are made against) */
  private prevValues: Map<string, Record<string, unknown>> | null = null;
  /** container 3 and later: each segment's dictionary for the next frame (a segment the last frame did not have has none) */
  private windows = new Map<string, DictWindow>();
  /** the file's container version: 1 (an older sixty's file, extended) stores every segment whole */
  private container = CONTAINER;
  /** per event panel, the last event stored (each event is stored once) */
  private readonly eventsAfter = new Map<string, number>();
  /** container 5: the texts each event column has stored in the block so far */
  private readonly refs = new RefWriter();
  private inBlock = 0;
  /** frames in the current file (rotation never leaves an empty one behind) */
  private fileFrames = 0;
  /** the file's size after its last whole record: where a failed write is cut back to */
  private end = 0;
  /** the file's size once every queued record is written (what rotation decides on) */
  private projected = 0;
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();
  readonly status: RecorderStatus;

  private readonly maxBytes: number | null;
  private readonly sync: boolean;
  private readonly catalog: Catalog;
  private readonly lock: LockFn;
  private readonly omitPid: number | undefined;

  /**
   * Opens FILE for recording. A new file gets the header; an existing sixty recording of this user is extended (its
   * next frame starts a block; a last record torn by a crash or a full disk is cut off first, so the frames before it
   * stay readable); anything else is refused. A file another sixty is recording to is refused (flock). `maxBytes`:
   * when FILE would pass it, FILE becomes FILE.1 (replacing an older one) and a new FILE starts, so the two together
   * stay under twice the bound. `mustCreate`: FILE must not exist (a name sixty chose, as `R` does).
   */
  constructor(
    readonly path: string,
    private readonly meta: RecordingMeta,
    opts: {
      catalog: Catalog;
      maxBytes?: number | null;
      /** sync each record to the disk (what makes a crash lose at most the last frame); off only to build test files fast */
      sync?: boolean;
      mustCreate?: boolean;
      lock?: LockFn;
      /** this process's rows and events left out of every frame (storedFrame) */
      omitPid?: number;
    },
  ) {
    this.omitPid = opts.omitPid;
    this.catalog = opts.catalog;
    this.maxBytes = opts.maxBytes ?? null;
    this.sync = opts.sync ?? true;
    this.lock = opts.lock ?? defaultLock;
    const { fd, frames, size } = this.openFile(path, opts.mustCreate ?? false);
    this.fd = fd;
    this.end = size;
    this.projected = size;
    this.status = { path, frames: 0, bytes: size, dropped: 0, rotations: 0, error: null };
    this.fileFrames = frames;
  }

  /**
   * `dir/stem.sixtyrec`, or the next free `stem-2.sixtyrec` and so on: always a new file, created here (a name taken
   * by anything, a file, a link or a FIFO someone planted, is passed over).
   */
  static createNew(
    dir: string,
    stem: string,
    meta: RecordingMeta,
    opts: { catalog: Catalog; maxBytes?: number | null; lock?: LockFn; omitPid?: number },
  ): RecordingWriter {
    for (let n = 1; n < 100; n++) {
      const path = join(dir, `${n === 1 ? stem : `${stem}-${n}`}.sixtyrec`);
      try {
        return new RecordingWriter(path, meta, { ...opts, mustCreate: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    throw Object.assign(new Error(`${stem}: 99 recordings of that name already`), { code: 'EEXIST' });
  }

  /** Opens (and locks) FILE; a new one gets the header, an existing one is checked and its torn tail cut off. */
  private openFile(path: string, mustCreate: boolean): { fd: number; frames: number; size: number } {
    const { fd, created } = openSafely(path, mustCreate ? 'new' : 'new-or-existing');
    try {
      if (!this.lock(fd)) throw new RecordingRefused('another sixty is recording to it');
      if (created) {
        const h = headerBytes(this.meta);
        let off = 0;
        while (off < h.length) off += writeSync(fd, h, off);
        this.container = CONTAINER;
        return { fd, frames: 0, size: h.length };
      }
      // Extending: it must be a recording this version reads, and end with a whole record.
      const { meta, end, frames, size, container } = scanRecording(fd);
      if (meta.schemaVersion !== this.meta.schemaVersion)
        throw new FormatError(`it is a recording of schema ${meta.schemaVersion}; this sixty writes ${this.meta.schemaVersion}`);
      if (end < size) ftruncateSync(fd, end);
      this.container = container;
      return { fd, frames, size: end };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Compresses one frame and queues its record. Never throws: a failure stops recording and says why in status. */
  add(frame: Frame): void {
    if (this.status.error !== null) return;
    if (this.pending >= MAX_PENDING) {
      this.status.dropped++;
      // The next frame cannot lean on one the file will not have.
      this.prev = null;
      this.prevValues = null;
      this.refs.clear();
      return;
    }
    const stored = storedFrame(frame, this.catalog, this.meta.rowsPerPanel, this.eventsAfter, this.omitPid, this.container >= 4) as {
      panels: ({ id: string } & Record<string, unknown>)[];
    } & Record<string, unknown>;
    const { panels, ...head } = stored;
    const values = new Map<string, Record<string, unknown>>([['', { ...head, panels: panels.map((p) => p.id) }]]);
    for (const p of panels) values.set(p.id, p);
    const time = Date.parse(frame.time);
    let block = this.prev === null || this.inBlock >= BLOCK;
    let added: Added = new Map();
    let kept = this.referred(values, block, added);
    let parts = this.segments(kept, block);
    let rec = this.record(parts, time, block);
    // Past the bound: this frame starts a new file (of this sixty's container), standing alone.
    const rotate = this.maxBytes !== null && this.fileFrames > 0 && this.projected + rec.length > this.maxBytes;
    if (rotate) {
      const again = !block || this.container !== CONTAINER;
      block = true;
      this.container = CONTAINER;
      if (again) {
        added = new Map();
        kept = this.referred(values, true, added);
        parts = this.segments(kept, true);
        rec = this.record(parts, time, true);
      }
    }
    this.refs.commit(added, block, new Set(values.keys()));
    this.prev = parts;
    this.prevValues = kept;
    if (this.container >= 3) {
      const next = new Map<string, DictWindow>();
      for (const [key, json] of parts) {
        const w = this.windows.get(key) ?? new DictWindow();
        if (block) w.clear();
        w.push(json);
        next.set(key, w);
      }
      this.windows = next;
    }
    this.inBlock = block ? 1 : this.inBlock + 1;
    this.pending++;
    if (rotate) {
      this.projected = headerBytes(this.meta).length + rec.length;
      this.fileFrames = 1;
      this.chain = this.chain.then(() => this.rotate());
    } else {
      this.projected += rec.length;
      this.fileFrames++;
    }
    this.chain = this.chain.then(() => this.append(rec)).finally(() => this.pending--);
  }

  /** Container 5: each event panel's text columns as references (persist/refs.ts); the texts they add go to `added`. */
  private referred(values: Map<string, Record<string, unknown>>, block: boolean, added: Added): Map<string, Record<string, unknown>> {
    if (this.container < 5) return values;
    const out = new Map<string, Record<string, unknown>>();
    for (const [key, v] of values) out.set(key, key === '' ? v : this.refs.refer(key, v, block, added));
    return out;
  }

  /** Each segment's JSON as stored: whole at a block start (or in a container 1 file), else a patch against the frame before. */
  private segments(values: ReadonlyMap<string, Record<string, unknown>>, block: boolean): Map<string, Buffer> {
    const parts = new Map<string, Buffer>();
    for (const [key, v] of values) {
      const before = block || this.container < 2 ? undefined : this.prevValues?.get(key);
      parts.set(key, Buffer.from(JSON.stringify((before && makePatch(v, before, this.container >= 5)) ?? v)));
    }
    return parts;
  }

  private record(parts: ReadonlyMap<string, Buffer>, time: number, block: boolean): Buffer {
    const segs: Buffer[] = [];
    for (const [key, json] of parts) {
      const dict = block ? undefined : this.container >= 3 ? this.windows.get(key)?.view() : this.prev?.get(key)?.subarray(-WINDOW);
      segs.push(dict ? deflateRawSync(json, { dictionary: dict }) : deflateRawSync(json));
    }
    const payload = Buffer.alloc(2 + segs.reduce((n, b) => n + 4 + b.length, 0));
    payload.writeUInt16LE(segs.length, 0);
    let off = 2;
    for (const b of segs) {
      payload.writeUInt32LE(b.length, off);
      b.copy(payload, off + 4);
      off += 4 + b.length;
    }
    const rec = Buffer.alloc(HEADER + payload.length);
    rec[0] = KIND_FRAME;
    rec[1] = block ? FLAG_BLOCK : 0;
    rec.writeUInt32LE(payload.length, 4);
    rec.writeDoubleLE(time, 8);
    rec.writeUInt32LE(crc32(payload), 16);
    payload.copy(rec, HEADER);
    return rec;
  }

  /**
   * FILE becomes FILE.1 and a new FILE starts. FILE.1 is replaced only when it is a recording of this user (the one an
   * earlier rotation left); the new FILE must not exist (anything at the name now was put there by someone else).
   */
  private rotate(): void {
    if (this.status.error !== null) return;
    const older = `${this.path}.1`;
    try {
      try {
        const { fd } = openSafely(older, 'existing');
        try {
          scanRecording(fd);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new RecordingRefused(`${older} is in the way (${e instanceof Error ? e.message : String(e)})`);
      }
      renameSync(this.path, older);
      closeSync(this.fd);
      const { fd, size } = this.openFile(this.path, true);
      this.fd = fd;
      this.end = size;
      this.status.bytes = size;
      this.status.rotations++;
    } catch (e) {
      this.fail(`cannot start a new file: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private append(rec: Buffer): Promise<void> {
    if (this.status.error !== null) return Promise.resolve();
    const at = this.end;
    return new Promise((resolve) => {
      fsWrite(this.fd, rec, 0, rec.length, null, (err, n) => {
        if (err || n !== rec.length) {
          // Cut the file back to its last whole record: what was recorded stays readable, and can be extended.
          try {
            ftruncateSync(this.fd, at);
          } catch {
            /* the reader leaves a torn last record out */
          }
          // A short write to a regular file is a full disk (or a file size limit): the next write would say ENOSPC.
          this.fail(err ? writeError(err) : 'no space left on the device (the file ends with the last whole frame)');
          return resolve();
        }
        this.end = at + rec.length;
        const done = (e: NodeJS.ErrnoException | null): void => {
          if (e) this.fail(writeError(e));
          else if (this.removed()) this.fail('the file was removed (or its directory): nothing more is recorded');
          else {
            this.status.frames++;
            this.status.bytes = this.end;
          }
          resolve();
        };
        if (!this.sync) return done(null);
        fdatasync(this.fd, done);
      });
    });
  }

  /** The file has no name left (it, or its directory, was removed while sixty wrote to it). */
  private removed(): boolean {
    try {
      return fstatSync(this.fd).nlink === 0;
    } catch {
      return true;
    }
  }

  private fail(why: string): void {
    this.status.error ??= why;
  }

  /** Resolves when every record queued so far is written and synced. */
  drain(): Promise<void> {
    return this.chain.catch(() => {});
  }

  /** Waits for the queued records, then closes the file. */
  async close(): Promise<void> {
    await this.chain.catch((e: unknown) => this.fail(e instanceof Error ? e.message : String(e)));
    try {
      closeSync(this.fd);
    } catch {
      /* closed */
    }
  }

  /** Closes without waiting (an exit path): what was written is on disk; the queue is dropped. */
  closeNow(): void {
    this.status.error ??= 'closed';
    try {
      closeSync(this.fd);
    } catch {
      /* closed */
    }
  }
}

/** A write error as the user should read it. */
function writeError(e: NodeJS.ErrnoException): string {
  return `${writeFailure(e)} (the file ends with the last whole frame)`;
}

/**
 * Walks the records after the header, streaming the file in 4 MB pieces: each record's header and payload checksum
 * (with `verify` 'last', the headers alone: scanHeaders).
 * Calls `onRecord` for each whole record; stops at a torn last record (its length runs past the end, or its checksum
 * fails and nothing follows: the write a crash or a full disk interrupted). Any other damage is a FormatError.
 * Returns where the last whole record ends.
 */
function scanRecords(
  fd: number,
  start: number,
  size: number,
  onRecord: (offset: number, time: number, block: boolean, len: number, crc: number) => void,
  /**
   * 'all': every payload read and its checksum checked (extending a file: what it appends to must be whole). 'last':
   * the headers alone, and the last record's checksum (a torn tail); the others are checked as they are read, so
   * opening an hour of a busy host (57 MB) for one moment reads 60 KB of headers, not all of it.
   */
  verify: 'all' | 'last' = 'all',
): { end: number; torn: boolean; frames: number } {
  if (verify === 'last') return scanHeaders(fd, start, size, onRecord);
  const CHUNK = 4 << 20;
  let buf = Buffer.alloc(Math.min(CHUNK, Math.max(HEADER, size - start)));
  let bufStart = start;
  let bufLen = 0;
  let pos = start;
  let frames = 0;
  const fill = (need: number): boolean => {
    // Keep [pos, pos + need) in the buffer.
    if (pos >= bufStart && pos + need <= bufStart + bufLen) return true;
    if (pos + need > size) return false;
    if (need > buf.length) buf = Buffer.alloc(need + CHUNK);
    bufStart = pos;
    bufLen = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    return bufLen >= need;
  };
  while (pos < size) {
    const at = pos;
    if (!fill(HEADER)) return { end: at, torn: true, frames };
    const { len, time, crc, block } = recordHeader(buf.subarray(pos - bufStart, pos - bufStart + HEADER), at, frames);
    pos += HEADER;
    // Runs past the end of the file: the write a crash interrupted.
    if (!fill(len)) return { end: at, torn: true, frames };
    const payload = buf.subarray(pos - bufStart, pos - bufStart + len);
    if (crc32(payload) !== crc || !Number.isFinite(time) || (frames === 0 && !block)) {
      // The last record torn by a power cut (its blocks not all on disk): left out. Anywhere else: damage.
      if (pos + len >= size) return { end: at, torn: true, frames };
      throw new FormatError(`damaged record at byte ${at} (frame ${frames + 1}: checksum)`);
    }
    onRecord(at + HEADER, time, block, len, crc);
    frames++;
    pos += len;
  }
  return { end: pos, torn: false, frames };
}

/** A record's header (at byte `at`, the file's frame `frames + 1`), checked as far as it can be alone. */
function recordHeader(h: Buffer, at: number, frames: number): { len: number; time: number; crc: number; block: boolean } {
  if (h[0] !== KIND_FRAME || h.readUInt16LE(2) !== 0) throw new FormatError(`damaged record at byte ${at} (frame ${frames + 1})`);
  const len = h.readUInt32LE(4);
  if (len > MAX_PAYLOAD_BYTES) throw new FormatError(`damaged record at byte ${at} (frame ${frames + 1}: its length is not believable)`);
  return { len, time: h.readDoubleLE(8), crc: h.readUInt32LE(16), block: (h[1]! & FLAG_BLOCK) !== 0 };
}

/** scanRecords' 'last': each record's header read where the one before says it starts; only the last payload read. */
function scanHeaders(
  fd: number,
  start: number,
  size: number,
  onRecord: (offset: number, time: number, block: boolean, len: number, crc: number) => void,
): { end: number; torn: boolean; frames: number } {
  const h = Buffer.alloc(HEADER);
  let pos = start;
  let frames = 0;
  while (pos < size) {
    const at = pos;
    if (pos + HEADER > size || readSync(fd, h, 0, HEADER, pos) < HEADER) return { end: at, torn: true, frames };
    const { len, time, crc, block } = recordHeader(h, at, frames);
    pos += HEADER;
    if (pos + len > size) return { end: at, torn: true, frames };
    const last = pos + len >= size;
    if (!Number.isFinite(time) || (frames === 0 && !block)) {
      if (last) return { end: at, torn: true, frames };
      throw new FormatError(`damaged record at byte ${at} (frame ${frames + 1})`);
    }
    if (last) {
      const payload = Buffer.alloc(len);
      if (readSync(fd, payload, 0, len, pos) < len || crc32(payload) !== crc) return { end: at, torn: true, frames };
    }
    onRecord(at + HEADER, time, block, len, crc);
    frames++;
    pos += len;
  }
  return { end: pos, torn: false, frames };
}

/** An open recording's header, and where its last whole record ends (for extending it). */
function scanRecording(fd: number): { meta: RecordingMeta; end: number; frames: number; size: number; container: number } {
  const size = fstatSync(fd).size;
  const { meta, end: start, container } = readHeader(fd);
  const { end, frames } = scanRecords(fd, start, size, () => {});
  return { meta, end, frames, size, container };
}

/** A recording's header: its checked meta, and where the records start. */
function readHeader(fd: number): { meta: RecordingMeta; end: number; container: number } {
  const head = Buffer.alloc(13);
  const got = readSync(fd, head, 0, 13, 0);
  if (got < 8 || !head.subarray(0, 8).equals(MAGIC)) throw new FormatError('not a sixty recording (no SIXTYREC header)');
  if (got < 13) throw new FormatError('the recording header is truncated');
  const container = head[8]!;
  if (!CONTAINERS.includes(container))
    throw new FormatError(
      `a recording container of version ${container}: this sixty reads versions ${CONTAINERS.slice(0, -1).join(', ')} and ${CONTAINERS.at(-1)}`,
    );
  const len = head.readUInt32LE(9);
  if (len > MAX_META_BYTES) throw new FormatError('the recording header is damaged (its length is not believable)');
  const body = Buffer.alloc(len + 4);
  if (readSync(fd, body, 0, body.length, 13) < body.length) throw new FormatError('the recording header is truncated');
  const json = body.subarray(0, len);
  if (crc32(json) !== body.readUInt32LE(len)) throw new FormatError('the recording header is damaged (checksum)');
  let meta: unknown;
  try {
    meta = JSON.parse(json.toString('utf8'));
  } catch {
    throw new FormatError('the recording header is not JSON');
  }
  if (!isObj(meta) || meta.format !== RECORDING_FORMAT) throw new FormatError('not a sixty recording (wrong format name)');
  const v = meta.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FormatError('the recording has no schema version');
  if (v > SCHEMA_VERSION) throw new FormatError(`written by a newer sixty (schema ${v}; this one reads up to ${SCHEMA_VERSION})`);
  return {
    meta: {
      format: RECORDING_FORMAT,
      schemaVersion: v,
      sixty: textOr(meta.sixty, '?'),
      host: hostFrom(meta.host),
      intervalS: typeof meta.intervalS === 'number' && meta.intervalS > 0 ? meta.intervalS : 1,
      startedAt: textOr(meta.startedAt, '?'),
      rowsPerPanel: typeof meta.rowsPerPanel === 'number' ? meta.rowsPerPanel : 0,
    },
    end: 13 + len + 4,
    container,
  };
}

/** A growable index of records: offsets, times and flags in typed arrays (a day at 1 s is 86,400 entries). */
class Index {
  offsets = new Float64Array(1024);
  times = new Float64Array(1024);
  blocks = new Uint8Array(1024);
  lengths = new Uint32Array(1024);
  crcs = new Uint32Array(1024);
  length = 0;

  push(offset: number, time: number, block: boolean, len: number, crc: number): void {
    if (this.length === this.offsets.length) {
      const grow = <T extends Float64Array | Uint8Array | Uint32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.offsets = grow(this.offsets);
      this.times = grow(this.times);
      this.blocks = grow(this.blocks);
      this.lengths = grow(this.lengths);
      this.crcs = grow(this.crcs);
    }
    this.offsets[this.length] = offset;
    this.times[this.length] = time;
    this.blocks[this.length] = block ? 1 : 0;
    this.lengths[this.length] = len;
    this.crcs[this.length] = crc;
    this.length++;
  }
}

/** A segment in container 2 or later that begins so is a patch (makePatch writes its mark first); any other is whole. */
const PATCH_START = Buffer.from('{"~":1');
const isPatchJson = (raw: Buffer): boolean =>
  raw.length > PATCH_START.length &&
  raw.subarray(0, PATCH_START.length).equals(PATCH_START) &&
  (raw[PATCH_START.length] === 0x2c || raw[PATCH_START.length] === 0x7d);

/**
 * A frame's segments as read: each one's inflated JSON (the next frame's dictionary) and its value. A patch is applied
 * as it is read (to the value the frame before had); a whole segment is parsed only when asked for. Seeking decodes
 * every frame from its block's start, and only the frame shown needs all its values: the frames between parse only
 * what the next one's patches lean on (an event panel, whose rows are new each second, is stored whole and, before
 * container 5, not parsed; from 5 its texts' tables are carried through the block, so it is). A frame keeps nothing of
 * the one before but, from container 3, the buffers of its dictionaries (at most 32 KB and one segment's JSON each,
 * shared from frame to frame) and, from container 5, its event panels' tables (shared, too), so the cache's bound is
 * the memory's.
 */
class Decoded {
  readonly raw = new Map<string, Buffer>();
  /** container 3 and later: each segment's dictionary for the frame after (nextWindow) */
  readonly windows = new Map<string, Buffer[]>();
  /** the JSON size each value stands for, at most (a patch: its own and its base's, until measured) */
  readonly sizes = new Map<string, number>();
  /** the size each value's chain was last measured at (a whole segment: its own) */
  readonly measured = new Map<string, number>();
  /** their sum: what the cache counts */
  bytes = 0;
  private readonly values = new Map<string, unknown>();
  /** container 5: each event panel's tables of texts as of this frame (persist/refs.ts) */
  readonly refTables = new Map<string, RefTables | undefined>();
  /** container 5: event panels' values with their references made text again */
  private readonly resolvedValues = new Map<string, unknown>();

  constructor(
    /** the frame's index, for messages */
    readonly frame: number,
    /** container 2 and later: segments may be patches */
    private readonly patches: boolean,
  ) {}

  bad(why: string): never {
    throw new FormatError(`frame ${this.frame + 1} ${why}`);
  }

  /**
   * Adds a segment, given the frame before (null at a block start). A FormatError when the frame would stand for
   * more than MAX_FRAME_BYTES of JSON, or a patch does not apply.
   */
  add(key: string, raw: Buffer, prev: Decoded | null, refs = false): void {
    this.raw.set(key, raw);
    // At most: a patch's value is at most the one before it and the patch (each row of the frame before is used at
    // most once). Patches add up, so once the bound is twice what the value last measured (and 64 KB more), it is
    // measured again.
    let size = raw.length;
    let measured = size;
    if (this.patches && isPatchJson(raw)) {
      const patch = this.parse(raw);
      if (!isPatch(patch)) this.bad('has a damaged patch');
      const v = applyPatch(prev?.value(key), patch, MAX_RECORDED_ROWS, (why) => this.bad(why));
      this.values.set(key, v);
      size += prev?.sizes.get(key) ?? 0;
      measured = prev?.measured.get(key) ?? 0;
      if (size > 2 * measured + 65536) size = measured = Buffer.byteLength(JSON.stringify(v));
    }
    if (this.bytes + size > MAX_FRAME_BYTES) this.bad(`stands for more than ${MAX_FRAME_BYTES / 1048576} MB (sixty's frames are far smaller)`);
    // An event panel's tables are carried through every frame of the block, so each one's value is read here.
    let chars = 0;
    if (refs) {
      const r = resolveRefs(this.value(key), prev?.refTables.get(key), MAX_FRAME_BYTES - this.bytes - size, (why) => this.bad(why));
      this.refTables.set(key, r.tables);
      this.resolvedValues.set(key, r.value);
      chars = r.chars;
    }
    this.sizes.set(key, size);
    this.measured.set(key, measured);
    this.bytes += size + chars;
  }

  /** A segment's value as drawn: an event panel's references made text again (container 5), else as stored. */
  resolved(key: string): unknown {
    return this.resolvedValues.has(key) ? this.resolvedValues.get(key) : this.value(key);
  }

  /** A segment's value (undefined: the frame has no such segment). */
  value(key: string): unknown {
    if (!this.values.has(key)) {
      const raw = this.raw.get(key);
      this.values.set(key, raw === undefined ? undefined : this.parse(raw));
    }
    return this.values.get(key);
  }

  private parse(raw: Buffer): unknown {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return this.bad('is not JSON');
    }
  }
}

export interface OpenedRecording {
  meta: RecordingMeta;
  frames: number;
  /** the last record was torn (a crash while it was written): left out */
  tornTail: boolean;
}

/** Reads a recording: the index at open (headers and checksums, streamed), frames on demand, a few cached. */
export class RecordingReader {
  private readonly index = new Index();
  /** decoded frames' segments (bounded by their bytes), and the last few frames checked */
  private readonly cache = new Map<number, Decoded>();
  private cacheBytes = 0;
  /** 2: segments after a block's first may be patches (persist/patch.ts) */
  private container = CONTAINER;
  private readonly checked = new Map<number, Frame>();
  meta!: RecordingMeta;
  tornTail = false;
  /** recorded frames carry no trends: replay rebuilds them */
  readonly withHistory = false;
  private fd: number;

  /** Whether a file starts as a recording does (the replay's choice between recording and snapshot). */
  static sniff(path: string): boolean {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(MAGIC.length);
      return readSync(fd, b, 0, b.length, 0) === b.length && b.equals(MAGIC);
    } finally {
      closeSync(fd);
    }
  }

  constructor(
    readonly path: string,
    private readonly catalog: Catalog,
  ) {
    this.fd = openSync(path, 'r');
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) throw new FormatError('not a regular file');
      const { meta, end, container } = readHeader(this.fd);
      this.meta = meta;
      this.container = container;
      this.scan(end, st.size);
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  /** Reads the records' headers and checks their payloads (scanRecords), into the index. */
  private scan(start: number, size: number): void {
    const { torn } = scanRecords(this.fd, start, size, (offset, time, block, len, crc) => this.index.push(offset, time, block, len, crc), 'last');
    this.tornTail = torn;
  }

  get frames(): number {
    return this.index.length;
  }

  /** The recorded time of frame i (ms since the epoch). */
  timeOf(i: number): number {
    return this.index.times[i]!;
  }

  /** The first frame at or after `ms` (or the last). */
  seekTime(ms: number): number {
    let lo = 0;
    let hi = this.index.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.index.times[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo);
  }

  private payload(i: number): Buffer {
    const len = this.index.lengths[i]!;
    const b = Buffer.alloc(len);
    if (readSync(this.fd, b, 0, len, this.index.offsets[i]!) < len) throw new FormatError(`frame ${i + 1} is truncated (the file shrank)`);
    // Checked here, as it is read (the scan at open read the headers alone).
    if (crc32(b) !== this.index.crcs[i]) throw new FormatError(`damaged record at byte ${this.index.offsets[i]! - HEADER} (frame ${i + 1}: checksum)`);
    return b;
  }

  /**
   * A frame's segments, given the frame before's (null at a block start): the head under '', each panel under its id
   * (with `only`, the head and that panel alone).
   */
  private decode(i: number, p: Buffer, prev: Decoded | null, only?: string): Decoded {
    const bad = (why: string): never => {
      throw new FormatError(`frame ${i + 1} ${why}`);
    };
    if (p.length < 2) bad('is empty');
    const n = p.readUInt16LE(0);
    if (n === 0 || n > MAX_SEGMENTS) bad(`has ${n} segments (sixty writes 1 to ${MAX_SEGMENTS})`);
    let off = 2;
    const segs: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      if (off + 4 > p.length) bad('is cut short');
      const len = p.readUInt32LE(off);
      if (off + 4 + len > p.length) bad('is cut short');
      segs.push(p.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    if (off !== p.length) bad('has a damaged layout');
    // One budget for the whole frame: each segment may inflate only to what the ones before it left.
    let budget = MAX_FRAME_BYTES;
    const out = new Decoded(i, this.container >= 2);
    const windows = this.container >= 3;
    const refs = this.container >= 5;
    const segment = (key: string, seg: Buffer): void => {
      const dict = windows ? windowView(prev?.windows.get(key)) : prev?.raw.get(key)?.subarray(-WINDOW);
      let raw: Buffer;
      try {
        raw = inflateRawSync(seg, { ...(dict ? { dictionary: dict } : {}), maxOutputLength: Math.max(1, budget) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
          return bad(`inflates to more than ${MAX_FRAME_BYTES / 1048576} MB (sixty's frames are far smaller)`);
        return bad(`does not decompress (${(e as Error).message})`);
      }
      budget -= raw.length;
      if (windows) out.windows.set(key, nextWindow(prev?.windows.get(key), raw));
      out.add(key, raw, prev, refs && key !== '' && this.catalog.spec(key)?.events !== undefined);
    };
    segment('', segs[0]!);
    const ids = (out.value('') as { panels?: unknown } | null | undefined)?.panels;
    if (!Array.isArray(ids) || ids.length !== n - 1 || !ids.every((x) => typeof x === 'string') || new Set(ids).size !== ids.length)
      bad('has a damaged list of panels');
    (ids as string[]).forEach((id, k) => {
      if (only === undefined || id === only) segment(id, segs[k + 1]!);
    });
    return out;
  }

  /**
   * One panel's stored value in every frame, decoding only it and each frame's head (a panel's segment leans only on
   * its own previous one): what a timeline over the whole recording needs, at a fraction of decoding every frame. A
   * frame that cannot be read gives null, and so do the frames after it until the next block start (they lean on it).
   */
  panelSeries(id: string): unknown[] {
    const out: unknown[] = [];
    let prev: Decoded | null = null;
    let broken = false;
    for (let i = 0; i < this.index.length; i++) {
      const block = this.index.blocks[i] === 1;
      if (block) broken = false;
      if (broken) {
        out.push(null);
        continue;
      }
      try {
        prev = this.decode(i, this.payload(i), block ? null : prev, id);
        out.push(prev.resolved(id) ?? null);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        out.push(null);
        broken = true;
      }
    }
    return out;
  }

  private parts(i: number): Decoded {
    const hit = this.cache.get(i);
    if (hit) return hit;
    let start = i;
    while (start > 0 && this.index.blocks[start] !== 1) start--;
    // From the block's start (or the nearest frame decoded since), each frame leans on the one before.
    let from = start;
    for (let k = i - 1; k > start; k--)
      if (this.cache.has(k)) {
        from = k + 1;
        break;
      }
    let prev = from > start ? this.cache.get(from - 1)! : null;
    let out: Decoded | null = null;
    for (let k = from; k <= i; k++) {
      out = this.decode(k, this.payload(k), this.index.blocks[k] === 1 ? null : prev);
      this.remember(k, out);
      prev = out;
    }
    return out!;
  }

  private remember(i: number, parts: Decoded): void {
    if (this.cache.has(i)) return;
    this.cache.set(i, parts);
    this.cacheBytes += parts.bytes;
    // Two blocks' worth (stepping back and forth within a minute decodes nothing twice), and never more than
    // MAX_CACHE_BYTES; the newest stays.
    while (this.cache.size > 1 && (this.cache.size > 2 * BLOCK + 8 || this.cacheBytes > MAX_CACHE_BYTES)) {
      const [oldest, old] = this.cache.entries().next().value as [number, Decoded];
      this.cacheBytes -= old.bytes;
      this.cache.delete(oldest);
    }
  }

  /** Frame i (0-based), checked (a FormatError if it cannot be drawn), without history. */
  frame(i: number): Frame {
    if (!(i >= 0 && i < this.index.length)) throw new RangeError(`no frame ${i}`);
    const known = this.checked.get(i);
    if (known) return known;
    const parts = this.parts(i);
    const head = parts.value('');
    if (!isObj(head)) throw new FormatError(`frame ${i + 1}: its head is not an object`);
    const v: Record<string, unknown> = { ...head, panels: [...parts.raw.keys()].filter((k) => k !== '').map((k) => parts.resolved(k)) };
    let frame: Frame;
    try {
      frame = checkFrame(v, this.catalog, false, MAX_RECORDED_ROWS);
    } catch (e) {
      if (e instanceof FormatError) throw new FormatError(`frame ${i + 1}: ${e.message}`);
      throw e;
    }
    this.checked.set(i, frame);
    if (this.checked.size > FRAME_CACHE) this.checked.delete(this.checked.keys().next().value as number);
    return frame;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* closed */
    }
  }
}
