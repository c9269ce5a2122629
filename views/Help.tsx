/** The help screen: the key table, and what each column of the active panel means and which hook feeds it. */
import { Box, Text } from 'ink';
import type { PanelState } from '../src/store.js';
import { fit } from './cells.js';
import { keyHelpLines } from './keys.js';

export function helpLines(panel: PanelState | undefined): string[] {
  const lines = ['keys', ...keyHelpLines()];
  if (panel) {
    lines.push('', `${panel.def.title}: columns`);
    for (const c of panel.def.columns) lines.push(`  ${c.title.padEnd(10)} ${c.help}`);
    lines.push('', `${panel.def.title}: hook tiers, preferred first`);
    for (const t of panel.def.tiers) lines.push(`  ${(t.name === panel.tier ? '* ' : '  ') + t.name.padEnd(11)}${t.hooks}`);
  }
  return lines;
}

export function Help({ panel, width, height }: { panel: PanelState | undefined; width: number; height: number }) {
  return (
    <Box flexDirection="column">
      {helpLines(panel)
        .slice(0, height)
        .map((l, i) => (
          <Text key={i}>{fit(l, width)}</Text>
        ))}
    </Box>
  );
}
