/** Ring buffer records as the addon hands them over (takeRing): each a u32 length, then its bytes, padded to 4. */
import { constants } from 'node:os';
import type { RingTake } from '../native.js';

/** The records of one take, each a view into its data. A length that runs past the end is damage: the rest is dropped. */
export function ringRecords(take: Pick<RingTake, 'data'>): Buffer[] {
  const out: Buffer[] = [];
  const d = take.data;
  let off = 0;
  while (off + 4 <= d.length) {
    const len = d.readUInt32LE(off);
    if (off + 4 + len > d.length) break;
    out.push(d.subarray(off + 4, off + 4 + len));
    off += 4 + ((len + 3) & ~3);
  }
  return out;
}

/** Records back to back as takeRing gives them: for fixtures. */
export function ringData(records: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(r.length);
    parts.push(head, r, Buffer.alloc(((r.length + 3) & ~3) - r.length));
  }
  return Buffer.concat(parts);
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** An errno's name (ENOENT), or E<n> where Node does not know it. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}
