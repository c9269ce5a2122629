/**
 * `sixty diff A B`: what changed between two moments, as text or JSON. A and B are snapshots (`e`), recordings (their
 * last frame) or directories of recordings (the newest), each optionally `@WHEN` (a moment, as --at takes it).
 */
import { existsSync } from 'node:fs';
import { parseWhen } from '../args.js';
import { UserError } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { diffFrames, diffText } from '../models/diff.js';
import { FormatError } from '../persist/frames.js';
import { homePanel } from '../panels/home.js';
import { panelById, PANELS } from '../panels/registry.js';
import type { Lifecycle } from '../lifecycle.js';
import { openReplay } from './replay.js';

export const DIFF_USAGE = `usage: sixty diff A B [--format text|json] [--top N] [--panels LIST]
What changed from A to B, ranked: the checklist's steps (worse verdicts first), then each panel's rows that moved most
(new and gone rows included). A and B: a snapshot (e), a recording (its last frame) or a directory of recordings (its
newest frame), each optionally PATH@WHEN for a moment in it ("PATH@10m ago", PATH@03:12, PATH@2026-12-07T03:12Z).`;

interface DiffOptions {
  paths: [string, string];
  format: 'text' | 'json';
  top: number;
  panels: string[] | null;
}

export function parseDiffArgs(argv: readonly string[]): DiffOptions | 'help' {
  const paths: string[] = [];
  let format: 'text' | 'json' = 'text';
  let top = 10;
  let panels: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UserError(`diff: option ${quoteInput(name)} needs a value (sixty diff --help)`);
      return v;
    };
    if (name === '--help' || name === '-h') return 'help';
    else if (name === '--format' || name === '-f') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UserError(`diff: invalid format '${quoteInput(v)}': text or json`);
      format = v;
    } else if (name === '--top') {
      const v = value();
      top = Number(v);
      if (!/^\d+$/.test(v) || top < 1 || top > 1000) throw new UserError(`diff: invalid --top '${quoteInput(v)}': a number from 1 to 1000`);
    } else if (name === '--panels' || name === '-p') {
      const ids = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = ids.find((id) => !panelById(id));
      if (unknown !== undefined || ids.length === 0)
        throw new UserError(`diff: unknown panel '${quoteInput(unknown ?? '')}': choose from ${PANELS.map((p) => p.id).join(', ')}`);
      panels = ids;
    } else if (a.startsWith('-') && a !== '-' && !existsSync(a)) throw new UserError(`diff: unknown option '${quoteInput(a)}' (sixty diff --help)`);
    else paths.push(a);
  }
  if (paths.length !== 2) throw new UserError(`diff: give two snapshots or recordings, A and B (${paths.length} given; sixty diff --help)`);
  return { paths: [paths[0]!, paths[1]!], format, top, panels };
}

/** PATH or PATH@WHEN: the path as it exists (a name with an @ of its own stays whole), and the moment. */
export function splitMoment(arg: string, now: number): { path: string; at: number | null } {
  const i = arg.lastIndexOf('@');
  if (i <= 0 || existsSync(arg)) return { path: arg, at: null };
  return { path: arg.slice(0, i), at: parseWhen(arg.slice(i + 1), now) };
}

/** The frame a diff argument names: the moment's, or a recording's last, or a snapshot's only one. */
function frameOf(arg: string, now: number): { frame: Frame; file: string } {
  const { path, at } = splitMoment(arg, now);
  let r: ReturnType<typeof openReplay>;
  try {
    r = openReplay(path, at);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message.replace(/^cannot replay /, 'diff: cannot read '), e.exitCode);
    throw e;
  }
  try {
    const i = at === null ? r.source.frames - 1 : r.start;
    try {
      return { frame: r.source.frame(i), file: r.file };
    } catch (e) {
      if (e instanceof FormatError) throw new UserError(`cannot read ${quoteInput(r.file)}: ${e.message}`);
      throw e;
    }
  } finally {
    r.close();
  }
}

export function runDiff(life: Lifecycle, argv: readonly string[]): number {
  const opts = parseDiffArgs(argv);
  if (opts === 'help') {
    life.emit(`${DIFF_USAGE}\n`);
    return 0;
  }
  const now = Date.now();
  const [a, b] = opts.paths.map((p) => frameOf(p, now)) as [{ frame: Frame; file: string }, { frame: Frame; file: string }];
  const only = (f: Frame): Frame => (opts.panels ? { ...f, panels: f.panels.filter((p) => opts.panels!.includes(p.id)) } : f);
  const d = diffFrames(only(a.frame), only(b.frame), panelById, { top: opts.top, home: homePanel.id });
  if (opts.format === 'json') {
    const side = (x: { frame: Frame; file: string }): Record<string, string> => ({ file: x.file, time: x.frame.time });
    life.emit(`${JSON.stringify({ a: side(a), b: side(b), ...d })}\n`);
  } else life.emit(diffText(d, { file: a.file, time: a.frame.time }, { file: b.file, time: b.frame.time }));
  return 0;
}
