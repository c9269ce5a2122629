/**
 * The composition root: parses arguments, starts the engine, and wires it to the interactive console (views/)
 * or to batch output. It owns every exit path, so each one detaches sixty's BPF programs and restores the terminal.
 * Ink and React are loaded only for the console, after a first plain frame is on the screen.
 */
import { hostname, release } from 'node:os';
import { isatty } from 'node:tty';
import { accessSync, closeSync, constants as fsConstants, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { BpfStatsSwitch } from './kernel/bpf-stats.js';
import { onlineCpus } from './kernel/cpus.js';
import { FormatError, RECORD_ROWS, SCHEMA_VERSION } from './persist/frames.js';
import { csvHeader, csvRows } from './persist/csv.js';
import { dirFailure, OutputError, unusableDir, WholeWriter } from './persist/output.js';
import { RECORDING_FORMAT, RecordingReader, RecordingRefused, RecordingWriter, type RecordingMeta } from './persist/recording.js';
import { MAX_SNAPSHOT_BYTES, parseSnapshot, readBounded, snapshotDocument, snapshotStem, writeSnapshot, type HostMeta } from './persist/snapshot.js';
import { ReplayPlayer, ReplayStore, snapshotSource, TrendRebuilder, type ReplaySource } from './replay.js';
import type { Command } from '../views/keys.js';
import { nextInterval, parseArgs, usage, type Options } from './args.js';
import { Engine } from './engine.js';
import { oneLine, UserError } from './errors.js';
import { quoteInput } from './format.js';
import type { Frame } from './frame.js';
import { frameToJson } from './json.js';
import { CATALOG, PANELS, panelById, withTier } from './panels/registry.js';
import type { AnyPanelDef } from './panels/types.js';
import { ROOT } from './paths.js';
import { keyHelpLines } from '../views/keys.js';
import { MIN_HEIGHT, MIN_WIDTH } from '../views/size.js';
import { Screen, translate } from '../views/screen.js';
import { renderFrameText } from '../views/text.js';

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l\x1b[?2004h';
const ALT_SCREEN_OFF = '\x1b[?2004l\x1b[?25h\x1b[?1049l';

let engine: Engine | undefined;
let recorder: RecordingWriter | undefined;
let metrics: import('./metrics/server.js').MetricsEndpoint | undefined;
let terminalTaken = false;
let unmountUi: (() => void) | undefined;

/** Gives the terminal back: leaves raw mode, bracketed paste and the alternate screen. Never throws (the tty may be gone). */
function restoreTerminal(): void {
  if (!terminalTaken) return;
  terminalTaken = false;
  try {
    unmountUi?.();
  } catch {
    /* the terminal may have hung up */
  }
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } catch {
    /* ditto */
  }
  try {
    process.stdout.write(ALT_SCREEN_OFF);
  } catch {
    /* ditto */
  }
}

/** `B`'s switch of kernel.bpf_stats_enabled: put back at exit, and at the next start after a SIGKILL. */
const bpfStats = new BpfStatsSwitch();

function cleanup(): void {
  bpfStats.restore();
  metrics?.close();
  engine?.close();
  // What was written is on disk (each record synced); a record still queued is the frame a crash may lose.
  recorder?.closeNow();
  restoreTerminal();
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Signals: close, drop our listeners, then re-raise so the exit status says which signal it was. Calling
 * process.exit() from a handler after the terminal hung up aborts Node 20 (SIGABRT); re-raising does not.
 */
function onSignal(sig: NodeJS.Signals): void {
  cleanup();
  for (const s of SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, sig);
}

function say(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    /* stderr gone */
  }
}

function onFatal(e: unknown): void {
  cleanup();
  say(`sixty: internal error: ${oneLine(e)}`);
  if (process.env.SIXTY_DEBUG) say(e instanceof Error ? (e.stack ?? '') : String(e));
  process.exit(70);
}

function installExitHandlers(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  // Node 20 puts each terminal descriptor's modes back at exit (ResetStdio, after process.exit) and treats a failed
  // tcsetattr as a fatal CHECK; a terminal that hung up while sixty was closing (q, then the window closed or SSH
  // dropped) fails with EIO, and Node's report of that CHECK then crashes (SIGSEGV in libgcc_s's unwinder, or
  // SIGABRT; nodejs/node#51519, fixed after 20). sixty gives the terminal back itself (restoreTerminal), so the last
  // thing before exit closes the descriptors that were terminals at start (isatty is false once the terminal hung
  // up): Node skips a closed one.
  const ttyFds = [0, 1, 2].filter((fd) => isatty(fd));
  process.on('exit', () => {
    for (const fd of ttyFds) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  });
  process.on('unhandledRejection', onFatal);
  // A closed pipe (sixty --batch | head) ends the run quietly; a terminal that fails (EIO) has hung up, and sixty
  // ends as on SIGHUP (which may come after, or never, when it is ignored: nohup); any other write error is said,
  // with EX_IOERR.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EIO' && ttyFds.includes(1)) return onSignal('SIGHUP');
    cleanup();
    if (e.code !== 'EPIPE') say(`sixty: cannot write the output: ${oneLine(e)}`);
    process.exit(e.code === 'EPIPE' ? 0 : 74);
  });
}

