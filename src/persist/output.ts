/**
 * Batch output that says when it is lost: every byte of a frame is written (short writes are resumed), or the
 * failure is an error naming the file and why (a full disk, a closed pipe). A regular file is cut back to its last
 * whole frame or line when a write fails, so what it holds is whole.
 */
import { ftruncateSync, fstatSync, writeSync } from 'node:fs';

/** Writing to `what` failed: `code` is the errno's name (ENOSPC, EPIPE, …). */
export class OutputError extends Error {
  override name = 'OutputError';
  constructor(
    readonly what: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Writes all of `data` to `fd`: partial writes resumed, EAGAIN (a non-blocking pipe that is full) waited out. */
function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      sleep(1);
    }
  }
}

/**
 * Why writing into directory `dir` failed, in words: never an errno alone, never the name of a temporary file.
 * Used for exports and recordings made from the console.
 */
export function dirFailure(e: unknown, dir: string): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return `the directory ${dir} does not exist (any more)`;
    case 'ENOTDIR':
      return `${dir} is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in ${dir}`;
    case 'EROFS':
      return `${dir} is on a read-only file system`;
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return writeFailure(err);
    default:
      return e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
}

/** The export directory, checked when sixty starts: one line now rather than a failed `e` later. Null when usable. */
export function unusableDir(dir: string, check: (d: string) => void): string | null {
  try {
    check(dir);
    return null;
  } catch (e) {
    return dirFailure(e, dir);
  }
}

/** Why a write failed, as the user should read it. */
export function writeFailure(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOSPC') return 'no space left on the device';
  if (e.code === 'EDQUOT') return 'disk quota exceeded';
  if (e.code === 'EFBIG') return 'the file is too large (a file size limit)';
  return e.message;
}

/**
 * A file descriptor written in whole pieces (a frame, a panel's lines of an interval). When it is a regular file, a
 * failed write is cut back to where the piece began: the file ends with the last whole one.
 */
export class WholeWriter {
  private readonly regular: boolean;

  constructor(
    private readonly fd: number,
    /** how messages name it: 'the output', a path */
    readonly what: string,
  ) {
    let regular = false;
    try {
      regular = fstatSync(fd).isFile();
    } catch {
      /* a closed descriptor: the first write says so */
    }
    this.regular = regular;
  }

  write(text: string): void {
    const data = Buffer.from(text);
    if (data.length === 0) return;
    const at = this.regular ? fstatSync(this.fd).size : 0;
    try {
      writeAll(this.fd, data);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (this.regular) {
        try {
          ftruncateSync(this.fd, at);
        } catch {
          /* as it is */
        }
      }
      const kept = this.regular ? ' (it ends with the last whole piece written)' : '';
      throw new OutputError(this.what, err.code, `cannot write ${this.what}: ${writeFailure(err)}${kept}`);
    }
  }
}
