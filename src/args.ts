/** Command-line arguments: parsed by a pure function; anything wrong is one UserError line. */
import { UserError } from './errors.js';
import { quoteInput } from './format.js';

export interface Options {
  intervalS: number;
  /** frames to print in batch mode; null = until interrupted */
  count: number | null;
  batch: boolean;
  format: 'json' | 'text';
  /** panel ids, in the order given; null = all */
  panels: string[] | null;
  /** panel id → the one hook tier to use instead of the ladder */
  tiers: Record<string, string>;
  /** batch text: the sparkline column (--no-trend leaves it out of logs) */
  trend: boolean;
  help: boolean;
  version: boolean;
}

/** The usage text, naming the panels the catalog has. */
export function usage(panelIds: readonly string[]): string {
  return `usage: sixty [options]

A top-style performance console: live panels (${panelIds.join(', ')}).

options:
  -i, --interval SECONDS   refresh interval (default 1; 0.1 to 3600)
  -b, --batch              print one frame per interval instead of the interactive console
  -c, --count N            stop after N frames (implies --batch)
  -f, --format json|text   batch output: one JSON object per line, or plain text (default text; implies --batch)
  -p, --panels LIST        comma-separated panels to run (default: all): ${panelIds.join(',')}
  -t, --tier PANEL=TIER    use only this hook tier for a panel, no fallback (e.g. tcptop=raw_tp); repeatable
      --no-trend           batch text without the sparkline column (for logs)
  -h, --help               this help
  -V, --version            the version

Without a terminal on stdout, sixty prints batch text.`;
}

function takeValue(argv: string[], i: number, name: string): string {
  const v = argv[i + 1];
  if (v === undefined || (v.startsWith('-') && !/^-?\d/.test(v))) throw new UserError(`option ${quoteInput(name)} needs a value (see sixty --help)`);
  return v;
}

/** Panel ids and, for each, the names of its hook tiers. */
export type PanelCatalog = ReadonlyMap<string, readonly string[]>;

export function parseArgs(argv: readonly string[], catalog: PanelCatalog): Options {
  const knownPanels = [...catalog.keys()];
  const o: Options = { intervalS: 1, count: null, batch: false, format: 'text', panels: null, tiers: {}, trend: true, help: false, version: false };
  const args: string[] = [];
  for (const a of argv) {
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) args.push(a.slice(0, eq), a.slice(eq + 1));
    else args.push(a);
  }
  let formatGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    switch (a) {
      case '-i':
      case '--interval': {
        const v = takeValue(args, i++, a);
        const n = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(n >= 0.1 && n <= 3600)) throw new UserError(`invalid interval '${quoteInput(v)}': give seconds between 0.1 and 3600`);
        o.intervalS = n;
        break;
      }
      case '-c':
      case '--count': {
        const v = takeValue(args, i++, a);
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`invalid count '${quoteInput(v)}': give a whole number of frames, 1 or more`);
        o.count = Number(v);
        break;
      }
      case '-b':
      case '--batch':
        o.batch = true;
        break;
      case '-f':
      case '--format': {
        const v = takeValue(args, i++, a);
        if (v !== 'json' && v !== 'text') throw new UserError(`invalid format '${quoteInput(v)}': json or text`);
        o.format = v;
        formatGiven = true;
        break;
      }
      case '-p':
      case '--panels': {
        const v = takeValue(args, i++, a);
        const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = ids.filter((id) => !knownPanels.includes(id));
        if (ids.length === 0 || unknown.length > 0) {
          throw new UserError(`unknown panel '${quoteInput(unknown[0] ?? v)}': choose from ${knownPanels.join(', ')}`);
        }
        o.panels = [...new Set(ids)];
        break;
      }
      case '-t':
      case '--tier': {
        const v = takeValue(args, i++, a);
        const m = /^([^=]+)=(.+)$/.exec(v);
        const tiers = m ? catalog.get(m[1]!) : undefined;
        if (!m || !tiers) throw new UserError(`invalid tier '${quoteInput(v)}': give PANEL=TIER with a panel from ${knownPanels.join(', ')}`);
        if (!tiers.includes(m[2]!)) throw new UserError(`unknown tier '${quoteInput(m[2]!)}' for ${quoteInput(m[1]!)}: choose from ${tiers.join(', ')}`);
        o.tiers[m[1]!] = m[2]!;
        break;
      }
      case '--no-trend':
        o.trend = false;
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '-V':
      case '--version':
        o.version = true;
        break;
      default:
        throw new UserError(`unknown ${a.startsWith('-') ? 'option' : 'argument'} '${quoteInput(a)}' (see sixty --help)`);
    }
  }
  // --count and --format only make sense for batch output, so they ask for it.
  if (o.count !== null || formatGiven) o.batch = true;
  return o;
}

/** The interval ladder of `+` and `-`, in seconds. */
const INTERVALS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];

/** One step up or down the ladder from `s` (an interval off the ladder goes to the nearest step that way). */
export function nextInterval(s: number, step: 1 | -1): number {
  if (step > 0) return INTERVALS.find((x) => x > s) ?? s;
  return [...INTERVALS].reverse().find((x) => x < s) ?? s;
}