function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Lines for stderr naming the panels that cannot run, and why. */
function unavailable(frame: Frame): string[] {
  const byReason = new Map<string, string[]>();
  for (const p of frame.panels) {
    if (p.status !== 'off' && p.status !== 'error') continue;
    const why = p.reason ?? p.status;
    byReason.set(why, [...(byReason.get(why) ?? []), p.id]);
  }
  return [...byReason].map(([reason, ids]) => `sixty: ${ids.join(', ')} ${ids.length > 1 ? 'are' : 'is'} unavailable: ${reason}`);
}

/** The exit status of a batch run that printed its frames: 1 when a panel failed, 77 when one lacked privileges. */
function batchStatus(frame: Frame): number {
  if (frame.panels.some((p) => p.status === 'error')) return 1;
  if (frame.panels.some((p) => p.status === 'off')) return 77;
  return 0;
}

/** Batch output: every byte, or an OutputError (a full disk: one line, exit 74; a closed pipe: a quiet end). */
let stdoutWriter: WholeWriter | undefined;
function emit(text: string): void {
  stdoutWriter ??= new WholeWriter(1, 'the output');
  stdoutWriter.write(text);
}

/** For the tests: SIXTY_INJECT_FAULT=panel:ID makes that panel's reader fail, as a map read can on a sick host. */
function injectPanelFault(def: AnyPanelDef): AnyPanelDef {
  if (process.env.SIXTY_INJECT_FAULT !== `panel:${def.id}`) return def;
  const fail = (): never => {
    throw new Error('injected fault');
  };
  return { ...def, source: { ...def.source, createReader: fail } } as AnyPanelDef;
}

/** For the exit-path tests: an uncaught exception from a timer, once sixty has attached. */
function injectFault(): void {
  if (process.env.SIXTY_INJECT_FAULT !== 'uncaught') return;
  setTimeout(() => {
    throw new Error('injected fault');
  }, 300);
}

/** The host as snapshots and recordings name it (the live one). */
function liveHost(): HostMeta {
  return { hostname: quoteInput(hostname(), 64), kernel: quoteInput(release(), 40), cpus: onlineCpus() };
}

/** Batch output of one frame in the chosen format (CSV goes to its own streams: see csvOutput). */
function frameText(opts: Options, frame: Frame, host: string): string {
  const width = process.stdout.columns ?? 160;
  return opts.format === 'json' ? `${JSON.stringify(frameToJson(frame, CATALOG))}\n` : `${renderFrameText(CATALOG, frame, width, { host, trend: opts.trend })}\n`;
}

/**
 * CSV: one stream per panel, each with its header. One panel goes to stdout; several need --csv-dir, where each gets
 * <panel>.csv (a new file: an existing one is not overwritten).
 */
/**
 * A new directory for CSV files, `sixty-csv-<host>-<time>` here (or `-2` and so on when taken), made exclusively with
 * mode 0700: what several panels' CSV goes to when --csv-dir names none.
 */
