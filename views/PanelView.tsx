/** A panel's body: its summary, status and table when running; otherwise why not, and which hook tiers were tried. */
import { Box, Text } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Row, SortSpec } from '../src/panels/types.js';
import { fit } from './cells.js';
import { Table } from './Table.js';
import { statusLine } from './text.js';

export interface PanelViewProps {
  spec: AnyPanelSpec;
  panel: PanelFrame;
  /** the rows in display order */
  rows: readonly Row[];
  sort: SortSpec;
  width: number;
  height: number;
  selected: number;
  /** no interval has completed yet */
  waiting?: boolean;
}

export function PanelView({ spec, panel, rows, sort, width, height, selected, waiting }: PanelViewProps) {
  if (panel.status !== 'ok') {
    const color = panel.status === 'starting' ? undefined : panel.status === 'off' ? 'yellow' : 'red';
    return (
      <Box flexDirection="column">
        <Text color={color}>{fit(statusLine(spec, panel), width)}</Text>
        {panel.attempts.slice(0, Math.max(0, height - 1)).map((a) => (
          <Text key={a.tier} dimColor>
            {fit(`  tried ${a.tier}: ${a.reason}`, width)}
          </Text>
        ))}
      </Box>
    );
  }
  const head = [panel.summary.text, statusLine(spec, panel)].filter((s) => s !== '');
  return (
    <Box flexDirection="column">
      {head.map((line) => (
        <Text key={line} dimColor>
          {fit(line, width)}
        </Text>
      ))}
      <Table spec={spec} panel={panel} rows={rows} sort={sort} width={width} height={height - head.length} selected={selected} waiting={waiting} />
    </Box>
  );
}
