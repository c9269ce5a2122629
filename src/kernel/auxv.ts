/**
 * The host's constants as the kernel gave them to this process (/proc/self/auxv): the page size (AT_PAGESZ) and the
 * clock ticks per second that /proc/stat and /proc/PID/stat count in (AT_CLKTCK, USER_HZ). Not assumed: 4 KiB pages
 * and 100 ticks are usual on x86-64, but arm64 and ppc64 kernels use 16 KiB and 64 KiB pages. Read once.
 */
import { readFileSync } from 'node:fs';

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

export interface HostConstants {
  pageSize: number;
  clockTicks: number;
}

/** The auxiliary vector's (type, value) pairs: 64-bit words on a 64-bit kernel, 32-bit on a 32-bit one. */
export function parseAuxv(buf: Buffer, wordBytes: 4 | 8 = 8): Map<number, number> {
  const out = new Map<number, number>();
  const pair = wordBytes * 2;
  for (let i = 0; i + pair <= buf.length; i += pair) {
    const type = wordBytes === 8 ? Number(buf.readBigUInt64LE(i)) : buf.readUInt32LE(i);
    const value = wordBytes === 8 ? Number(buf.readBigUInt64LE(i + 8)) : buf.readUInt32LE(i + 4);
    if (type === 0) break; // AT_NULL
    out.set(type, value);
  }
  return out;
}

/** Page size and clock ticks from an auxiliary vector, each checked (a power of two; 1 to 10000 ticks), else the usual. */
export function hostConstantsOf(auxv: ReadonlyMap<number, number>): HostConstants {
  const page = auxv.get(AT_PAGESZ);
  const ticks = auxv.get(AT_CLKTCK);
  return {
    pageSize: page !== undefined && page >= 4096 && (page & (page - 1)) === 0 ? page : 4096,
    clockTicks: ticks !== undefined && ticks >= 1 && ticks <= 10000 ? ticks : 100,
  };
}

let cached: HostConstants | undefined;

export function hostConstants(): HostConstants {
  if (!cached) {
    let auxv = new Map<number, number>();
    try {
      auxv = parseAuxv(
        readFileSync('/proc/self/auxv'),
        process.arch === 'x64' ||
          process.arch === 'arm64' ||
          process.arch === 'ppc64' ||
          process.arch === 's390x' ||
          process.arch === 'riscv64' ||
          process.arch === 'loong64'
          ? 8
          : 4,
      );
    } catch {
      /* no /proc: the usual values */
    }
    cached = hostConstantsOf(auxv);
  }
  return cached;
}