function newCsvDir(host: string): string {
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

function csvOutput(opts: Options, panelIds: readonly string[], host = hostname()): (frame: Frame) => void {
  if (panelIds.length === 1 && opts.csvDir === null) {
    const spec = CATALOG.spec(panelIds[0]!)!;
    emit(csvHeader(spec));
    return (frame) => {
      const p = frame.panels.find((x) => x.id === spec.id);
      if (p) emit(csvRows(spec, p, frame.time, frame.elapsedNs));
    };
  }
  // CSV is one stream per panel: several panels without --csv-dir go to a new directory of their own, said on stderr.
  const dir = opts.csvDir ?? newCsvDir(host);
  if (opts.csvDir === null) say(`sixty: CSV of ${panelIds.length} panels, one file each, in ${quoteInput(dir, 100)}/ (--csv-dir DIR chooses; --panels one panel: to stdout)`);
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

function recordingMeta(host: HostMeta, intervalS: number): RecordingMeta {
  return { format: RECORDING_FORMAT, schemaVersion: SCHEMA_VERSION, sixty: version(), host, intervalS, startedAt: new Date().toISOString(), rowsPerPanel: RECORD_ROWS };
}

/** Opens --record FILE, or says in one line why not. */
function openRecorder(path: string, opts: Options): RecordingWriter {
  try {
    return new RecordingWriter(path, recordingMeta(liveHost(), opts.intervalS), { catalog: CATALOG, maxBytes: opts.recordMax });
  } catch (e) {
    if (e instanceof FormatError) throw new UserError(`cannot record to ${quoteInput(path)}: it exists and is not a recording to extend (${e.message})`);
    if (e instanceof RecordingRefused) throw new UserError(`cannot record to ${quoteInput(path)}: ${e.message}`);
    throw new UserError(`cannot record to ${quoteInput(path)}: ${oneLine(e)}`, 74);
  }
}

async function runBatch(opts: Options, eng: Engine): Promise<number> {
  const csv = opts.format === 'csv' ? csvOutput(opts, opts.panels ?? PANELS.map((p) => p.id)) : null;
  if (opts.record) recorder = openRecorder(opts.record, opts);
  await eng.open();
  injectFault();
  for (const line of unavailable(eng.store.getSnapshot())) say(line);
  const host = `${quoteInput(hostname(), 64)} ${quoteInput(release(), 40)}`;
  let printed = 0;
  const status = await new Promise<number>((resolve, reject) => {
    eng.store.subscribe(() => {
      const frame: Frame = eng.store.getSnapshot();
      if (frame.elapsedNs === 0) return; // the baseline after attaching: not an interval
      // A recording that stopped (a full disk, its file removed) is output the run was asked for and cannot give: the
      // run ends, and says so (after the last frames are written: runBatch's end).
      if (recorder?.status.error) return resolve(batchStatus(frame));
      recorder?.add(frame);
      try {
        if (csv) csv(frame);
        else emit(frameText(opts, frame, host));
      } catch (e) {
        // Output that cannot be written ends the run (said in main), with what was written whole.
        eng.close();
        return reject(e);
      }
      printed++;
      if (opts.count !== null && printed >= opts.count) resolve(batchStatus(frame));
    });
    eng.start();
  });
  // No frame after the last one counted, for the output or the recording.
  eng.close();
  if (recorder) {
    const r = recorder;
    recorder = undefined;
    await r.close();
    // Frames that were asked for and not recorded are lost output: said, and the exit status says so (EX_IOERR).
    if (r.status.error) {
      say(`sixty: recording to ${quoteInput(r.path)} stopped after ${r.status.frames} frames: ${r.status.error}`);
      return 74;
    }
    if (r.status.dropped > 0) say(`sixty: recording to ${quoteInput(r.path)}: ${r.status.dropped} frames dropped (the disk did not keep up)`);
  }
  return status;
}

/** --serve: the panels run and /metrics serves them; nothing is printed. Runs until a signal ends it. */
async function runServe(eng: Engine): Promise<number> {
  await eng.open();
  injectFault();
  for (const line of unavailable(eng.store.getSnapshot())) say(line);
  eng.start();
  return new Promise<number>(() => {
    /* until SIGTERM, SIGINT or SIGHUP (onSignal cleans up) */
  });
}

/** A snapshot or a recording, opened for replay; anything wrong with it is one line and exit 2. */
function openReplay(path: string): { source: ReplaySource; host: HostMeta; intervalS: number; close: () => void; torn: boolean } {
  const fail = (why: string): never => {
    throw new UserError(`cannot replay ${quoteInput(path)}: ${why}`);
  };
  try {
    // Not opened before it is known to be a file: opening a FIFO would wait for a writer forever.
    const st = statSync(path);
    if (st.isDirectory()) return fail('it is a directory');
    if (!st.isFile()) return fail('not a regular file');
    if (RecordingReader.sniff(path)) {
      const r = new RecordingReader(path, CATALOG);
      if (r.frames === 0) fail(r.tornTail ? 'no complete frame: the file ends inside the first one' : 'the recording has no frame yet');
      // The first frame is read now: a file that cannot show even that is refused before the console opens.
      r.frame(0);
      return { source: r, host: r.meta.host, intervalS: r.meta.intervalS, close: () => r.close(), torn: r.tornTail };
    }
    const snap = parseSnapshot(readBounded(path, MAX_SNAPSHOT_BYTES, 'snapshot'), CATALOG);
    return { source: snapshotSource(snap.frame), host: snap.host, intervalS: snap.intervalS, close: () => {}, torn: false };
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof FormatError) return fail(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('no such file');
    if (code === 'EISDIR') return fail('it is a directory');
    if (code === 'EACCES') return fail('permission denied');
    return fail(oneLine(e));
  }
}

/** Only the panels --panels names (in its order), when it names some. */
function onlyPanels(source: ReplaySource, ids: readonly string[] | null): ReplaySource {
  if (ids === null) return source;
  const pick = (f: Frame): Frame => ({ ...f, panels: ids.flatMap((id) => f.panels.filter((p) => p.id === id)) });
  return { frames: source.frames, withHistory: source.withHistory, timeOf: (i) => source.timeOf(i), seekTime: (ms) => source.seekTime(ms), frame: (i) => pick(source.frame(i)) };
}

/** --replay FILE --batch: every frame (or --count of them) in the chosen format, as fast as they convert. */
function runReplayBatch(opts: Options, r: ReturnType<typeof openReplay>): number {
  const ids = r.source.frame(0).panels.map((p) => p.id);
  const csv = opts.format === 'csv' ? csvOutput(opts, ids, r.host.hostname) : null;
  const trends = new TrendRebuilder(r.source, panelById);
  const host = `${r.host.hostname} ${r.host.kernel}`;
  const n = opts.count === null ? r.source.frames : Math.min(opts.count, r.source.frames);
  for (let i = 0; i < n; i++) {
    let frame: Frame;
    try {
      frame = trends.at(i);
    } catch (e) {
      if (e instanceof FormatError) throw new UserError(`cannot replay ${quoteInput(opts.replay!)}: ${e.message}`);
      throw e;
    }
    if (csv) csv(frame);
    else emit(frameText(opts, frame, host));
  }
  return 0;
}

/** What the console shows and does, live or in replay. */
interface ConsoleHost {
  store: { subscribe: (fn: () => void) => () => void; getSnapshot: () => Frame };
  host: HostMeta;
  intervalS: () => number;
  badge: () => string | undefined;
  onShow?: (id: string | null) => void;
  onCommand: (cmd: Command, shown: Frame, ui: ConsoleUi) => void;
  /** called once the console is drawn, with what it offers */
  start: (ui: ConsoleUi) => void;
  /** a replay (p plays it; the title's own cost is the recording sixty's) */
  replay?: boolean;
}

interface ConsoleUi {
  notify: (text: string, error?: boolean) => void;
  refresh: () => void;
  /** the screen as the user sees it, as text */
  screenText: () => string;
}

/**
 * `e`: the frame on screen as a snapshot (JSON) and the screen and every panel as text, in --export-dir; the status
 * line says where, or why not.
 */
function exportSnapshot(opts: Options, host: HostMeta, intervalS: number, frame: Frame, ui: ConsoleUi): void {
  const now = new Date();
  try {
    const doc = snapshotDocument({ host, sixty: version(), intervalS, createdAt: now.toISOString() }, frame, CATALOG);
    const text = `${ui.screenText()}\n\nall panels\n\n${renderFrameText(CATALOG, frame, 160, { host: `${host.hostname} ${host.kernel}`, whole: true })}\n`;
    const path = writeSnapshot(opts.exportDir, snapshotStem(host.hostname, now), `${JSON.stringify(doc)}\n`, text);
    ui.notify(`snapshot written: ${path} (and .txt)`);
  } catch (e) {
    ui.notify(`export failed: ${dirFailure(e, quoteInput(opts.exportDir, 80))}`, true);
  }
}

async function runConsole(c: ConsoleHost): Promise<void> {
  const out = process.stdout;
  const size = (): { width: number; height: number } => ({ width: out.columns ?? 80, height: out.rows ?? 24 });
  terminalTaken = true;
  // A first frame at once, before the console's modules load (about half a second) and the panels attach.
  const starting = (): string => `sixty  ${c.host.hostname}  starting…`.slice(0, size().width);
  out.write(`${ALT_SCREEN_ON}\x1b[2J\x1b[H${starting()}`);
  const [{ render }, { createElement }, { App }] = await Promise.all([import('ink'), import('react'), import('../views/App.js')]);
  const keysAvailable = process.stdin.isTTY === true;
  await new Promise<void>((resolve) => {
    let notice: { text: string; error: boolean } | null = null;
    let redraw = (): void => {};
    let noticeTimer: NodeJS.Timeout | undefined;
    const screen = new Screen();
    const ui: ConsoleUi = {
      notify: (text, error = false) => {
        notice = { text, error };
        clearTimeout(noticeTimer);
        noticeTimer = setTimeout(() => {
          notice = null;
          ui.refresh();
        }, 15_000).unref();
        ui.refresh();
      },
      refresh: () => instance.rerender(element()),
      screenText: () => screen.text(),
    };
    const element = (): ReturnType<typeof createElement> =>
      createElement(App, {
        store: c.store,
        catalog: CATALOG,
        ...size(),
        hostname: c.host.hostname,
        kernel: c.host.kernel,
        intervalS: c.intervalS(),
        keysAvailable,
        onQuit: resolve,
        ...(c.onShow ? { onShow: c.onShow } : {}),
        onCommand: (cmd: Command, shown: Frame) => (cmd.type === 'redraw' ? redraw() : c.onCommand(cmd, shown, ui)),
        badge: c.badge,
        notice,
        replay: c.replay === true,
      });
    screen.setSize(size().width, size().height);
    // The "starting…" line is on the screen as the output layer knows it: the first frame draws over it, in the same
    // write (no blank screen between the two).
    screen.update(starting());
    // Ink renders into this stream; the output layer (views/screen.ts) writes only the cells that changed.
    const inkOut = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        const bytes = translate(screen, chunk.toString());
        if (bytes) out.write(bytes);
        done();
      },
    });
    // Ink's frame is one cell wide (each line is a placeholder; views/placeholders.ts): its layout and output grid are
    // a column, not the screen. The views get the terminal's width from sixty, not from Ink.
    Object.defineProperties(inkOut, { columns: { get: () => 1 }, rows: { get: () => out.rows }, isTTY: { value: true } });
    const instance = render(element(), { stdout: inkOut as unknown as NodeJS.WriteStream, exitOnCtrlC: false, patchConsole: false, incrementalRendering: false });
    unmountUi = () => instance.unmount();
    /**
     * The whole screen drawn again from blank: after every size change (a terminal that shrinks reflows or drops what
     * was drawn, so no cell can be trusted) and on Ctrl-L. The frame for the new size is drawn before Ink hears of the
     * resize; a frame it draws for the old size meanwhile is cut to the new one by the output layer.
     */
    const repaint = (): void => {
      screen.setSize(size().width, size().height);
      screen.invalidate();
      out.write('\x1b[0m\x1b[2J\x1b[3J\x1b[H');
      instance.clear();
      instance.rerender(element());
    };
    out.on('resize', () => {
      repaint();
      inkOut.emit('resize');
    });
    redraw = repaint;
    c.start(ui);
  });
}

