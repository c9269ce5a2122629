/**
 * What the readers of big maps (tcptop's connections, filetop's files) share: their 16-byte keys as four u32 words,
 * read straight from the batch buffers, and an index of what they know by those words.
 */

/** An entry keyed by a 16-byte kernel key, as four little-endian u32 words. */
export interface Keyed {
  k0: number;
  k1: number;
  k2: number;
  k3: number;
}

/**
 * Known entries by key, found by a 32-bit hash of the key's words (a number: no string per entry per read, which at
 * tens of thousands of entries was most of a reader's time); entries whose hashes collide share a bucket.
 */
export class KeyIndex<T extends Keyed> {
  private readonly buckets = new Map<number, T | T[]>();

  static hash(k0: number, k1: number, k2: number, k3: number): number {
    let h = Math.imul(k0 ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ k1 ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ k2 ^ (h >>> 16), 0x27d4eb2f);
    h = Math.imul(h ^ k3 ^ (h >>> 15), 0x165667b1);
    return (h ^ (h >>> 16)) >>> 0;
  }

  get(h: number, k0: number, k1: number, k2: number, k3: number): T | undefined {
    const b = this.buckets.get(h);
    if (b === undefined) return undefined;
    if (!Array.isArray(b)) return b.k0 === k0 && b.k1 === k1 && b.k2 === k2 && b.k3 === k3 ? b : undefined;
    for (const e of b) if (e.k0 === k0 && e.k1 === k1 && e.k2 === k2 && e.k3 === k3) return e;
    return undefined;
  }

  /** The hash of key i of a batch read's keys (as u32 words). */
  static hashAt(words: Uint32Array, i: number): number {
    const b = i * 4;
    return KeyIndex.hash(words[b]!, words[b + 1]!, words[b + 2]!, words[b + 3]!);
  }

  /** The entry with key i of a batch read's keys, if known, its hash given (hashAt). */
  getAt(h: number, words: Uint32Array, i: number): T | undefined {
    const b = i * 4;
    return this.get(h, words[b]!, words[b + 1]!, words[b + 2]!, words[b + 3]!);
  }

  at(words: Uint32Array, i: number): T | undefined {
    return this.getAt(KeyIndex.hashAt(words, i), words, i);
  }

  add(h: number, e: T): void {
    const b = this.buckets.get(h);
    if (b === undefined) this.buckets.set(h, e);
    else if (Array.isArray(b)) b.push(e);
    else this.buckets.set(h, [b, e]);
  }

  delete(e: T): void {
    const h = KeyIndex.hash(e.k0, e.k1, e.k2, e.k3);
    const b = this.buckets.get(h);
    if (b === e) this.buckets.delete(h);
    else if (Array.isArray(b)) {
      const rest = b.filter((x) => x !== e);
      if (rest.length === 1) this.buckets.set(h, rest[0]!);
      else this.buckets.set(h, rest);
    }
  }
}

/** A buffer's bytes as little-endian u32 words (copied once if the buffer is not 4-byte aligned). */
export function u32words(b: Buffer): Uint32Array {
  if (b.byteOffset % 4 !== 0) b = Buffer.from(b);
  return new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
}

/** The u64 at u32 word `o` of a batch read's values (little-endian), as a number (counters stay below 2^53). */
export function u64at(words: Uint32Array, o: number): number {
  return words[o]! + words[o + 1]! * 0x1_0000_0000;
}

/** The key's 16 bytes again, as the kernel has them (to delete it). */
export function rawKey(e: Keyed): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(e.k0, 0);
  b.writeUInt32LE(e.k1, 4);
  b.writeUInt32LE(e.k2, 8);
  b.writeUInt32LE(e.k3, 12);
  return b;
}
