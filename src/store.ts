/** The store: the latest published frame, and the per-row history series the engine keeps between frames. */
import { compareValues } from './models/delta.js';
import type { Frame } from './frame.js';

export const HISTORY_LENGTH = 60;
/**
 * Series kept per panel; beyond, the least important give way (see History). A screen shows a few dozen rows; a
 * thousand trends covers every row a user scrolls to in practice, at a quarter of the cost per tick of 4096.
 */
export const MAX_SERIES = 1000;

type Series = readonly (number | null)[];

interface Entry {
  values: Series;
  /** the sum of the series' values (its importance: how much it moved over the window) */
  sum: number;
  lastActive: number;
  /** the tick that last recorded a value of its row */
  seen: number;
}

/**
 * One trend series per row id. Each tick gives every series a new frozen array (the old one is never changed), so a
 * frame can hand its rows' series out without copying and still never see a later tick's values. Rows absent in a
 * tick record 0; series silent for a whole window are dropped. Above MAX_SERIES, the least important series (the
 * smallest sum over the window) give way: a new row gets a series only if it moved more than the one it replaces,
 * so the top talkers keep theirs however many small rows come and go.
 */
export class History {
  private readonly series = new Map<string, Entry>();
  private tick = 0;

  constructor(private readonly maxSeries = MAX_SERIES) {}

  /** One tick: the trend value of each row, by id (`ids[i]` has `values[i]`). */
  record(ids: readonly string[], values: readonly (number | null)[]): void {
    this.tick++;
    const tick = this.tick;
    // Newcomers by index into ids/values (no tuple per row: tens of thousands of rows can be new each tick).
    let newcomers: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const e = this.series.get(ids[i]!);
      if (e) {
        this.push(e, values[i] ?? null);
        e.seen = tick;
      } else newcomers.push(i);
    }
    for (const [id, e] of this.series) {
      if (e.seen !== tick) this.push(e, 0);
      if (tick - e.lastActive >= HISTORY_LENGTH) this.series.delete(id);
    }
    const value = (i: number): number => values[i] ?? 0;
    const room = this.maxSeries - this.series.size;
    if (newcomers.length > room) {
      // Biggest newcomers first; each may take the place of the least important series, if it moved more. A newcomer
      // no bigger than the weakest series can take no place: those are left out before sorting.
      if (room <= 0) {
        let least = Infinity;
        for (const e of this.series.values()) if (e.sum < least) least = e.sum;
        newcomers = newcomers.filter((i) => value(i) > least);
      }
      newcomers.sort((a, b) => compareValues(value(b), value(a)));
      const weakest = newcomers.length > Math.max(0, room) ? [...this.series].sort((a, b) => compareValues(a[1].sum, b[1].sum)) : [];
      let w = 0;
      let free = room;
      let admitted = 0;
      for (const i of newcomers) {
        if (free > 0) free--;
        else if (w < weakest.length && weakest[w]![1].sum < value(i)) this.series.delete(weakest[w++]![0]);
        else break;
        admitted++;
      }
      newcomers.length = admitted;
    }
    for (const i of newcomers) {
      const e: Entry = { values: [], sum: 0, lastActive: tick, seen: tick };
      this.push(e, values[i] ?? null);
      this.series.set(ids[i]!, e);
    }
  }

  private push(e: Entry, v: number | null): void {
    const s = e.values;
    const full = s.length >= HISTORY_LENGTH;
    const dropped = full ? (s[s.length - HISTORY_LENGTH] ?? 0) : 0;
    const from = full ? s.length - HISTORY_LENGTH + 1 : 0;
    const next = new Array<number | null>(s.length - from + 1);
    for (let i = from; i < s.length; i++) next[i - from] = s[i]!;
    next[next.length - 1] = v;
    e.values = Object.freeze(next);
    e.sum += (v ?? 0) - (dropped ?? 0);
    if (v !== 0 && v !== null) e.lastActive = this.tick;
  }

  get(id: string): Series | undefined {
    return this.series.get(id)?.values;
  }

  get size(): number {
    return this.series.size;
  }

  /** The series of these rows, as plain data for a frame. */
  forRows(ids: Iterable<string>): Record<string, Series> {
    const out: Record<string, Series> = {};
    for (const id of ids) {
      const s = this.series.get(id);
      if (s) out[id] = s.values;
    }
    return out;
  }
}

type Listener = () => void;

/** Holds the latest frame; views subscribe to it (useSyncExternalStore), batch output and tests too. */
export class Store {
  private frame: Frame;
  private readonly listeners = new Set<Listener>();

  constructor(initial: Frame) {
    this.frame = initial;
  }

  getSnapshot = (): Frame => this.frame;

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  publish(frame: Frame): void {
    this.frame = frame;
    for (const fn of this.listeners) fn();
  }
}