/** The live console: the engine's store; `R` records, `e` exports, `+` `-` change the interval. */
async function runInteractive(opts: Options, eng: Engine): Promise<void> {
  const host = liveHost();
  if (opts.record) recorder = openRecorder(opts.record, opts);
  let ui: ConsoleUi | undefined;
  let reported: string | null = null;
  eng.store.subscribe(() => {
    const frame = eng.store.getSnapshot();
    if (!recorder || frame.elapsedNs === 0) return;
    recorder.add(frame);
    if (recorder.status.error && reported !== recorder.status.error) {
      reported = recorder.status.error;
      ui?.notify(`recording to ${recorder.path} stopped: ${recorder.status.error}`, true);
    }
  });
  const kb = (n: number): string => (n < 1048576 ? `${Math.round(n / 1024)}K` : `${(n / 1048576).toFixed(1)}M`);
  await runConsole({
    store: eng.store,
    host,
    intervalS: () => opts.intervalS,
    badge: () => (recorder ? (recorder.status.error ? 'REC stopped' : `● REC ${recorder.status.frames} ${kb(recorder.status.bytes)}`) : undefined),
    onShow: (id) => eng.show(id),
    start: (u) => {
      ui = u;
      // The panels open behind the drawn console; each shows "attaching…" until it is ready.
      eng.open().then(() => {
        injectFault();
        eng.start();
      }, onFatal);
    },
    onCommand: (cmd, shown, u) => {
      switch (cmd.type) {
        case 'interval': {
          const next = nextInterval(opts.intervalS, cmd.step);
          if (next === opts.intervalS) return;
          opts.intervalS = next;
          eng.setIntervalMs(next * 1000);
          return u.refresh();
        }
        case 'export':
          return exportSnapshot(opts, host, opts.intervalS, shown, u);
        case 'record': {
          if (recorder) {
            const r = recorder;
            recorder = undefined;
            r.close().then(
              () => u.notify(`recorded ${r.status.frames} frames to ${r.path}${r.status.error ? ` (stopped early: ${r.status.error})` : ''}`),
              (e: unknown) => u.notify(`recording to ${r.path}: ${oneLine(e)}`, true),
            );
            return u.refresh();
          }
          try {
            // A new file, always: a name taken (or planted) in the export directory is passed over, never extended.
            recorder = RecordingWriter.createNew(opts.exportDir, snapshotStem(host.hostname, new Date()), recordingMeta(host, opts.intervalS), { catalog: CATALOG, maxBytes: opts.recordMax });
            reported = null;
            return u.notify(`recording to ${recorder.path} (R stops)`);
          } catch (e) {
            return u.notify(`cannot record: ${e instanceof RecordingRefused ? e.message : dirFailure(e, quoteInput(opts.exportDir, 80))}`, true);
          }
        }
        case 'seek':
          return u.notify('[ ] { } step through a replay: sixty --replay FILE');
        case 'bpfStats': {
          const r = bpfStats.toggle();
          return u.notify(r.text, r.error);
        }
      }
    },
  });
}

