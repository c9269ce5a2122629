/**
 * A replay's timeline: the checklist's verdict for each step in every frame of a recording (views/Timeline.tsx folds
 * them into the screen's columns). Pure; the recording's reader gives the home panel's stored rows
 * (RecordingReader.panelSeries), decoded alone.
 */

/** 0: no verdict (no frame, or a step without one), 1 ok, 2 look, 3 bad */
export type Level = 0 | 1 | 2 | 3;
const LEVEL: Readonly<Record<string, Level>> = { ok: 1, look: 2, bad: 3 };

export interface VerdictTimeline {
  /** the checklist's step ids, in order */
  steps: string[];
  /** each frame's recorded time (ms since the epoch) */
  times: readonly number[];
  /** [step][frame] */
  levels: Uint8Array[];
}

/**
 * From each frame's home panel as stored (its value, or null where the frame could not be read or had none) and the
 * frames' times. Steps are those the frames name, in their first order.
 */
export function verdictTimeline(series: readonly unknown[], times: readonly number[]): VerdictTimeline {
  const steps: string[] = [];
  const index = new Map<string, number>();
  const levels: Uint8Array[] = [];
  series.forEach((home, f) => {
    const rows = typeof home === 'object' && home !== null ? (home as { rows?: unknown }).rows : undefined;
    if (!Array.isArray(rows)) return;
    for (const r of rows as { id?: unknown; verdict?: unknown }[]) {
      if (typeof r?.id !== 'string') continue;
      let k = index.get(r.id);
      if (k === undefined) {
        if (steps.length >= 32) continue; // a crafted file cannot make the timeline taller than a checklist
        k = steps.length;
        steps.push(r.id);
        index.set(r.id, k);
        levels.push(new Uint8Array(series.length));
      }
      levels[k]![f] = typeof r.verdict === 'string' ? (LEVEL[r.verdict] ?? 0) : 0;
    }
  });
  return { steps, times, levels };
}
