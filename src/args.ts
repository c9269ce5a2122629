/** Command-line arguments: parsed by a pure function; anything wrong is one UserError line. */
import { UserError } from './errors.js';
import { quoteInput } from './format.js';

export interface Options {
  intervalS: number;
  /** frames to print in batch mode; null = until interrupted */
  count: number | null;
  batch: boolean;
  format: 'json' | 'text' | 'csv' | 'folded';
  /** batch CSV with several panels: one file per panel in this directory */
  csvDir: string | null;
  /** a snapshot or recording to open instead of the live host */
  replay: string | null;
  /** append one frame per interval to this file */
  record: string | null;
  /** bytes at which the recording rotates (FILE becomes FILE.1; in a directory, a new file starts) */
  recordMax: number | null;
  /** --record DIR: files whose last frame is older than this are removed (ms) */
  retainAgeMs: number | null;
  /** --record DIR: the oldest files are removed while the directory's recordings pass this (bytes) */
  retainBytes: number | null;
  /** --replay: the moment to open at (ms since the epoch) */
  at: number | null;
  /** where `e` writes snapshots (and `R` recordings) */
  exportDir: string;
  /** --export-dir was given (and is checked at start); otherwise the current directory */
  exportDirGiven: boolean;
  /** panel ids, in the order given; null = all */
  panels: string[] | null;
  /** panel id → the one hook tier to use instead of the ladder */
  tiers: Record<string, string>;
  /** only this cgroup's subtree, in every panel that has cgroups (a path below the hierarchy's root, or under its mount) */
  cgroup: string | null;
  /** --ring-size: every event panel's BPF ring buffer this many bytes (a power of two); null: each its own, --serve 1 MiB */
  ringBytes: number | null;
  /** batch text: the sparkline column (--no-trend leaves it out of logs) */
  trend: boolean;
  /** serve /metrics (Prometheus, OpenMetrics) on this address */
  metricsListen: ListenAddress | null;
  /** no console and no batch output: only the /metrics endpoint, until stopped */
  serve: boolean;
  /** per-process metrics (tcptop, filetop, cachetop): this many processes by name, the rest summed as "other" */
  metricsTop: number;
  help: boolean;
  version: boolean;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** The address that --serve listens on when none is given: loopback only. */
export const DEFAULT_METRICS: ListenAddress = { host: '127.0.0.1', port: 9660 };

/**
 * "PORT", "HOST:PORT" or "[V6]:PORT". A bare port binds 127.0.0.1: listening beyond the host takes an explicit address.
 * Host names are not resolved here (a name that does not resolve fails at bind time, with its own one line).
 */
export function parseListen(v: string): ListenAddress {
  const bad = (why: string): never => {
    throw new UserError(`invalid --metrics-listen '${quoteInput(v)}': ${why} (give PORT, ADDRESS:PORT or [IPv6]:PORT)`);
  };
  let host = DEFAULT_METRICS.host;
  let portText = v;
  const v6 = /^\[([0-9A-Za-z:.%]+)\]:(.*)$/.exec(v);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (v.includes(':')) {
    const at = v.lastIndexOf(':');
    host = v.slice(0, at);
    portText = v.slice(at + 1);
    if (host.includes(':')) bad('an IPv6 address goes in brackets');
    if (host === '') bad('no address before the colon');
    if (host.length > 253 || !/^[A-Za-z0-9.-]+$/.test(host)) bad('not an address');
  }
  if (!/^\d{1,5}$/.test(portText)) bad('the port is not a number');
  const port = Number(portText);
  if (port < 1 || port > 65535) bad('the port is not between 1 and 65535');
  return { host, port };
}

/** What an option's `set` may use: the panels and their tiers, and what the parse has seen so far. */
interface ParseState {
  now: number;
  catalog: PanelCatalog;
  knownPanels: readonly string[];
  formatGiven: boolean;
}

/**
 * One command-line option: its spellings, its value's name (none: a switch), its help (which names the panels), and
 * what it sets. --help, the README's usage (scripts/docs.mjs) and the parser are all made from this one table.
 */
interface OptionSpec {
  short?: string;
  long: string;
  value?: string;
  help: (panelIds: readonly string[]) => string;
  set: (o: Options, v: string, st: ParseState) => void;
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    short: '-i',
    long: '--interval',
    value: 'SECONDS',
    help: () => 'refresh interval (default 1; 0.1 to 3600)',
    set: (o, v) => {
      const n = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v) || !(n >= 0.1 && n <= 3600)) throw new UserError(`invalid interval '${quoteInput(v)}': give seconds between 0.1 and 3600`);
      o.intervalS = n;
    },
  },
  { short: '-b', long: '--batch', help: () => 'print one frame per interval instead of the interactive console', set: (o) => (o.batch = true) },
  {
    short: '-c',
    long: '--count',
    value: 'N',
    help: () => 'stop after N frames (implies --batch)',
    set: (o, v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`invalid count '${quoteInput(v)}': give a whole number of frames, 1 or more`);
      o.count = Number(v);
    },
  },
  {
    short: '-f',
    long: '--format',
    value: 'json|text|csv|folded',
    help: () =>
      'batch output: one JSON object per line, plain text (default), CSV (one stream per panel), or folded stacks (profile and offcputime: flamegraph.pl, speedscope and inferno read them; each interval after a "# time panel" line); implies --batch',
    set: (o, v, st) => {
      if (v !== 'json' && v !== 'text' && v !== 'csv' && v !== 'folded') throw new UserError(`invalid format '${quoteInput(v)}': json, text, csv or folded`);
      o.format = v;
      st.formatGiven = true;
    },
  },
  {
    long: '--csv-dir',
    value: 'DIR',
    help: () => 'CSV of several panels: DIR/<panel>.csv each (one panel: stdout)',
    set: (o, v) => (o.csvDir = pathValue(v, '--csv-dir')),
  },
  {
    short: '-r',
    long: '--record',
    value: 'FILE|DIR',
    help: () =>
      'append one frame per interval to FILE (a new file, or a sixty recording to extend); into DIR (a directory, or a name ending in /), a new file each hour named by its start time',
    set: (o, v) => (o.record = pathValue(v, '--record')),
  },
  {
    long: '--record-max',
    value: 'SIZE',
    help: () => 'when FILE reaches SIZE (e.g. 100M, 2G), it becomes FILE.1 and a new FILE starts',
    set: (o, v) => (o.recordMax = parseSize(v)),
  },
  {
    long: '--retain',
    value: 'AGE',
    help: () => 'with --record DIR: remove recordings whose last frame is older than AGE (e.g. 7d, 12h), oldest first',
    set: (o, v) => (o.retainAgeMs = parseDuration(v, '--retain')),
  },
  {
    long: '--retain-size',
    value: 'SIZE',
    help: () => 'with --record DIR: remove the oldest recordings while the directory holds more than SIZE (e.g. 2G)',
    set: (o, v) => (o.retainBytes = parseSize(v)),
  },
  {
    long: '--replay',
    value: 'FILE|DIR',
    help: () =>
      'open a snapshot (e) or a recording (--record, R) read-only, or the recording of DIR that --at falls in (the newest without it); with --batch, convert it',
    set: (o, v) => (o.replay = pathValue(v, '--replay')),
  },
  {
    long: '--at',
    value: 'WHEN',
    help: () => 'with --replay: open at this moment: "10m ago", a clock time (03:12, the last one past) or a date and time (2026-12-07 03:12)',
    set: (o, v, st) => (o.at = parseWhen(v, st.now)),
  },
  {
    long: '--export-dir',
    value: 'DIR',
    help: () => 'where e writes snapshots and R recordings (default: the current directory)',
    set: (o, v) => {
      o.exportDir = pathValue(v, '--export-dir');
      o.exportDirGiven = true;
    },
  },
  {
    short: '-p',
    long: '--panels',
    value: 'LIST',
    help: (ids) => `comma-separated panels to run (default: all): ${ids.join(',')}`,
    set: (o, v, st) => {
      const ids = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = ids.filter((id) => !st.knownPanels.includes(id));
      if (ids.length === 0 || unknown.length > 0)
        throw new UserError(`unknown panel '${quoteInput(unknown[0] ?? v)}': choose from ${st.knownPanels.join(', ')}`);
      o.panels = [...new Set(ids)];
    },
  },
  {
    long: '--cgroup',
    value: 'PATH',
    help: () =>
      "only this cgroup and those below it, in every panel whose rows have a cgroup: BPF panels count nothing else in the kernel, /proc panels read nothing else (PATH as /proc/PID/cgroup writes it, e.g. /system.slice/nginx.service, or the cgroup's directory)",
    set: (o, v) => {
      if (v === '' || v.includes('\0')) throw new UserError(`invalid --cgroup '${quoteInput(v)}': give a cgroup path such as /system.slice/nginx.service`);
      o.cgroup = v;
    },
  },
  {
    long: '--ring-size',
    value: 'SIZE',
    help: () =>
      "each event panel's BPF ring buffer (opensnoop, execsnoop, biosnoop, fsslower, tcplife, tcpretrans): a power of two, e.g. 512K, 4M. A burst that fills it is counted as ring full drops. Default: each panel's own (1 to 8M); with --serve, 1M",
    set: (o, v) => {
      const n = parseSize(v);
      if ((n & (n - 1)) !== 0 || n > 1024 ** 3) throw new UserError(`invalid --ring-size '${quoteInput(v)}': give a power of two from 64K to 1G, e.g. 1M`);
      o.ringBytes = n;
    },
  },
  {
    short: '-t',
    long: '--tier',
    value: 'PANEL=TIER',
    help: () => 'use only this hook tier for a panel, no fallback (its tiers: docs/columns.md, or ? on its screen); repeatable',
    set: (o, v, st) => {
      const m = /^([^=]+)=(.+)$/.exec(v);
      const tiers = m ? st.catalog.get(m[1]!) : undefined;
      if (!m || !tiers) throw new UserError(`invalid tier '${quoteInput(v)}': give PANEL=TIER with a panel from ${st.knownPanels.join(', ')}`);
      if (!tiers.includes(m[2]!)) throw new UserError(`unknown tier '${quoteInput(m[2]!)}' for ${quoteInput(m[1]!)}: choose from ${tiers.join(', ')}`);
      o.tiers[m[1]!] = m[2]!;
    },
  },
  { long: '--no-trend', help: () => 'batch text without the sparkline column (for logs)', set: (o) => (o.trend = false) },
  {
    long: '--metrics-listen',
    value: 'ADDR',
    help: () =>
      'serve /metrics (Prometheus text, or OpenMetrics when asked) on PORT, ADDRESS:PORT or [IPv6]:PORT; a bare port binds 127.0.0.1. Works with the console and with --batch',
    set: (o, v) => (o.metricsListen = parseListen(v)),
  },
  {
    long: '--serve',
    help: () =>
      `no console, no batch output: serve /metrics until stopped (on ${DEFAULT_METRICS.host}:${DEFAULT_METRICS.port} unless --metrics-listen says otherwise)`,
    set: (o) => (o.serve = true),
  },
  {
    long: '--metrics-top',
    value: 'N',
    help: () => 'per-process metrics: the N busiest process names (default 20), the rest as "other"',
    set: (o, v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000)
        throw new UserError(`invalid --metrics-top '${quoteInput(v)}': give a whole number from 1 to 1000`);
      o.metricsTop = Number(v);
    },
  },
  { short: '-h', long: '--help', help: () => 'this help', set: (o) => (o.help = true) },
  { short: '-V', long: '--version', help: () => 'the version', set: (o) => (o.version = true) },
];

