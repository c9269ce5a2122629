/** A panel's body: its summary, status and table when running; otherwise why not, and which hook tiers were tried. */
import { Box } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec, Row, SortSpec } from '../src/panels/types.js';
import { wrap } from './cells.js';
import { Line } from './Line.js';
import { Table } from './Table.js';
import { statusLine } from './text.js';

export interface PanelViewProps {
  /** the frame's interval (ns), for the panel's in-kernel cost per second */
  elapsedNs?: number;
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
  /** the filter and the rows it hides */
  filter?: { text: string; hidden: number };
}

export function PanelView({ spec, panel, rows, sort, width, height, selected, waiting, elapsedNs, filter }: PanelViewProps) {
  if (panel.status !== 'ok') {
    const color = panel.status === 'starting' || panel.status === 'standby' ? undefined : panel.status === 'off' ? 'yellow' : 'red';
    // The reason is the advice (what privilege is missing, which hook failed): wrapped in full, never cut.
    return (
      <Box flexDirection="column">
        {wrap(statusLine(spec, panel), width, '  ').map((line, i) => (
          <Line key={`s${i}`} color={color} text={line} width={width} />
        ))}
        {panel.attempts.slice(0, Math.max(0, height - 1)).map((a) => (
          <Line key={a.tier} dimColor text={`  tried ${a.tier}: ${a.reason}`} width={width} />
        ))}
      </Box>
    );
  }
  // The summary is never cut: it wraps (it carries the warnings, such as totals that are incomplete). On a short
  // terminal the status line gives way first, then the table; the summary stays.
  const summary = panel.summary.text ? wrap(panel.summary.text, width, '  ') : [];
  // The status line (tier, in-kernel cost) is kept only when it leaves the table a header and a row.
  const head = height - summary.length - 1 >= 2 ? [...summary, statusLine(spec, panel, elapsedNs)] : summary;
  const warn = panel.summary.warning === true;
  return (
    <Box flexDirection="column">
      {head.map((line, i) => (
        <Line key={i} dimColor={!(warn && i < summary.length)} color={warn && i < summary.length ? 'red' : undefined} text={line} width={width} />
      ))}
      {height - head.length > 0 ? (
        <Table
          spec={spec}
          panel={panel}
          rows={rows}
          sort={sort}
          width={width}
          height={height - head.length}
          selected={selected}
          waiting={waiting}
          elapsedNs={elapsedNs}
          {...(filter ? { filter } : {})}
        />
      ) : null}
    </Box>
  );
}
