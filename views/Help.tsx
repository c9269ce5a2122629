/** The help screen: the key table, and what each column of the active panel means and which hook feeds it. */
import { Box } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec } from '../src/panels/types.js';
import { wrap } from './cells.js';
import { Line } from './Line.js';
import { keyHelpLines } from './keys.js';

export function helpLines(spec: AnyPanelSpec | undefined, panel: PanelFrame | undefined): string[] {
  const lines = ['keys', ...keyHelpLines()];
  if (spec) {
    lines.push('', `${spec.title}: columns`);
    for (const c of spec.columns) lines.push(`  ${c.title.padEnd(10)} ${c.help}`);
    lines.push('', `${spec.title}: hook tiers, preferred first`);
    for (const t of spec.hookList) lines.push(`  ${(t.name === panel?.tier ? '* ' : '  ') + t.name.padEnd(11)}${t.hooks}`);
    lines.push('', `${spec.title}: blind spots`, `  ${spec.blindSpots}`);
  }
  return lines;
}

export function Help({ spec, panel, width, height }: { spec: AnyPanelSpec | undefined; panel: PanelFrame | undefined; width: number; height: number }) {
  return (
    <Box flexDirection="column">
      {helpLines(spec, panel)
        .flatMap((l) => wrap(l, width, '             '))
        .slice(0, height)
        .map((l, i) => (
          <Line key={i} text={l} width={width} />
        ))}
    </Box>
  );
}