/** `text` in lines of at most `width` columns, split at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

const FLAGS = 25;
const WIDTH = 118;

/** The options as --help lists them (and the README's usage): from OPTIONS. */
export function optionLines(panelIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const opt of OPTIONS) {
    const flags = `  ${opt.short ? `${opt.short}, ` : '    '}${opt.long}${opt.value ? ` ${opt.value}` : ''}`;
    const help = wrap(opt.help(panelIds), WIDTH - FLAGS - 2);
    const pad = ' '.repeat(FLAGS + 2);
    if (flags.length <= FLAGS) out.push(`${flags.padEnd(FLAGS + 2)}${help[0]}`, ...help.slice(1).map((l) => pad + l));
    else out.push(flags, ...help.map((l) => pad + l));
  }
  return out;
}

/** The usage text, naming the panels the catalog has. */
export function usage(panelIds: readonly string[]): string {
  return [
    `usage: sixty [options]`,
    `       sixty diff A B [--format text|json]   what changed between two snapshots or moments (sixty diff --help)`,
    `A top-style performance console: live panels (${panelIds.join(', ')}).`,
    '',
    'options:',
    ...optionLines(panelIds),
    '',
    'Without a terminal on stdout, sixty prints batch text.',
  ].join('\n');
}

function takeValue(argv: readonly string[], i: number, name: string): string {
  const v = argv[i + 1];
  if (v === undefined || (v.startsWith('-') && !/^-?\d/.test(v))) throw new UserError(`option ${quoteInput(name)} needs a value (see sixty --help)`);
  return v;
}

