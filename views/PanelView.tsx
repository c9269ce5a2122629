/** A panel's body: its table when attached; otherwise why not, and which hook tiers were tried. */
import { Box, Text } from 'ink';
import type { PanelState } from '../src/store.js';
import { fit } from './cells.js';
import { Table } from './Table.js';
import { statusLine } from './text.js';

export interface PanelViewProps {
  panel: PanelState;
  width: number;
  height: number;
  selected: number;
  /** a panel-specific summary line above the table */
  summary?: string;
  /** no interval has completed yet */
  waiting?: boolean;
}

export function PanelView({ panel, width, height, selected, summary, waiting }: PanelViewProps) {
  if (panel.status !== 'ok') {
    const color = panel.status === 'starting' ? undefined : panel.status === 'off' ? 'yellow' : 'red';
    return (
      <Box flexDirection="column">
        <Text color={color}>{fit(statusLine(panel), width)}</Text>
        {panel.attempts.slice(0, Math.max(0, height - 1)).map((a) => (
          <Text key={a.tier} dimColor>
            {fit(`  tried ${a.tier}: ${a.reason}`, width)}
          </Text>
        ))}
      </Box>
    );
  }
  const head = [summary, statusLine(panel)].filter((s): s is string => !!s);
  return (
    <Box flexDirection="column">
      {head.map((line) => (
        <Text key={line} dimColor>
          {fit(line, width)}
        </Text>
      ))}
      <Table panel={panel} width={width} height={height - head.length} selected={selected} waiting={waiting} />
    </Box>
  );
}
