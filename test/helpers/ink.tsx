/**
 * ink-testing-library's render, with each frame as the terminal gets it: Ink draws a placeholder for each line
 * (views/placeholders.ts) and the console's output layer puts the lines in place; so do these frames.
 */
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink-testing-library';
import { placeholders } from '../../views/placeholders.js';

export function render(tree: ReactElement): ReturnType<typeof inkRender> {
  const r = inkRender(tree);
  const lastFrame = (): string | undefined => {
    const f = r.lastFrame();
    return f === undefined ? undefined : placeholders.expand(f);
  };
  return {
    ...r,
    lastFrame,
    get frames() {
      return r.frames.map((f) => placeholders.expand(f));
    },
  };
}