/** A file or directory argument: any path, but not empty. */
function pathValue(v: string, name: string): string {
  if (v === '') throw new UserError(`option ${quoteInput(name)} needs a path`);
  return v;
}

/** "100M", "2G", "500K", "1048576": bytes (binary units), at least 64 KB. */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(v);
  const n = m ? Number(m[1]) * 1024 ** ['', 'K', 'M', 'G'].indexOf(m[2]!.toUpperCase()) : NaN;
  if (!m || !Number.isFinite(n) || n < 65536) throw new UserError(`invalid size '${quoteInput(v)}': give bytes or K, M, G (at least 64K)`);
  return Math.floor(n);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 };

/** "7d", "12h", "90m", "1w", "30s": milliseconds, at least a minute. */
export function parseDuration(v: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(v.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!m || !Number.isFinite(ms) || ms < 60_000)
    throw new UserError(`invalid ${option} '${quoteInput(v)}': give a number and s, m, h, d or w (at least 1m), e.g. 7d`);
  return ms;
}

/**
 * A moment, as --at takes it, in ms since the epoch: "10m ago" (s, m, h, d, w), "now", a clock time "03:12[:05]" (today's,
 * or yesterday's when today's is still to come), or a date "2026-12-07", with a time "2026-12-07 03:12[:05]" or
 * "2026-12-07T03:12:05[Z|+01:00]". Local time unless the text names a zone.
 */
