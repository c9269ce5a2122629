/**
 * Replay: a snapshot or a recording behind the same views, read-only. The store shows one frame at a time; the keys
 * move it (`[` `]` one interval, `{` `}` a minute). A recording's frames carry no trends: they are rebuilt here from
 * the frames before, as the engine builds them (the same History, each panel's own trend value).
 */
import type { Frame, PanelFrame } from './frame.js';
import { deepFreeze } from './frame.js';
import type { AnyPanelDef, Row } from './panels/types.js';
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
  /** event panels' scrollback, newest first: a recording stores each event once */
  private events = new Map<string, readonly Row[]>();
  private last = -2;

  constructor(
    private readonly source: ReplaySource,
    private readonly panelById: (id: string) => AnyPanelDef | undefined,
  ) {}

  private record(frame: Frame): void {
    for (const p of frame.panels) {
      const def = this.panelById(p.id);
      if (!def) continue;
      if (def.events && p.events) this.events.set(p.id, [...p.events, ...(this.events.get(p.id) ?? [])].slice(0, SCROLLBACK));
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
      this.events = new Map();
      for (let j = Math.max(0, i - HISTORY_LENGTH + 1); j < i; j++) {
        // A damaged frame before this one leaves a gap in the trends, not a frame that cannot be shown.
        let before: Frame;
        try {
          before = this.source.frame(j);
        } catch (e) {
          if (e instanceof FormatError) continue;
          throw e;
        }
        this.record(before);
      }
    }
    this.record(frame);
    this.last = i;
    const panels: PanelFrame[] = frame.panels.map((p) => {
      const events = this.events.get(p.id);
      return { ...p, history: this.histories.get(p.id)?.forRows(p.rows.map((r) => r.id)) ?? {}, ...(events ? { events } : {}) };
    });
    return deepFreeze({ ...frame, panels });
  }
}

/** The events replay keeps per panel, as the engine's panels do (execsnoop's RECENT_EXECS). */
const SCROLLBACK = 1000;

type Listener = () => void;

/** The views' store for a replay: the frame at the current position. */
export class ReplayStore {
  private pos = 0;
  private current: Frame;
  private readonly listeners = new Set<Listener>();
  private readonly trends: TrendRebuilder;
  /** why the last move failed (a damaged frame), shown in the status line; null when it did not */
  error: string | null = null;

  /** `start`: the frame shown first (--at's). */
  constructor(
    private readonly source: ReplaySource,
    panelById: (id: string) => AnyPanelDef | undefined,
    start = 0,
  ) {
    this.trends = new TrendRebuilder(source, panelById);
    this.pos = Math.max(0, Math.min(source.frames - 1, start));
    // Deep in a recording, the trends are the minute of frames before this one: decoded and checked, that is most of
    // a second for a busy host's frames. The frame is shown at once, and its trends follow (unless a key moved on).
    // fillTrends() adds them once the screen is drawn.
    this.current = this.pos === 0 || source.withHistory ? this.trends.at(this.pos) : source.frame(this.pos);
  }

  /** The first frame's trends, when it was shown without them (a start deep in a recording); the views are told. */
  fillTrends(): void {
    if (this.pos === 0 || this.source.withHistory || this.current.panels.some((p) => Object.keys(p.history).length > 0)) return;
    try {
      this.current = this.trends.at(this.pos);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      return;
    }
    for (const fn of this.listeners) fn();
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

  /** The recorded time from this frame to the next (ms), or null at the last. */
  toNext(): number | null {
    if (this.pos + 1 >= this.source.frames) return null;
    return Math.max(0, this.source.timeOf(this.pos + 1) - this.source.timeOf(this.pos));
  }
}

/** The speeds `+` and `-` step through while a replay plays. */
export const PLAY_SPEEDS = [1, 2, 5, 10, 30, 60] as const;
/** a gap in the recording (sixty was not running) is played as at most this */
const MAX_GAP_MS = 5000;
/** the fastest a frame follows the one before: the screen's pace, not more */
const MIN_STEP_MS = 50;

/**
 * Plays a replay (`p`): one frame after another at the recorded pace, `speed` times faster; it stops at the last frame.
 * A gap in the recording (sixty was not running) is played as at most MAX_GAP_MS.
 */
export class ReplayPlayer {
  playing = false;
  speed: number = PLAY_SPEEDS[0];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ReplayStore,
    /** the play stopped by itself: at the last frame (null), or at a frame that cannot be read (why) */
    private readonly onEnd: (error: string | null) => void,
  ) {}

  /** `p`: plays, or stops; at the last frame, plays again from the first. */
  toggle(): void {
    if (this.playing) return this.stop();
    if (this.store.toNext() === null) this.store.go(0);
    this.playing = true;
    this.schedule();
  }

  /** `+` / `-`: the next speed up or down. */
  faster(step: 1 | -1): void {
    const i = PLAY_SPEEDS.indexOf(this.speed as (typeof PLAY_SPEEDS)[number]);
    this.speed = PLAY_SPEEDS[Math.max(0, Math.min(PLAY_SPEEDS.length - 1, i + step))]!;
    if (this.playing) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  stop(): void {
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** "▶ 10×" while playing, '' when not: for the title. */
  describe(): string {
    return this.playing ? `  ▶ ${this.speed}×` : '';
  }

  private schedule(): void {
    const gap = this.store.toNext();
    if (gap === null) {
      this.stop();
      this.onEnd(null);
      return;
    }
    this.timer = setTimeout(
      () => {
        const from = this.store.position;
        this.store.go(from + 1);
        // A frame that cannot be read stops the play where it is (the store says why).
        if (this.store.position === from) {
          this.stop();
          this.onEnd(this.store.error);
        } else if (this.playing) this.schedule();
      },
      Math.max(MIN_STEP_MS, Math.min(MAX_GAP_MS, gap) / this.speed),
    );
    this.timer.unref();
  }
}
