/**
 * A mirror of a keyed kernel map (tcptop's connections, filetop's files, and every keyed panel after them): what user
 * space knows of each entry, found by its key without a string per entry per read, each in a slot (its column in the
 * panel's samples) that it keeps while it is known. It does the part every such reader repeats: walking a batch read
 * and telling known keys from new ones, choosing what to take out of the map (idle entries, and under pressure the
 * quietest and smallest down to a low water mark, so that there is room before the kernel's LRU must evict), taking
 * them with lookup-and-delete so that their last counts still count, and keeping the slots dense. What an entry holds
 * and how its counts are read stay the panel's.
 */
import type { MapRead } from '../native.js';
import { compareValues } from '../models/delta.js';
import { KeyIndex, rawKey, u32words, type Keyed } from './key-index.js';

export { KeyIndex, rawKey, u32words, u64at, type Keyed } from './key-index.js';

/** What the mirror keeps in every entry: its key, its slot, the read that last found it, when it last moved. */
export interface Mirrored extends Keyed {
  slot: number;
  seenRead: number;
  lastActiveNs: number;
}

/** When entries are taken out of the map: idle this long; and when the map holds more than `high` of its capacity. */
export interface MirrorPolicy {
  idleNs: number;
  /** fractions of the map's capacity: above `high` the quietest and smallest are taken, down to `low` */
  high: number;
  low: number;
}

/** Made once, not per read (an arrow made per call is compiled again after each major GC: models/delta.ts). */
const highestFirst = (a: number, b: number): number => b - a;

export class MapMirror<E extends Mirrored> {
  readonly index = new KeyIndex<E>();
  private readonly slots: (E | undefined)[] = [];
  private free: number[] = [];
  private reads = 0;

  constructor(private readonly policy: MirrorPolicy) {}

  /** The read under way (begin() starts the next). */
  get read(): number {
    return this.reads;
  }

  /** Slots in use and free between them: the samples' column count. */
  get length(): number {
    return this.slots.length;
  }

  /** The entry in slot i, if any. */
  at(i: number): E | undefined {
    return this.slots[i];
  }

  /**
   * Every entry known, in slot order: a new array (an entry may be forgotten while it is walked). The readers' hot
   * loops walk the slots instead (`length` and `at(i)`), which allocates nothing.
   */
  entries(): E[] {
    const out: E[] = [];
    for (const e of this.slots) if (e) out.push(e);
    return out;
  }

  /** Starts a read: entries walked from now on are seen in it. Free slots are given out lowest first. */
  begin(): number {
    this.free.sort(highestFirst);
    return ++this.reads;
  }

  /**
   * Walks one batch read: for each key, `visit` gets its entry when known (and returns it, or undefined), or undefined
   * when not, and then returns a new entry to keep or undefined to skip the key. A new entry's key words, slot and read
   * are set here: its literal holds them already (`k0: 0, k1: 0, k2: 0, k3: 0, slot: 0, seenRead: 0`, the type asks
   * for them) so that setting them keeps the object's shape. Adding them to it afterwards made filetop's read three
   * times slower at 10k files (properties outside the object, a new hidden class per step).
   */
  walk(m: MapRead, visit: (e: E | undefined, i: number, keys: Uint32Array, values: Uint32Array) => E | undefined): void {
    const kw = u32words(m.keys);
    const vw = u32words(m.values);
    for (let i = 0; i < m.count; i++) {
      const h = KeyIndex.hashAt(kw, i);
      const known = this.index.getAt(h, kw, i);
      const r = visit(known, i, kw, vw);
      if (known || !r) continue;
      const b = i * 4;
      const e = r;
      e.k0 = kw[b]!;
      e.k1 = kw[b + 1]!;
      e.k2 = kw[b + 2]!;
      e.k3 = kw[b + 3]!;
      e.seenRead = this.reads;
      e.slot = this.free.pop() ?? this.slots.length;
      this.index.add(h, e);
      this.slots[e.slot] = e;
    }
  }

  /** Forgets an entry (it left the map, and its last counts are in a sample): its slot is free for the next. */
  forget(e: E): void {
    this.index.delete(e);
    this.slots[e.slot] = undefined;
    this.free.push(e.slot);
  }

  /**
   * What to take out of a map that holds `inMap` entries of `capacity`: those of `mine` idle for the policy's time, and
   * when the map is above its high water mark, the quietest (longest idle), then smallest by `size`, of the rest, down
   * to its low water mark.
   */
  pick(mine: readonly E[], inMap: number, capacity: number, now: number, size: (e: E) => number): E[] {
    const idle: E[] = [];
    // The rest is gathered only under pressure: at 100k entries, pushing every one cost a tenth of a read.
    const rest: E[] | null = inMap > capacity * this.policy.high ? [] : null;
    for (const e of mine) {
      if (now - e.lastActiveNs >= this.policy.idleNs) idle.push(e);
      else rest?.push(e);
    }
    if (!rest) return idle;
    const excess = inMap - idle.length - Math.floor(capacity * this.policy.low);
    if (excess <= 0) return idle;
    rest.sort((a, b) => compareValues(a.lastActiveNs, b.lastActiveNs) || compareValues(size(a), size(b)));
    return [...idle, ...rest.slice(0, excess)];
  }

  /**
   * Takes entries out of the map with lookup-and-delete (`takeKeys`), so that what they counted between the read and
   * the delete still counts: `settle` gets each entry with the counts the delete returned. Returns how many were taken.
   */
  take(entries: readonly E[], takeKeys: (keys: Buffer) => MapRead, settle: (e: E, taken: MapRead, i: number) => void): number {
    if (entries.length === 0) return 0;
    const taken = takeKeys(Buffer.concat(entries.map(rawKey)));
    const tw = u32words(taken.keys);
    for (let i = 0; i < taken.count; i++) {
      const e = this.index.at(tw, i);
      if (e) settle(e, taken, i);
    }
    return taken.count;
  }

  /** Drops free slots at the end, so the columns stay as short as the entries known. */
  compact(): void {
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === undefined) this.slots.pop();
    this.free = this.free.filter((slot) => slot < this.slots.length);
  }
}
