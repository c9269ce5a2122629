/**
 * The reference pages made from the code, so that they cannot drift from it: docs/columns.md (every panel's columns,
 * their units and meaning, its hook tiers in ladder order, what it cannot see, what it counts as lost) from the panel
 * definitions, and the README's usage block from the option table. `npm run docs` writes them (scripts/docs.mjs);
 * test/unit/reference.test.ts fails when a file differs from what this makes.
 */
import { optionLines } from './args.js';
import type { AnyPanelDef } from './panels/types.js';

/** A table cell: one line, pipes escaped. */
const cell = (s: string): string => s.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

const UNIT: Record<string, string> = { bytes: 'bytes', count: 'count', latency: 'time' };

export function columnsMarkdown(panels: readonly AnyPanelDef[]): string {
  const out: string[] = [
    '# Columns: what each panel shows',
    '',
    '<!-- Made by `npm run docs` from the panel definitions (src/panels/*.ts); test/unit/reference.test.ts fails when it is stale. Do not edit. -->',
    '',
    'Every column of every panel, as its help screen (`?`) lists it, with the hooks each panel can use, preferred first (the',
    'first that attaches on the running kernel is used; `--tier PANEL=TIER` forces one). How the hooks were chosen, their',
    'pitfalls and their ground truth: [panels.md](panels.md).',
    '',
  ];
  for (const def of panels) {
    out.push(`## ${def.id}: ${def.title}`, '');
    const src = def.source;
    if (src.kind === 'bpf') {
      out.push(
        `Source: BPF (\`bpf/${src.stem}.bpf.c\`), attached ${def.attach === 'on-screen' ? 'while the panel is on screen (or from start when `--panels` names it)' : 'from start'}.`,
        '',
      );
      out.push('| tier | hooks |', '|---|---|');
      for (const t of def.hookList) out.push(`| ${cell(t.name)} | ${cell(t.hooks)} |`);
      out.push('');
    } else {
      out.push(`Source: ${def.hookList.map((t) => cell(t.hooks)).join('; ') || '/proc'}.`, '');
    }
    out.push('| column | unit | meaning |', '|---|---|---|');
    for (const c of def.columns) {
      const unit = [UNIT[c.unit ?? ''] ?? '', c.perInterval ? 'per second (JSON and CSV: the amount in the interval)' : ''].filter(Boolean).join(' ');
      out.push(`| ${cell(c.title || c.key)} (\`${c.key}\`) | ${cell(unit)} | ${cell(c.help)} |`);
    }
    out.push('', `Sorted by ${def.columns.find((c) => c.key === def.defaultSort.key)?.title ?? def.defaultSort.key} by default.`);
    if (def.groupings?.length) out.push(`Grouped (\`t\`) by ${def.groupings.map((g) => g.name).join(', ')}.`);
    if (def.drops?.length) out.push(`Counted when lost (in its summary and stats): ${def.drops.map((d) => `\`${d.key}\``).join(', ')}.`);
    out.push('', `What it cannot see: ${cell(def.blindSpots)}`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export const USAGE_BEGIN = '<!-- usage:begin -->';
export const USAGE_END = '<!-- usage:end -->';

/** The README with its usage block (between the markers) made from the option table. */
export function readmeWithUsage(readme: string, panelIds: readonly string[]): string {
  const a = readme.indexOf(USAGE_BEGIN);
  const b = readme.indexOf(USAGE_END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${USAGE_BEGIN} … ${USAGE_END} block`);
  const block = ['```', 'sixty [options]', '', ...optionLines(panelIds), '```'].join('\n');
  return `${readme.slice(0, a + USAGE_BEGIN.length)}\n${block}\n${readme.slice(b)}`;
}
