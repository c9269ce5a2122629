/** What the modes share: the host as files name it, sixty's version, batch output (text, JSON, CSV), recordings. */
import { hostname, release } from 'node:os';
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { onlineCpus } from '../kernel/cpus.js';
import { inInitialPidNamespace } from '../kernel/privileges.js';
import { oneLine, UserError } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { frameToJson } from '../json.js';
import { csvHeader, csvRows } from '../persist/csv.js';
import { FormatError, RECORD_ROWS, SCHEMA_VERSION } from '../persist/frames.js';
import { dirFailure, OutputError, WholeWriter } from '../persist/output.js';
import { ArchiveRecorder } from '../persist/archive.js';
import { RECORDING_FORMAT, RecordingRefused, RecordingWriter, type Recorder, type RecordingMeta } from '../persist/recording.js';
import { snapshotStem, type HostMeta } from '../persist/snapshot.js';
import { CATALOG, PANELS } from '../panels/registry.js';
import type { AnyPanelDef } from '../panels/types.js';
import { ROOT } from '../paths.js';
import type { Options } from '../args.js';
import { renderFrameText } from '../../views/text.js';
import { say, type Lifecycle } from '../lifecycle.js';

export function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Lines for stderr naming the panels that cannot run, and why. */
export function unavailable(frame: Frame): string[] {
  const byReason = new Map<string, string[]>();
  for (const p of frame.panels) {
    if (p.status !== 'off' && p.status !== 'error') continue;
    const why = p.reason ?? p.status;
    byReason.set(why, [...(byReason.get(why) ?? []), p.id]);
  }
  return [...byReason].map(([reason, ids]) => `sixty: ${ids.join(', ')} ${ids.length > 1 ? 'are' : 'is'} unavailable: ${reason}`);
}

/** The exit status of a batch run that printed its frames: 1 when a panel failed, 77 when one lacked privileges. */
export function batchStatus(frame: Frame): number {
  if (frame.panels.some((p) => p.status === 'error')) return 1;
  if (frame.panels.some((p) => p.status === 'off')) return 77;
  return 0;
}

/** For the tests: SIXTY_INJECT_FAULT=panel:ID makes that panel's reader fail, as a map read can on a sick host. */
export function injectPanelFault(def: AnyPanelDef): AnyPanelDef {
  if (process.env.SIXTY_INJECT_FAULT !== `panel:${def.id}`) return def;
  const fail = (): never => {
    throw new Error('injected fault');
  };
  return { ...def, source: { ...def.source, createReader: fail } } as AnyPanelDef;
}

/** For the exit-path tests: an uncaught exception from a timer, once sixty has attached. */
export function injectFault(): void {
  if (process.env.SIXTY_INJECT_FAULT !== 'uncaught') return;
  setTimeout(() => {
    throw new Error('injected fault');
  }, 300);
}

/** The host as snapshots and recordings name it (the live one). */
export function liveHost(): HostMeta {
  return { hostname: quoteInput(hostname(), 64), kernel: quoteInput(release(), 40), cpus: onlineCpus() };
}

/** What batch JSON has printed of each event panel's events (one batch run per process): each event is printed once. */
const jsonEventsAfter = new Map<string, number>();

/** Batch output of one frame in the chosen format (CSV goes to its own streams: see csvOutput). */
export function frameText(opts: Options, frame: Frame, host: string): string {
  const width = process.stdout.columns ?? 160;
  if (opts.format === 'folded') return foldedText(frame);
  return opts.format === 'json'
    ? `${JSON.stringify(frameToJson(frame, CATALOG, jsonEventsAfter))}\n`
    : `${renderFrameText(CATALOG, frame, width, { host, trend: opts.trend })}\n`;
}

/** --format folded prints stack panels' stacks: one of the panels asked for must have them. */
export function checkFolded(ids: readonly string[]): void {
  if (ids.some((id) => CATALOG.spec(id)?.folded)) return;
  const stackPanels = PANELS.filter((p) => p.folded).map((p) => p.id);
  throw new UserError(`--format folded prints stacks: give --panels ${stackPanels.join(' or ')}`);
}

/** --format folded: each stack panel's interval as folded stacks, after a "# time panel seconds" line. */
export function foldedText(frame: Frame): string {
  let out = '';
  for (const p of frame.panels) {
    const fold = CATALOG.spec(p.id)?.folded;
    if (!fold) continue;
    out += `# ${frame.time} ${p.id} ${(frame.elapsedNs / 1e9).toFixed(3)}s${p.status === 'ok' ? '' : ` ${p.status}: ${p.reason ?? ''}`}\n`;
    for (const line of fold(p.rows)) out += `${line}\n`;
  }
  return out;
}

/**
 * A new directory for CSV files, `sixty-csv-<host>-<time>` here (or `-2` and so on when taken), made exclusively with
 * mode 0700: what several panels' CSV goes to when --csv-dir names none.
 */
