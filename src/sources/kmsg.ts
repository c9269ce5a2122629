/**
 * The kernel's ring buffer through /dev/kmsg, read without blocking: the first read returns what the buffer holds, each
 * later one what arrived since. Without the right to read it (kernel.dmesg_restrict=1 and no CAP_SYSLOG) every read
 * says why, in one line.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { parseKmsgRecord, type KmsgReader, type KmsgRecord } from '../records/procfs.js';

/** A record is at most this long (the kernel's own limit, CONSOLE_EXT_LOG_MAX, is 8 KiB). */
const RECORD_MAX = 8192;
/** Records read per call at most: a burst of messages cannot hold up a tick. */
const PER_READ = 2000;

export function openKmsg(path = '/dev/kmsg'): KmsgReader {
  let fd: number | null = null;
  let reason: string | null = null;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    reason = code === 'EPERM' || code === 'EACCES' ? `reading ${path} needs root or CAP_SYSLOG (kernel.dmesg_restrict)` : `${path}: ${code ?? String(e)}`;
  }
  const buf = Buffer.alloc(RECORD_MAX);
  return {
    read(): KmsgRecord[] {
      if (fd === null) throw new Error(reason ?? `${path} is closed`);
      const out: KmsgRecord[] = [];
      for (let i = 0; i < PER_READ; i++) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') break;
          // EPIPE: records were overwritten before they were read; the next read continues from the oldest left.
          if (code === 'EPIPE') continue;
          throw e;
        }
        if (n <= 0) break;
        const r = parseKmsgRecord(buf.toString('utf8', 0, n));
        if (r) out.push(r);
      }
      return out;
    },
    close(): void {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
