/**
 * One line of text exactly `width` cells wide, drawn through a constant placeholder. Ink measures every text node by
 * its content and caches each measurement forever in a module-level map: a table whose lines change every frame
 * grows that cache without bound (tens of MB an hour), and measures sparklines on string-width's slow path. Here Ink
 * only ever measures a run of spaces of this width (one cache entry per width and style), and the real line, already
 * fitted to the width by cells, replaces the spaces when Ink writes the output.
 */
import { Text, Transform, type TextProps } from 'ink';
import { fit } from './cells.js';

export interface LineProps extends Omit<TextProps, 'children' | 'wrap'> {
  text: string;
  width: number;
}

/** NO_COLOR (https://no-color.org): no colour at all; what a background marked (the selection) becomes inverse video. */
export const noColor = (): boolean => (process.env.NO_COLOR ?? '') !== '';

export function Line({ text, width, ...given }: LineProps) {
  let style = given;
  if (noColor()) {
    const { color: _c, backgroundColor, ...rest } = given;
    style = { ...rest, inverse: (rest.inverse ?? false) || backgroundColor !== undefined };
  }
  const blank = ' '.repeat(Math.max(0, width));
  const fitted = fit(text, width);
  return (
    <Transform transform={(line: string) => line.replace(blank, () => fitted)}>
      <Text {...style}>{blank}</Text>
    </Transform>
  );
}
