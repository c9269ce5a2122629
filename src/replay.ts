/**
 * Replay: a snapshot or a recording behind the same views, read-only. The store shows one frame at a time; the keys
 * move it (`[` `]` one interval, `{` `}` a minute). A recording's frames carry no trends: they are rebuilt here from
 * the frames before, as the engine builds them (the same History, each panel's own trend value).
 */
import type { Frame, PanelFrame } from './frame.js';
import { deepFreeze } from './frame.js';
import type { AnyPanelDef } from './panels/types.js';
import { FormatError } from './persist/frames.js';
import { History, HISTORY_LENGTH } from './store.js';

/** Frames by position: a recording's (no trends), or a snapshot's single frame (with them). */
export interface ReplaySource {
  readonly frames: number;
  frame(i: number): Frame;
  /** ms since the epoch */
  timeOf(i: number): number;
  /** the first frame at or after this time */
  seekTime(ms: number): number;
  /** the frames carry their rows' trends already (a snapshot) */
  readonly withHistory: boolean;
}

export function snapshotSource(frame: Frame): ReplaySource {
  const t = Date.parse(frame.time);
  return { frames: 1, frame: () => frame, timeOf: () => t, seekTime: () => 0, withHistory: true };
}

/** Rebuilds trends frame by frame: sequential steps cost one frame each; a jump replays the trend's length of frames before it. */
export class TrendRebuilder {
  private histories = new Map<string, History>();
  private last = -2;

  constructor(
    private readonly source: ReplaySource,
    private readonly panelById: (id: string) => AnyPanelDef | undefined,
  ) {}

  private record(frame: Frame): void {
    for (const p of frame.panels) {
      const def = this.panelById(p.id);
      if (!def) continue;
      let h = this.histories.get(p.id);
      if (!h) this.histories.set(p.id, (h = new History()));
      h.record(
        p.rows.map((r) => r.id),
        p.rows.map((r) => {
          try {
            const v = def.trend(r);
            return typeof v === 'number' && Number.isFinite(v) ? v : null;
          } catch {
            return null;
          }
        }),
      );
    }
  }

  /** Frame i with its trends. */
  at(i: number): Frame {
    const frame = this.source.frame(i);
    if (this.source.withHistory) return frame;
    if (i !== this.last + 1) {
      this.last = -2;
      this.histories = new Map();
      for (let j = Math.max(0, i - HISTORY_LENGTH + 1); j < i; j++) this.record(this.source.frame(j));
    }
    this.record(frame);
    this.last = i;
    const panels: PanelFrame[] = frame.panels.map((p) => ({ ...p, history: this.histories.get(p.id)?.forRows(p.rows.map((r) => r.id)) ?? {} }));
    return deepFreeze({ ...frame, panels });
  }
}

type Listener = () => void;

/** The views' store for a replay: the frame at the current position. */
export class ReplayStore {
  private pos = 0;
  private current: Frame;
  private readonly listeners = new Set<Listener>();
  private readonly trends: TrendRebuilder;
  /** why the last move failed (a damaged frame), shown in the status line; null when it did not */
  error: string | null = null;

  constructor(
    private readonly source: ReplaySource,
    panelById: (id: string) => AnyPanelDef | undefined,
  ) {
    this.trends = new TrendRebuilder(source, panelById);
    this.current = this.trends.at(0);
  }

  getSnapshot = (): Frame => this.current;

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  get position(): number {
    return this.pos;
  }

  get frames(): number {
    return this.source.frames;
  }

  /** Moves to frame i (kept in range); a frame that cannot be read leaves the screen where it was and says why. */
  go(i: number): void {
    const to = Math.max(0, Math.min(this.source.frames - 1, i));
    if (to === this.pos) return;
    try {
      this.current = this.trends.at(to);
      this.pos = to;
      this.error = null;
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      this.error = e.message;
    }
    for (const fn of this.listeners) fn();
  }

  /** `[` `]`: one interval; `{` `}`: a minute of recorded time. */
  step(step: 1 | -1, unit: 'interval' | 'minute'): void {
    if (unit === 'interval') return this.go(this.pos + step);
    const t = this.source.timeOf(this.pos) + step * 60_000;
    const i = this.source.seekTime(t);
    // Backwards, the first frame at or after t is a minute back or less; never stay in place.
    this.go(step > 0 ? Math.max(i, this.pos + 1) : Math.min(i, this.pos - 1));
  }

  /** "frame 12 of 3600": for the title. */
  describe(): string {
    return `frame ${this.pos + 1} of ${this.source.frames}`;
  }
}