export function parseWhen(v: string, now: number): number {
  const t = v.trim();
  const bad = (): never => {
    throw new UserError(`invalid --at '${quoteInput(v)}': give "10m ago", a clock time (03:12) or a date and time (2026-12-07 03:12)`);
  };
  if (t === 'now') return now;
  const ago = /^(\d+(?:\.\d+)?)\s*([smhdw])\s+ago$/.exec(t);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]!]!;
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (clock) {
    const [h, mi, sec] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || mi > 59 || sec > 59) bad();
    const d = new Date(now);
    d.setHours(h, mi, sec, 0);
    if (d.getTime() > now) d.setDate(d.getDate() - 1);
    return d.getTime();
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (!date) return bad();
  const [y, mo, d, h, mi, sec] = date.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) bad();
  const zone = date[7];
  if (zone === undefined) {
    const local = new Date(y, mo - 1, d, h, mi, sec).getTime();
    return new Date(local).getDate() === d ? local : bad();
  }
  const off = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  return Date.UTC(y, mo - 1, d, h, mi, sec) - off * 60_000;
}

/** Panel ids and, for each, the names of its hook tiers. */
export type PanelCatalog = ReadonlyMap<string, readonly string[]>;

export function parseArgs(argv: readonly string[], catalog: PanelCatalog, now = Date.now()): Options {
  const knownPanels = [...catalog.keys()];
  const o: Options = {
    intervalS: 1,
    count: null,
    batch: false,
    format: 'text',
    csvDir: null,
    replay: null,
    record: null,
    recordMax: null,
    retainAgeMs: null,
    retainBytes: null,
    at: null,
    exportDir: '.',
    exportDirGiven: false,
    panels: null,
    tiers: {},
    cgroup: null,
    ringBytes: null,
    trend: true,
    metricsListen: null,
    serve: false,
    metricsTop: 20,
    help: false,
    version: false,
  };
  const args: string[] = [];
  for (const a of argv) {
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) args.push(a.slice(0, eq), a.slice(eq + 1));
    else args.push(a);
  }
  // The option table, not node:util's parseArgs: its errors are Node's (several lines, its words, not one line that
  // names the value and what would do), it cannot tell `-i -1` (a value) from an option, and each value here is
  // checked as it is read. See docs/decisions.md.
  const st: ParseState = { now, catalog, knownPanels, formatGiven: false };
  const bySpelling = new Map<string, OptionSpec>();
  for (const opt of OPTIONS) {
    bySpelling.set(opt.long, opt);
    if (opt.short) bySpelling.set(opt.short, opt);
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const opt = bySpelling.get(a);
    if (!opt) throw new UserError(`unknown ${a.startsWith('-') ? 'option' : 'argument'} '${quoteInput(a)}' (see sixty --help)`);
    opt.set(o, opt.value ? takeValue(args, i++, a) : '', st);
  }
  // --count and --format only make sense for batch output, so they ask for it.
  if (o.count !== null || st.formatGiven) o.batch = true;
  if (o.replay !== null) {
    const live =
      o.record !== null
        ? '--record'
        : Object.keys(o.tiers).length > 0
          ? '--tier'
          : o.cgroup !== null
            ? '--cgroup'
            : o.ringBytes !== null
              ? '--ring-size'
              : null;
    if (live) throw new UserError(`--replay shows what was recorded: ${live} does not go with it`);
  }
  if (o.recordMax !== null && o.record === null) throw new UserError('--record-max bounds a recording: give --record FILE too');
  if ((o.retainAgeMs !== null || o.retainBytes !== null) && o.record === null)
    throw new UserError(`${o.retainAgeMs !== null ? '--retain' : '--retain-size'} keeps a directory of recordings: give --record DIR too`);
  if (o.at !== null && o.replay === null) throw new UserError('--at opens a recording at a moment: give --replay FILE or DIR too');
  if (o.csvDir !== null && o.format !== 'csv') throw new UserError('--csv-dir is for --format csv');
  if (o.serve) {
    if (o.batch) throw new UserError('--serve prints nothing: --batch, --count and --format do not go with it');
    if (o.replay !== null) throw new UserError('--serve serves the live host: --replay does not go with it');
    o.metricsListen ??= DEFAULT_METRICS;
  }
  if (o.metricsListen !== null && o.replay !== null) throw new UserError('--metrics-listen serves the live host: --replay does not go with it');
  return o;
}

/** The interval ladder of `+` and `-`, in seconds. */
const INTERVALS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];

/** One step up or down the ladder from `s` (an interval off the ladder goes to the nearest step that way). */
export function nextInterval(s: number, step: 1 | -1): number {
  if (step > 0) return INTERVALS.find((x) => x > s) ?? s;
  return [...INTERVALS].reverse().find((x) => x < s) ?? s;
}
