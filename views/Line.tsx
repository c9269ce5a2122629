/**
 * One line of text exactly `width` cells wide, drawn through a placeholder. Ink lays out and draws one cell for it: a
 * space, which Ink measures once and for all (it caches every text node's measurement forever, and a table whose
 * lines change every frame grew that cache without bound), and which the line's transform turns into a character
 * that stands for the line (views/placeholders.ts). The output layer puts the line, already fitted to the width by
 * cells, in its place. So Ink's frame is one cell wide: its layout, its output grid and its ANSI tokenizer see a
 * column of placeholders, not the screen's every character.
 */
import { memo } from 'react';
import { Text, Transform } from 'ink';
import chalk from 'chalk';
import { cellWidth, fit } from './cells.js';
import type { Part } from './text.js';
import { placeholders } from './placeholders.js';

/** The colours a whole line takes (what red and yellow say, and the selection's cyan). */
export type LineColour = 'red' | 'yellow' | 'cyan' | 'green' | 'black';

export interface LineProps {
  text: string;
  width: number;
  /** the text in pieces, some with their own colour (magnitudes); they join to `text` */
  parts?: readonly Part[];
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
  underline?: boolean;
  color?: LineColour | undefined;
  backgroundColor?: 'cyan' | undefined;
}

/** NO_COLOR (https://no-color.org): no colour at all; what a background marked (the selection) becomes inverse video. */
export const noColor = (): boolean => (process.env.NO_COLOR ?? '') !== '';

/**
 * Without colour, what colour said in warning is said with attributes: red (bad: a verdict, a panel that failed, an
 * error) becomes bold, yellow (look, a panel not running) underline. The other colours only decorate.
 */
export function emphasisOf(color: LineColour | undefined): { bold?: true; underline?: true } {
  if (color === 'red') return { bold: true };
  if (color === 'yellow') return { underline: true };
  return {};
}

/** A piece of a line in its own style: colour (but under NO_COLOR), inverse video, underline. */
function paint(p: Part, text: string): string {
  let c = chalk;
  if (p.inverse) c = c.inverse;
  if (p.underline) c = c.underline;
  if (p.color && !noColor()) c = c[p.color];
  return c === chalk ? text : c(text);
}

/**
 * The line with its pieces' styles, when the terminal has any (chalk is the one Ink colours with, so it knows the
 * terminal's colour level as Ink does), cut to the width piece by piece and padded to it.
 */
function styled(parts: readonly Part[] | undefined, width: number): string | null {
  if (!parts || chalk.level === 0 || !parts.some((p) => (p.color && !noColor()) || p.inverse || p.underline)) return null;
  let out = '';
  let used = 0;
  for (const p of parts) {
    if (used >= width) break;
    const w = cellWidth(p.text);
    const text = used + w > width ? fit(p.text, width - used) : p.text;
    out += paint(p, text);
    used += used + w > width ? width - used : w;
  }
  return out + ' '.repeat(Math.max(0, width - used));
}

type LineStyle = Omit<LineProps, 'text' | 'width' | 'parts'>;

/**
 * The whole line's style, as chalk (the one Ink colours with, so the same colour level) draws it; without colour
 * (NO_COLOR), red is bold, yellow underlined and a background inverse video.
 */
function paintLine(given: LineStyle, text: string): string {
  let s = given;
  if (noColor()) {
    const { color, backgroundColor, ...rest } = given;
    s = { ...rest, ...emphasisOf(color), inverse: (rest.inverse ?? false) || backgroundColor !== undefined };
  }
  let c = chalk;
  if (s.bold) c = c.bold;
  if (s.dimColor) c = c.dim;
  if (s.inverse) c = c.inverse;
  if (s.underline) c = c.underline;
  if (s.color) c = c[s.color];
  if (s.backgroundColor) c = c.bgCyan;
  return c === chalk || chalk.level === 0 ? text : c(text);
}

function LineView({ text, width, parts, ...style }: LineProps) {
  if (width <= 0) return null;
  const fitted = paintLine(style, styled(parts, width) ?? fit(text, width));
  // Ink lays out and draws one cell, a plain character that stands for the line; the output layer puts the line,
  // styles and all, there (views/placeholders.ts).
  return (
    <Transform transform={(line: string) => line.replace(' ', () => placeholders.of(fitted))}>
      <Text> </Text>
    </Transform>
  );
}

const samePart = (a: Part, b: Part): boolean => a.text === b.text && a.color === b.color && a.inverse === b.inverse && a.underline === b.underline;

/** The same line as the frame before (its text, width, style and pieces): React leaves it, and Ink's node, alone. */
function sameLine(a: LineProps, b: LineProps): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'parts') continue;
    if (a[k as keyof LineProps] !== b[k as keyof LineProps]) return false;
  }
  if (a.parts === b.parts) return true;
  if (!a.parts || !b.parts || a.parts.length !== b.parts.length) return false;
  return a.parts.every((p, i) => samePart(p, b.parts![i]!));
}

export const Line = memo(LineView, sameLine);
