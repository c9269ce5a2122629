/**
 * The composition root: parses arguments, starts the engine, and wires it to the interactive console (views/)
 * or to batch output. It owns every exit path, so each one detaches sixty's BPF programs and restores the terminal.
 * Ink and React are loaded only for the console, after a first plain frame is on the screen.
 */
import { hostname, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
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

function cleanup(): void {
  engine?.close();
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
  process.on('unhandledRejection', onFatal);
  // A closed pipe (sixty --batch | head) ends the run quietly; any other write error is said, with EX_IOERR.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
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

/** Writes, and reports a failed write (a full disk) as the 'error' handler does: one line, exit 74. */
function emit(text: string): void {
  process.stdout.write(text);
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

async function runBatch(opts: Options, eng: Engine): Promise<number> {
  await eng.open();
  injectFault();
  for (const line of unavailable(eng.store.getSnapshot())) say(line);
  const width = process.stdout.columns ?? 160;
  let printed = 0;
  return new Promise<number>((resolve) => {
    eng.store.subscribe(() => {
      const frame: Frame = eng.store.getSnapshot();
      if (frame.elapsedNs === 0) return; // the baseline after attaching: not an interval
      emit(opts.format === 'json' ? `${JSON.stringify(frameToJson(frame, CATALOG))}\n` : `${renderFrameText(CATALOG, frame, width, { host: `${quoteInput(hostname(), 64)} ${quoteInput(release(), 40)}`, trend: opts.trend })}\n`);
      printed++;
      if (opts.count !== null && printed >= opts.count) resolve(batchStatus(frame));
    });
    eng.start();
  });
}

async function runInteractive(opts: Options, eng: Engine): Promise<void> {
  const out = process.stdout;
  const size = (): { width: number; height: number } => ({ width: out.columns ?? 80, height: out.rows ?? 24 });
  const host = quoteInput(hostname(), 64);
  terminalTaken = true;
  // A first frame at once, before the console's modules load (about half a second) and the panels attach.
  out.write(`${ALT_SCREEN_ON}\x1b[2J\x1b[H${`sixty  ${host}  starting…`.slice(0, size().width)}`);
  const [{ render }, { createElement }, { App }] = await Promise.all([import('ink'), import('react'), import('../views/App.js')]);
  const keysAvailable = process.stdin.isTTY === true;
  await new Promise<void>((resolve) => {
    const element = (): ReturnType<typeof createElement> =>
      createElement(App, {
        store: eng.store,
        catalog: CATALOG,
        ...size(),
        hostname: host,
        kernel: quoteInput(release(), 40),
        intervalS: opts.intervalS,
        keysAvailable,
        onQuit: resolve,
        onShow: (id: string | null) => eng.show(id),
        onInterval: (step: 1 | -1) => {
          const next = nextInterval(opts.intervalS, step);
          if (next === opts.intervalS) return;
          opts.intervalS = next;
          eng.setIntervalMs(next * 1000);
          instance.rerender(element());
        },
      });
    out.write('\x1b[2J\x1b[H');
    // Ink renders into this stream; the output layer (views/screen.ts) writes only the cells that changed.
    const screen = new Screen();
    const inkOut = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        const bytes = translate(screen, chunk.toString());
        if (bytes) out.write(bytes);
        done();
      },
    });
    Object.defineProperties(inkOut, { columns: { get: () => out.columns }, rows: { get: () => out.rows }, isTTY: { value: true } });
    const instance = render(element(), { stdout: inkOut as unknown as NodeJS.WriteStream, exitOnCtrlC: false, patchConsole: false, incrementalRendering: false });
    unmountUi = () => instance.unmount();
    out.on('resize', () => {
      out.write('\x1b[2J\x1b[H');
      screen.invalidate();
      instance.clear();
      inkOut.emit('resize');
      instance.rerender(element());
    });
    // The panels open behind the drawn console; each shows "attaching…" until it is ready.
    eng.open().then(() => {
      injectFault();
      eng.start();
    }, onFatal);
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
  const interactive = !opts.batch && process.stdout.isTTY === true && process.env.TERM !== 'dumb';
  if (interactive) {
    const w = process.stdout.columns ?? 0;
    const h = process.stdout.rows ?? 0;
    if (w < MIN_WIDTH || h < MIN_HEIGHT) throw new UserError(`terminal too small: ${w}×${h}, sixty needs at least ${MIN_WIDTH}×${MIN_HEIGHT}`);
  }
  const panels: AnyPanelDef[] = (opts.panels ?? PANELS.map((p) => p.id)).map((id) => {
    const def = panelById(id)!;
    const forced = opts.tiers[id];
    return injectPanelFault(forced ? withTier(def, forced) : def);
  });
  engine = new Engine({ panels, intervalMs: opts.intervalS * 1000, requested: new Set(opts.panels ?? []) });
  // Nothing that was asked for can run (BPF panels only, without privileges): one line, before taking the terminal.
  const blocked = engine.nothingCanRun();
  if (blocked) throw new UserError(blocked, 77);
  let status = 0;
  if (interactive) await runInteractive(opts, engine);
  else status = await runBatch(opts, engine);
  cleanup();
  return status;
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
    onFatal(e);
  },
);
