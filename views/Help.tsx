/** The help screen: the key table, and what each column of the active panel means and which hook feeds it. */
import { Box } from 'ink';
import type { PanelFrame } from '../src/frame.js';
import type { AnyPanelSpec } from '../src/panels/types.js';
import { wrap } from './cells.js';
import { Line } from './Line.js';
import { keyHelpLines } from './keys.js';
import { columnTitle } from './text.js';

export function helpLines(spec: AnyPanelSpec | undefined, panel: PanelFrame | undefined): string[] {
  const lines: string[] = [];
  // The panel's own columns first: what the user is looking at when they ask; the keys after.
  if (spec) {
    lines.push(`${spec.title}: columns`);
    const w = Math.max(10, ...spec.columns.map((c) => columnTitle(c).length + 1));
    for (const c of spec.columns)
      lines.push(`  ${columnTitle(c).padEnd(w)} ${c.help}${c.perInterval ? ' (per second here; JSON and CSV give the amount in the interval)' : ''}`);
    const trend =
      spec.trendOf?.help ??
      (typeof spec.trendOf?.label === 'string' ? `${spec.trendOf.label}, over the last intervals` : "the row's main figure over the last intervals");
    lines.push(`  ${'TREND'.padEnd(w)} ${trend} (Enter: the row's chart)`);
    lines.push('');
  }
  lines.push('keys', ...keyHelpLines());
  if (spec) {
    if (spec.groupings?.length) {
      lines.push('', `${spec.title}: groupings (t or F5 steps through them, then back to single rows)`);
      for (const g of spec.groupings)
        lines.push(`  by ${g.name}: one row per ${g.name}, its counters summed (${g.hide.join(', ')} left out; Enter lists its rows)`);
      lines.push('  A group sums the rows listed in this interval; the summary line above the table covers everything.');
    }
    lines.push('', `${spec.title}: hook tiers, preferred first (* the one attached)`);
    const tw = Math.max(...spec.hookList.map((t) => t.name.length)) + 2;
    for (const t of spec.hookList) lines.push(`  ${t.name === panel?.tier ? '* ' : '  '}${t.name.padEnd(tw)}${t.hooks}`);
    lines.push('', `${spec.title}: blind spots`, `  ${spec.blindSpots}`);
  }
  return lines;
}

/** The help, scrolled by `scroll` lines (the selection keys scroll it), so nothing is cut at 80×24. */
export function Help({
  spec,
  panel,
  width,
  height,
  scroll = 0,
  lines,
}: {
  spec: AnyPanelSpec | undefined;
  panel: PanelFrame | undefined;
  width: number;
  height: number;
  scroll?: number;
  /** a page of the host's instead (a replay's D: what changed) */
  lines?: readonly string[];
}) {
  const all = (lines ?? helpLines(spec, panel)).flatMap((l) => wrap(l, width, '             '));
  const top = Math.max(0, Math.min(scroll, all.length - height));
  const more = all.length > top + height;
  const shown = all.slice(top, top + height - (more ? 1 : 0));
  return (
    <Box flexDirection="column">
      {shown.map((l, i) => (
        <Line key={i} text={l} width={width} />
      ))}
      {more ? <Line dimColor text={`… ${all.length - top - shown.length} more lines: ↓ PgDn End scroll, Esc closes`} width={width} /> : null}
    </Box>
  );
}
