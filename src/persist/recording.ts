/**
 * Recordings (`--record FILE`, `R`): one frame per interval appended to a compact file that a crash cannot spoil.
 *
 *   file    := "SIXTYREC" u8(1) u32le(metaLen) meta(JSON) u32le(crc32(meta)) record*
 *   record  := u8('F') u8(flags) u16(0) u32le(len) f64le(timeMs) u32le(crc32(payload)) payload
 *   payload := u16le(n) segment{n}; segment := u32le(len) deflate-raw(JSON)
 *              segment 0: the frame without its panels, and their ids in order ("panels": [...]);
 *              segment i: panel i as stored (persist/frames.ts); each deflated with the same segment of the frame
 *              before (the head; the panel of that id) as the dictionary, except at a block start (flags bit 0,
 *              every BLOCK frames), which stands alone.
 *
 * Consecutive frames are alike, and a panel against its own previous self is mostly a repeat (a whole frame is too
 * long for deflate's 32 KB window to reach back to its previous self), so each frame costs a few hundred bytes to a
 * few KB. Each record is written whole, in one write, and
 * synced; a crash or power cut can tear only the last one, which the reader recognises (its length runs past the end,
 * or its checksum fails and nothing follows) and leaves out. Any other damage is a FormatError. Reading needs a scan of
 * the record headers (the index) and, for a frame, the decoding of at most BLOCK frames from its block's start.
 */
import { closeSync, constants, fdatasync, fstatSync, openSync, readSync, renameSync, write as fsWrite, writeSync } from 'node:fs';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Frame } from '../frame.js';
import type { Catalog } from '../panels/types.js';
import { checkFrame, FormatError, hostFrom, isObj, SCHEMA_VERSION, storedFrame, textOr } from './frames.js';
import type { HostMeta } from './snapshot.js';

export const RECORDING_FORMAT = 'sixty-recording';
const MAGIC = Buffer.from('SIXTYREC');
const CONTAINER = 1;
const HEADER = 20;
const KIND_FRAME = 0x46;
const FLAG_BLOCK = 1;
/** Frames per block: a seek decodes at most this many. */
export const BLOCK = 60;
/** deflate's window: the part of the previous frame a dictionary can use. */
const WINDOW = 32 * 1024;
/** No frame of sixty's is near this once inflated: a payload that says otherwise is not believed. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
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
  frames: number;
  bytes: number;
  /** frames not written because the disk was behind */
  dropped: number;
  /** files rotated out (FILE.1) because FILE reached --record-max */
  rotations: number;
  /** why recording stopped (a write failed); null while it runs */
  error: string | null;
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

/** Appends frames to FILE. Writes and syncs run off the event loop, in order; frames are compressed as they come. */
export class RecordingWriter {
  private fd: number;
  /** the previous frame's segments' JSON by key ('' the head, else the panel id); null: the next frame starts a block */
  private prev: Map<string, Buffer> | null = null;
  private inBlock = 0;
  /** frames in the current file (rotation never leaves an empty one behind) */
  private fileFrames = 0;
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();
  readonly status: RecorderStatus;

  /**
   * Opens FILE for recording. A new file gets the header; an existing sixty recording is appended to (its next frame
   * starts a block); anything else is refused. `maxBytes`: when FILE would pass it, FILE becomes FILE.1 (replacing an
   * older one) and a new FILE starts, so the two together stay under twice the bound.
   */
  private readonly maxBytes: number | null;
  private readonly sync: boolean;
  private readonly catalog: Catalog;

  constructor(
    readonly path: string,
    private readonly meta: RecordingMeta,
    opts: {
      catalog: Catalog;
      maxBytes?: number | null;
      /** sync each record to the disk (what makes a crash lose at most the last frame); off only to build test files fast */
      sync?: boolean;
    },
  ) {
    this.catalog = opts.catalog;
    this.maxBytes = opts.maxBytes ?? null;
    this.sync = opts.sync ?? true;
    this.fd = RecordingWriter.openFile(path, meta);
    const size = fstatSync(this.fd).size;
    this.status = { path, frames: 0, bytes: size, dropped: 0, rotations: 0, error: null };
    this.fileFrames = size > headerBytes(meta).length ? 1 : 0;
  }

