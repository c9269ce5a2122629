/** The store: one frame per tick (one timestamp for every panel), and the per-row history rings. */
import { compareValues } from './models/delta.js';
import { Ring } from './ring.js';
import type { AnyPanelDef, PanelStats } from './panels/types.js';

export const HISTORY_LENGTH = 60;
/** Series beyond this many per panel are dropped, least recently active first. */
const MAX_SERIES = 4096;

export interface TierAttempt {
  tier: string;
  reason: string;
  /** libbpf's own words when the load or attach failed (the verifier's log, bounded), for diagnosis */
  log?: string;
}

export type PanelStatus = 'starting' | 'ok' | 'error' | 'off';

export interface PanelState {
  def: AnyPanelDef;
  status: PanelStatus;
  /** the tier that is attached, and what it hooks */
  tier: string | null;
  hooks: string | null;
  /** why the panel is in error or off */
  reason: string | null;
  /** tiers tried before the one chosen (or all, when none attached), and why each failed */
  attempts: TierAttempt[];
  /** sorted by `sort` */
  rows: object[];
  sort: { key: string; descending: boolean };
  stats: PanelStats;
  history: ReadonlyMap<string, Ring>;
}

export interface Frame {
  /** wall-clock time of the tick */
  time: Date;
  /** measured time since the previous tick: the denominator of every rate in this frame */
  elapsedNs: number;
  panels: PanelState[];
}

/** Keeps one history ring per row; rows absent in a tick record 0, and long-silent series are dropped. */
export class History {
  private readonly rings = new Map<string, { ring: Ring; lastActive: number }>();
  private tick = 0;

  record(values: Map<string, number | null>): void {
    this.tick++;
    for (const [id, v] of values) {
      let entry = this.rings.get(id);
      if (!entry) {
        entry = { ring: new Ring(HISTORY_LENGTH), lastActive: this.tick };
        this.rings.set(id, entry);
      }
      entry.ring.push(v);
      if (v !== 0 && v !== null) entry.lastActive = this.tick;
    }
    for (const [id, entry] of this.rings) {
      if (!values.has(id)) entry.ring.push(0);
      if (this.tick - entry.lastActive >= HISTORY_LENGTH) this.rings.delete(id);
    }
    if (this.rings.size > MAX_SERIES) {
      const oldest = [...this.rings].sort((a, b) => compareValues(a[1].lastActive, b[1].lastActive));
      for (const [id] of oldest.slice(0, this.rings.size - MAX_SERIES)) this.rings.delete(id);
    }
  }

  view(): ReadonlyMap<string, Ring> {
    const out = new Map<string, Ring>();
    for (const [id, e] of this.rings) out.set(id, e.ring);
    return out;
  }
}

type Listener = () => void;

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
