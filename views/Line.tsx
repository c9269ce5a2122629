/**
 * One line of text exactly `width` cells wide, drawn through a constant placeholder. Ink measures every text node by
 * its content and caches each measurement forever in a module-level map: a table whose lines change every frame
 * grows that cache without bound (tens of MB an hour), and measures sparklines on string-width's slow path. Here Ink
 * only ever measures a run of spaces of this width (one cache entry per width and style), and the real line, already
 * fitted to the width by cells, replaces the spaces when Ink writes the output.
 */
import { Text, Transform, type TextProps } from 'ink';
import chalk from 'chalk';
import { cellWidth, fit } from './cells.js';
import type { Part } from './text.js';

export interface LineProps extends Omit<TextProps, 'children' | 'wrap'> {
  text: string;
  width: number;
  /** the text in pieces, some with their own colour (magnitudes); they join to `text` */
  parts?: readonly Part[];
}

/** NO_COLOR (https://no-color.org): no colour at all; what a background marked (the selection) becomes inverse video. */
export const noColor = (): boolean => (process.env.NO_COLOR ?? '') !== '';

/**
 * Without colour, what colour said in warning is said with attributes: red (bad: a verdict, a panel that failed, an
 * error) becomes bold, yellow (look, a panel not running) underline. The other colours only decorate.
 */
export function emphasisOf(color: TextProps['color']): { bold?: true; underline?: true } {
  if (color === 'red') return { bold: true };
  if (color === 'yellow') return { underline: true };
  return {};
}

/**
 * The line with its pieces' colours, when colour is on (chalk is the one Ink colours with, so it knows the terminal's
 * colour level as Ink does) and the line fits: a line cut at the edge is drawn plain.
 */
function coloured(text: string, parts: readonly Part[] | undefined, width: number): string | null {
  if (!parts || noColor() || chalk.level === 0 || !parts.some((p) => p.color)) return null;
  const w = cellWidth(text);
  if (w > width) return null;
  return parts.map((p) => (p.color ? chalk[p.color](p.text) : p.text)).join('') + ' '.repeat(width - w);
}

export function Line({ text, width, parts, ...given }: LineProps) {
  let style = given;
  if (noColor()) {
    const { color, backgroundColor, ...rest } = given;
    style = { ...rest, ...emphasisOf(color), inverse: (rest.inverse ?? false) || backgroundColor !== undefined };
  }
  const blank = ' '.repeat(Math.max(0, width));
  const fitted = coloured(text, parts, width) ?? fit(text, width);
  return (
    <Transform transform={(line: string) => line.replace(blank, () => fitted)}>
      <Text {...style}>{blank}</Text>
    </Transform>
  );
}