  private static openFile(path: string, meta: RecordingMeta): number {
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const size = fstatSync(fd).size;
      if (size === 0) {
        const h = headerBytes(meta);
        let off = 0;
        while (off < h.length) off += writeSync(fd, h, off);
      } else {
        // Appending: it must be a recording this version reads.
        const reader = RecordingReader.readMeta(path);
        if (reader.schemaVersion !== meta.schemaVersion) throw new FormatError(`it is a recording of schema ${reader.schemaVersion}; this sixty writes ${meta.schemaVersion}`);
      }
      return fd;
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
      return;
    }
    const stored = storedFrame(frame, this.catalog, this.meta.rowsPerPanel) as { panels: { id: string }[] } & Record<string, unknown>;
    const { panels, ...head } = stored;
    const parts = new Map<string, Buffer>([['', Buffer.from(JSON.stringify({ ...head, panels: panels.map((p) => p.id) }))]]);
    for (const p of panels) parts.set(p.id, Buffer.from(JSON.stringify(p)));
    const time = Date.parse(frame.time);
    let block = this.prev === null || this.inBlock >= BLOCK;
    let rec = this.record(parts, time, block);
    // Past the bound: this frame starts a new file, standing alone.
    const rotate = this.maxBytes !== null && this.fileFrames > 0 && this.status.bytes + rec.length > this.maxBytes;
    if (rotate && !block) {
      block = true;
      rec = this.record(parts, time, true);
    }
    this.prev = parts;
    this.inBlock = block ? 1 : this.inBlock + 1;
    this.pending++;
    this.status.frames++;
    if (rotate) {
      this.status.bytes = headerBytes(this.meta).length + rec.length;
      this.fileFrames = 1;
      this.chain = this.chain.then(() => this.rotate());
    } else {
      this.status.bytes += rec.length;
      this.fileFrames++;
    }
    this.chain = this.chain.then(() => this.append(rec)).finally(() => this.pending--);
  }

  private record(parts: ReadonlyMap<string, Buffer>, time: number, block: boolean): Buffer {
    const segs: Buffer[] = [];
    for (const [key, json] of parts) {
      const dict = block ? undefined : this.prev?.get(key);
      segs.push(dict ? deflateRawSync(json, { dictionary: dict.subarray(-WINDOW) }) : deflateRawSync(json));
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

  private rotate(): void {
    if (this.status.error !== null) return;
    try {
      closeSync(this.fd);
      renameSync(this.path, `${this.path}.1`);
      this.fd = RecordingWriter.openFile(this.path, this.meta);
      this.status.rotations++;
    } catch (e) {
      this.fail(`cannot start a new file: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private append(rec: Buffer): Promise<void> {
    if (this.status.error !== null) return Promise.resolve();
    return new Promise((resolve) => {
      fsWrite(this.fd, rec, 0, rec.length, null, (err, n) => {
        if (err || n !== rec.length) {
          this.fail(err ? err.message : `short write (${n} of ${rec.length} bytes)`);
          return resolve();
        }
        if (!this.sync) return resolve();
        fdatasync(this.fd, (e) => {
          if (e) this.fail(e.message);
          resolve();
        });
      });
    });
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

/** A growable index of records: offsets, times and flags in typed arrays (a day at 1 s is 86,400 entries). */
class Index {
  offsets = new Float64Array(1024);
  times = new Float64Array(1024);
  blocks = new Uint8Array(1024);
  lengths = new Uint32Array(1024);
  length = 0;

  push(offset: number, time: number, block: boolean, len: number): void {
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
    }
    this.offsets[this.length] = offset;
    this.times[this.length] = time;
    this.blocks[this.length] = block ? 1 : 0;
    this.lengths[this.length] = len;
    this.length++;
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
  private readonly cache = new Map<number, { parts: Map<string, Buffer>; frame: Frame | null }>();
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

  /** The header only (to append to a file). */
  static readMeta(path: string): RecordingMeta {
    const fd = openSync(path, 'r');
    try {
      return RecordingReader.header(fd).meta;
    } finally {
      closeSync(fd);
    }
  }

  private static header(fd: number): { meta: RecordingMeta; end: number } {
    const head = Buffer.alloc(13);
    const got = readSync(fd, head, 0, 13, 0);
    if (got < 8 || !head.subarray(0, 8).equals(MAGIC)) throw new FormatError('not a sixty recording (no SIXTYREC header)');
    if (got < 13) throw new FormatError('the recording header is truncated');
    if (head[8] !== CONTAINER) throw new FormatError(`a recording container of version ${head[8]}: this sixty reads version ${CONTAINER}`);
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
    };
  }

  constructor(
    readonly path: string,
    private readonly catalog: Catalog,
  ) {
    this.fd = openSync(path, 'r');
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) throw new FormatError('not a regular file');
      const { meta, end } = RecordingReader.header(this.fd);
      this.meta = meta;
      this.scan(end, st.size);
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  /** Reads the records' headers and checks their payloads, streaming the file in 4 MB pieces. */
  private scan(start: number, size: number): void {
    const CHUNK = 4 << 20;
    let buf = Buffer.alloc(CHUNK);
    let bufStart = start;
    let bufLen = 0;
    let pos = start;
    const fill = (need: number): boolean => {
      // Keep [pos, pos + need) in the buffer.
      if (pos >= bufStart && pos + need <= bufStart + bufLen) return true;
      if (pos + need > size) return false;
      if (need > buf.length) buf = Buffer.alloc(need + CHUNK);
      bufStart = pos;
      bufLen = readSync(this.fd, buf, 0, Math.min(buf.length, size - pos), pos);
      return bufLen >= need;
    };
    let first = true;
    while (pos < size) {
      const at = pos;
      if (!fill(HEADER)) {
        this.tornTail = true;
        break;
      }
      const h = buf.subarray(pos - bufStart, pos - bufStart + HEADER);
      if (h[0] !== KIND_FRAME || h.readUInt16LE(2) !== 0) throw new FormatError(`damaged record at byte ${at} (frame ${this.index.length + 1})`);
      const len = h.readUInt32LE(4);
      const time = h.readDoubleLE(8);
      const crc = h.readUInt32LE(16);
      const block = (h[1]! & FLAG_BLOCK) !== 0;
      if (len > MAX_FRAME_BYTES) throw new FormatError(`damaged record at byte ${at} (frame ${this.index.length + 1}: its length is not believable)`);
      pos += HEADER;
      if (!fill(len)) {
        // Runs past the end of the file: the write a crash interrupted.
        this.tornTail = true;
        break;
      }
      const payload = buf.subarray(pos - bufStart, pos - bufStart + len);
      if (crc32(payload) !== crc || !Number.isFinite(time) || (first && !block)) {
        // The last record torn by a power cut (its blocks not all on disk): left out. Anywhere else: damage.
        if (pos + len >= size) {
          this.tornTail = true;
          break;
        }
        throw new FormatError(`damaged record at byte ${at} (frame ${this.index.length + 1}: checksum)`);
      }
      first = false;
      this.index.push(at + HEADER, time, block, len);
      pos += len;
    }
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
    return b;
  }

  /** A frame's segments: the head's JSON under '', each panel's under its id. */
  private decode(i: number, p: Buffer, prev: Map<string, Buffer> | null): Map<string, Buffer> {
    const bad = (why: string): never => {
      throw new FormatError(`frame ${i + 1} ${why}`);
    };
    if (p.length < 2) bad('is empty');
    const n = p.readUInt16LE(0);
    let off = 2;
    const segs: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      if (off + 4 > p.length) bad('is cut short');
      const len = p.readUInt32LE(off);
      if (off + 4 + len > p.length) bad('is cut short');
      segs.push(p.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    if (n === 0 || off !== p.length) bad('has a damaged layout');
    const inflate = (seg: Buffer, dict: Buffer | undefined): Buffer => {
      try {
        return dict ? inflateRawSync(seg, { dictionary: dict.subarray(-WINDOW), maxOutputLength: MAX_FRAME_BYTES }) : inflateRawSync(seg, { maxOutputLength: MAX_FRAME_BYTES });
      } catch (e) {
        return bad(`does not decompress (${(e as Error).message})`);
      }
    };
    const head = inflate(segs[0]!, prev?.get(''));
    let ids: unknown;
    try {
      ids = (JSON.parse(head.toString('utf8')) as { panels?: unknown }).panels;
    } catch {
      bad('is not JSON');
    }
    if (!Array.isArray(ids) || ids.length !== n - 1 || !ids.every((x) => typeof x === 'string') || new Set(ids).size !== ids.length) bad('has a damaged list of panels');
    const parts = new Map<string, Buffer>([['', head]]);
    (ids as string[]).forEach((id, k) => parts.set(id, inflate(segs[k + 1]!, prev?.get(id))));
    return parts;
  }

  private parts(i: number): Map<string, Buffer> {
    const hit = this.cache.get(i);
    if (hit) return hit.parts;
    let start = i;
    while (start > 0 && this.index.blocks[start] !== 1) start--;
    // From the block's start (or the nearest frame decoded since), each frame's dictionaries are the one before's.
    let from = start;
    for (let k = i - 1; k > start; k--)
      if (this.cache.has(k)) {
        from = k + 1;
        break;
      }
    let prev = from > start ? this.cache.get(from - 1)!.parts : null;
    let out = new Map<string, Buffer>();
    for (let k = from; k <= i; k++) {
      out = this.decode(k, this.payload(k), this.index.blocks[k] === 1 ? null : prev);
      this.remember(k, out);
      prev = out;
    }
    return out;
  }

  private remember(i: number, parts: Map<string, Buffer>): void {
    if (this.cache.has(i)) return;
    this.cache.set(i, { parts, frame: null });
    // Two blocks' worth: stepping back and forth within a minute decodes nothing twice.
    if (this.cache.size > 2 * BLOCK + 8) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
  }

  /** Frame i (0-based), checked (a FormatError if it cannot be drawn), without history. */
  frame(i: number): Frame {
    if (!(i >= 0 && i < this.index.length)) throw new RangeError(`no frame ${i}`);
    const parts = this.parts(i);
    const c = this.cache.get(i);
    if (c?.frame) return c.frame;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(parts.get('')!.toString('utf8')) as Record<string, unknown>;
      v.panels = [...parts].filter(([k]) => k !== '').map(([, json]) => JSON.parse(json.toString('utf8')) as unknown);
    } catch {
      throw new FormatError(`frame ${i + 1} is not JSON`);
    }
    let frame: Frame;
    try {
      frame = checkFrame(v, this.catalog, false);
    } catch (e) {
      if (e instanceof FormatError) throw new FormatError(`frame ${i + 1}: ${e.message}`);
      throw e;
    }
    if (c) c.frame = frame;
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
