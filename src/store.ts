/** The store: the latest published frame, and the per-row history series the engine keeps between frames. */
import { compareValues } from './models/delta.js';
import type { Frame } from './frame.js';

export const HISTORY_LENGTH = 60;
/** Series beyond this many per panel are dropped, least recently active first. */
export const MAX_SERIES = 4096;

type Series = readonly (number | null)[];

/**
 * One trend series per row id. Each tick gives every series a new frozen array (the old one is never changed), so a
 * frame can hand its rows' series out without copying and still never see a later tick's values. Rows absent in a
 * tick record 0; series silent for a whole window are dropped.
 */
export class History {
  private readonly series = new Map<string, { values: Series; lastActive: number }>();
  private tick = 0;

  record(values: ReadonlyMap<string, number | null>): void {
    this.tick++;
    const push = (s: Series, v: number | null): Series =>
      Object.freeze(s.length < HISTORY_LENGTH ? [...s, v] : [...s.slice(s.length - HISTORY_LENGTH + 1), v]);
    for (const [id, v] of values) {
      const entry = this.series.get(id) ?? { values: [], lastActive: this.tick };
      entry.values = push(entry.values, v);
      if (v !== 0 && v !== null) entry.lastActive = this.tick;
      this.series.set(id, entry);
    }
    for (const [id, entry] of this.series) {
      if (!values.has(id)) entry.values = push(entry.values, 0);
      if (this.tick - entry.lastActive >= HISTORY_LENGTH) this.series.delete(id);
    }
    if (this.series.size > MAX_SERIES) {
      const oldest = [...this.series].sort((a, b) => compareValues(a[1].lastActive, b[1].lastActive));
      for (const [id] of oldest.slice(0, this.series.size - MAX_SERIES)) this.series.delete(id);
    }
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
