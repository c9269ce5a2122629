/**
 * A replay's timeline (L): one line per checklist step, one column per stretch of the recording, each cell the worst
 * verdict of its frames (█ bad, ▒ look, · ok; coloured red, yellow, green). The cursor's column is in inverse video;
 * ▲ marks the frame on screen. Enter goes to the cursor's worst moment.
 */
import { Box } from 'ink';
import type { VerdictTimeline } from '../src/timeline.js';
import { Line, noColor } from './Line.js';
import type { Part } from './text.js';

export interface TimelineColumns {
  /** columns on screen: the frames, or the width when there are more frames than that */
  columns: number;
  /** [step][column]: the worst level of the column's frames */
  worst: Uint8Array[];
  /** each column's first frame */
  first: number[];
  /** the frame Enter goes to from each column: the first frame with the column's worst verdict of any step */
  jump: number[];
}

/** Column c holds frames [first[c], first[c + 1]). */
export function timelineColumns(t: VerdictTimeline, width: number): TimelineColumns {
  const n = t.times.length;
  const columns = Math.max(0, Math.min(n, Math.floor(width)));
  const first = Array.from({ length: columns }, (_, c) => Math.floor((c * n) / columns));
  const worst = t.steps.map(() => new Uint8Array(columns));
  const jump: number[] = [];
  for (let c = 0; c < columns; c++) {
    const end = c + 1 < columns ? first[c + 1]! : n;
    let best = first[c]!;
    let bestLevel = -1;
    for (let f = first[c]!; f < end; f++) {
      let top = 0;
      t.levels.forEach((row, k) => {
        const v = row[f]!;
        if (v > worst[k]![c]!) worst[k]![c] = v;
        if (v > top) top = v;
      });
      if (top > bestLevel) {
        bestLevel = top;
        best = f;
      }
    }
    jump.push(best);
  }
  return { columns, worst, first, jump };
}

/** The column frame `f` falls in. */
export function columnOf(cols: TimelineColumns, f: number): number {
  let c = 0;
  for (let k = 0; k < cols.columns; k++) if (cols.first[k]! <= f) c = k;
  return c;
}

/** Cells of a step's line, by level. */
const GLYPH = [' ', '·', '▒', '█'] as const;
const COLOR: readonly Part['color'][] = [undefined, 'green', 'yellow', 'red'];
const LEVEL_NAME = ['none', 'ok', 'look', 'bad'] as const;
/** Columns before the cells: the step's name. */
export const TIMELINE_LABEL = 9;

const hms = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

export interface TimelineLine {
  text: string;
  parts?: Part[];
}

/** The timeline's lines (a pure function of the data, the cursor and the frame on screen). */
export function timelineLines(t: VerdictTimeline, cols: TimelineColumns, cursor: number, shownCol: number): TimelineLine[] {
  const n = t.times.length;
  const out: TimelineLine[] = [];
  if (n === 0 || cols.columns === 0) return [{ text: 'timeline: no frame to show' }];
  const span = (t.times[n - 1]! - t.times[0]!) / 1000;
  const per = span / cols.columns;
  out.push({
    text: `timeline of the checklist ${hms(t.times[0]!)} → ${hms(t.times[n - 1]!)} UTC, ${n} frames, ${per < 10 ? per.toFixed(1) : per.toFixed(0)} s a column: the worst verdict  █ bad  ▒ look  · ok`,
  });
  const color = !noColor();
  t.steps.forEach((step, k) => {
    const parts: Part[] = [{ text: step.slice(0, TIMELINE_LABEL - 1).padEnd(TIMELINE_LABEL) }];
    for (let c = 0; c < cols.columns; c++) {
      const level = cols.worst[k]![c]!;
      const part: Part = { text: GLYPH[level] ?? ' ' };
      if (color && COLOR[level]) part.color = COLOR[level];
      if (c === cursor) part.inverse = true;
      // Runs of the same look join into one part.
      const last = parts[parts.length - 1]!;
      if (parts.length > 1 && last.color === part.color && last.inverse === part.inverse) last.text += part.text;
      else parts.push(part);
    }
    out.push({ text: parts.map((p) => p.text).join(''), parts });
  });
  out.push({ text: `${' '.repeat(TIMELINE_LABEL + shownCol)}▲ on screen` });
  const from = cols.first[cursor]!;
  const to = cursor + 1 < cols.columns ? cols.first[cursor + 1]! - 1 : n - 1;
  const jump = cols.jump[cursor]!;
  const worst = Math.max(0, ...t.levels.map((row) => row[jump]!));
  const which = t.steps.filter((_, k) => t.levels[k]![jump] === worst && worst >= 2);
  out.push({
    text: `cursor ${hms(t.times[from]!)}–${hms(t.times[to]!)}: worst ${LEVEL_NAME[worst]}${which.length ? ` (${which.join(', ')})` : ''} at ${hms(t.times[jump]!)}; Enter goes there (frame ${jump + 1})`,
  });
  return out;
}

export function TimelineView(props: { timeline: VerdictTimeline; cols: TimelineColumns; cursor: number; shownCol: number; width: number; height: number }) {
  const lines = timelineLines(props.timeline, props.cols, props.cursor, props.shownCol).slice(0, props.height);
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Line key={i} text={l.text} {...(l.parts ? { parts: l.parts } : {})} width={props.width} />
      ))}
    </Box>
  );
}