export function newCsvDir(host: string): string {
  const stem = snapshotStem(host, new Date()).replace(/^sixty-/, 'sixty-csv-');
  for (let n = 1; n < 100; n++) {
    const dir = n === 1 ? stem : `${stem}-${n}`;
    try {
      mkdirSync(dir, { mode: 0o700 });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot make a directory for the CSV files: ${dirFailure(e, '.')}`, 74);
    }
  }
  throw new UserError(`cannot make a directory for the CSV files: 99 of that name already (give --csv-dir DIR)`, 74);
}

/**
 * CSV: one stream per panel, each with its header. One panel goes to stdout; several need --csv-dir, where each gets
 * <panel>.csv (a new file: an existing one is not overwritten).
 */
export function csvOutput(life: Lifecycle, opts: Options, panelIds: readonly string[], host = hostname()): (frame: Frame) => void {
  if (panelIds.length === 1 && opts.csvDir === null) {
    const spec = CATALOG.spec(panelIds[0]!)!;
    life.emit(csvHeader(spec));
    return (frame) => {
      const p = frame.panels.find((x) => x.id === spec.id);
      if (p) life.emit(csvRows(spec, p, frame.time, frame.elapsedNs));
    };
  }
  // CSV is one stream per panel: several panels without --csv-dir go to a new directory of their own, said on stderr.
  const dir = opts.csvDir ?? newCsvDir(host);
  if (opts.csvDir === null)
    say(`sixty: CSV of ${panelIds.length} panels, one file each, in ${quoteInput(dir, 100)}/ (--csv-dir DIR chooses; --panels one panel: to stdout)`);
  const files = new Map<string, { fd: number; out: WholeWriter }>();
  for (const id of panelIds) {
    const path = join(dir, `${id}.csv`);
    try {
      const fd = openSync(path, 'wx', 0o600);
      const out = new WholeWriter(fd, quoteInput(path));
      files.set(id, { fd, out });
      out.write(csvHeader(CATALOG.spec(id)!));
    } catch (e) {
      if (e instanceof OutputError) throw e;
      throw new UserError(`cannot write ${quoteInput(path)}: ${oneLine(e)}`, (e as NodeJS.ErrnoException).code === 'EEXIST' ? 2 : 74);
    }
  }
  process.on('exit', () => {
    for (const f of files.values()) closeSync(f.fd);
  });
  return (frame) => {
    // Each file gets the interval's lines whole, or ends with the interval before (a full disk cuts no line).
    for (const p of frame.panels) files.get(p.id)?.out.write(csvRows(CATALOG.spec(p.id)!, p, frame.time, frame.elapsedNs));
  };
}

export /** A recording's header: the interval is the one in force when it starts (each frame states its own after that). */
function recordingMeta(host: HostMeta, intervalS: number): RecordingMeta {
  return {
    format: RECORDING_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    sixty: version(),
    host,
    intervalS,
    startedAt: new Date().toISOString(),
    rowsPerPanel: RECORD_ROWS,
  };
}

/** Whether --record names a directory (one that exists, or a name ending in /): a file an hour in it (persist/archive.ts). */
export function recordsToDir(path: string): boolean {
  if (path.endsWith('/')) return true;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Gives the recorder each tick's frame once. The console's engine publishes a tick's frame again, with the same time,
 * when a panel attaches or leaves the screen between ticks; recorded, one moment was two or three frames (`]` stepped
 * through copies, `--at` found the first). The changed panel is in the next tick's frame.
 */
export function recordEachTick(
  store: { subscribe(fn: () => void): unknown; getSnapshot(): Frame },
  recorder: () => Recorder | undefined,
  added: (r: Recorder) => void,
): void {
  let last: string | null = null;
  store.subscribe(() => {
    const frame = store.getSnapshot();
    const r = recorder();
    if (!r || frame.elapsedNs === 0 || frame.time === last) return;
    last = frame.time;
    r.add(frame);
    added(r);
  });
}

/** Opens --record FILE or DIR, or says in one line why not. `intervalS`: the interval when each file starts. */
export function openRecorder(path: string, opts: Options, intervalS: () => number): Recorder {
  // The always-on sixty leaves its own rows and events out: on a quiet host its /proc reads were most of the opens
  // recorded (94 of opensnoop's 100 rows), and its cost is in every frame's own figure. Not in a container's PID
  // namespace: there its pid is not the one BPF's rows carry, and could be another host process's.
  const omit = opts.serve && inInitialPidNamespace(readlinkSync) ? { omitPid: process.pid } : {};
  try {
    if (recordsToDir(path)) {
      const host = liveHost();
      return new ArchiveRecorder(path, () => recordingMeta(host, intervalS()), {
        catalog: CATALOG,
        retain: { maxAgeMs: opts.retainAgeMs, maxBytes: opts.retainBytes },
        maxBytes: opts.recordMax,
        onWarning: (line) => say(`sixty: --record ${quoteInput(path)}: ${line}`),
        ...omit,
      });
    }
    if (opts.retainAgeMs !== null || opts.retainBytes !== null)
      throw new UserError(`--retain keeps a directory of recordings: ${quoteInput(path)} is a file (give a directory, or end the name with /)`);
    return new RecordingWriter(path, recordingMeta(liveHost(), intervalS()), { catalog: CATALOG, maxBytes: opts.recordMax, ...omit });
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof FormatError) throw new UserError(`cannot record to ${quoteInput(path)}: it exists and is not a recording to extend (${e.message})`);
    if (e instanceof RecordingRefused) throw new UserError(`cannot record to ${quoteInput(path)}: ${e.message}`);
    throw new UserError(`cannot record to ${quoteInput(path)}: ${oneLine(e)}`, 74);
  }
}