/** The console on a snapshot or a recording: read-only, REPLAY in the title, `[ ] { }` move through it. */
async function runReplayConsole(opts: Options, r: ReturnType<typeof openReplay>): Promise<void> {
  const store = new ReplayStore(r.source, panelById);
  let ui: ConsoleUi | undefined;
  const player = new ReplayPlayer(store, (error) => {
    ui?.notify(error ? `play stopped: ${error}` : `the end of the replay (${store.describe()}; p plays it again from the start)`, error !== null);
  });
  await runConsole({
    store,
    host: r.host,
    intervalS: () => r.intervalS,
    replay: true,
    badge: () => `REPLAY ${store.describe()}${player.describe()}${store.error ? `: ${store.error}` : ''}`,
    start: (u) => {
      ui = u;
    },
    onCommand: (cmd, shown, u) => {
      switch (cmd.type) {
        case 'seek':
          // The store tells the views, which draw the new frame and position; a play goes on from there.
          return store.step(cmd.step, cmd.unit);
        case 'play':
          player.toggle();
          return u.refresh();
        case 'export':
          return exportSnapshot(opts, r.host, r.intervalS, shown, u);
        case 'interval':
          if (player.playing) {
            player.faster(cmd.step > 0 ? 1 : -1);
            return u.refresh();
          }
          return u.notify('replay: the interval is the recording\'s (p plays it, + - the speed; [ ] step one, { } a minute)');
        case 'record':
          return u.notify('replay: nothing to record (R records a live host)');
        case 'bpfStats':
          return u.notify('replay: the in-kernel costs are those recorded (B switches them on a live host)');
      }
    },
  });
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv, new Map(PANELS.map((p) => [p.id, p.hookList.map((t) => t.name)])));
  if (opts.help) {
    emit(`${usage(PANELS.map((p) => p.id))}\n\nkeys (interactive):\n${keyHelpLines().join('\n')}\n`);
    return 0;
  }
  if (opts.version) {
    emit(`sixty ${version()}\n`);
    return 0;
  }
  const interactive = !opts.batch && !opts.serve && process.stdout.isTTY === true && process.env.TERM !== 'dumb';
  // An export directory that was named and cannot be written to: said now, not when `e` or `R` is pressed.
  if (interactive && opts.exportDirGiven) {
    const why = unusableDir(opts.exportDir, (d) => {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      accessSync(d, fsConstants.W_OK | fsConstants.X_OK);
    });
    if (why) throw new UserError(`--export-dir: ${why}`);
  }
  if (interactive) {
    const w = process.stdout.columns ?? 0;
    const h = process.stdout.rows ?? 0;
    if (w < MIN_WIDTH || h < MIN_HEIGHT) throw new UserError(`terminal too small: ${w}×${h}, sixty needs at least ${MIN_WIDTH}×${MIN_HEIGHT}`);
  }
  // Replay needs no root and no BPF: no engine at all.
  if (opts.replay !== null) {
    const opened = openReplay(opts.replay);
    const r = { ...opened, source: onlyPanels(opened.source, opts.panels) };
    if (r.source.frame(0).panels.length === 0) {
      const which = opts.panels ? `none of the panels ${opts.panels.join(', ')}` : 'no panel this sixty knows (a later version wrote it?)';
      throw new UserError(`cannot replay ${quoteInput(opts.replay)}: it has ${which}`);
    }
    if (r.torn) say(`sixty: ${quoteInput(opts.replay)}: the last frame was cut short (a crash while it was written) and is left out; ${r.source.frames} frames read`);
    try {
      if (interactive) await runReplayConsole(opts, r);
      else return runReplayBatch(opts, r);
    } finally {
      r.close();
    }
    cleanup();
    return 0;
  }
  const panels: AnyPanelDef[] = (opts.panels ?? PANELS.map((p) => p.id)).map((id) => {
    const def = panelById(id)!;
    const forced = opts.tiers[id];
    return injectPanelFault(forced ? withTier(def, forced) : def);
  });
  // A sixty killed with SIGKILL while B had BPF stats on left them on for the whole host: put back, and said.
  const abandoned = bpfStats.recoverAbandoned();
  if (abandoned) say(`sixty: ${abandoned}`);
  engine = new Engine({ panels, intervalMs: opts.intervalS * 1000, requested: new Set(opts.panels ?? []), byProcess: opts.metricsListen !== null });
  // Nothing that was asked for can run (BPF panels only, without privileges): one line, before taking the terminal.
  const blocked = engine.nothingCanRun();
  if (blocked) throw new UserError(blocked, 77);
  if (opts.metricsListen) {
    // Bound before anything starts: a port in use is one line and exit 2, with the terminal untouched.
    const { MetricsEndpoint } = await import('./metrics/server.js');
    const ep = await MetricsEndpoint.listen(opts.metricsListen, PANELS, opts.metricsTop);
    metrics = ep;
    const eng = engine;
    eng.store.subscribe(() => {
      const f = eng.store.getSnapshot();
      if (f.elapsedNs > 0) ep.update(f); // not the baseline read after attaching
    });
    if (!interactive) say(`sixty: serving metrics on http://${ep.address}/metrics`);
  }
  let status = 0;
  if (opts.serve) status = await runServe(engine);
  else if (interactive) await runInteractive(opts, engine);
  else status = await runBatch(opts, engine);
  engine.close();
  if (recorder) {
    const r = recorder;
    recorder = undefined;
    await r.close();
  }
  cleanup();
  return status;
}

/** The file --replay names, for a message about it. */
function replayPathArg(): string {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === '--replay' || a.startsWith('--replay='));
  const v = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
  return v === undefined ? 'the file' : quoteInput(v);
}

installExitHandlers();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    cleanup();
    if (e instanceof UserError) {
      say(`sixty: ${e.message}`);
      process.exit(e.exitCode);
    }
    if (e instanceof OutputError) {
      // A closed pipe (sixty --batch | head) ends the run quietly; anything else is lost output, said (EX_IOERR).
      if (e.code === 'EPIPE') process.exit(0);
      say(`sixty: ${e.message}`);
      process.exit(74);
    }
    if (e instanceof FormatError) {
      say(`sixty: cannot read ${replayPathArg()}: ${e.message}`);
      process.exit(2);
    }
    onFatal(e);
  },
);
