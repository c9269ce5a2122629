/**
 * The composition root: parses arguments, starts the engine, and wires it to the interactive console (views/)
 * or to batch output. It owns every exit path, so each one detaches sixty's BPF programs and restores the terminal.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink';
import { createElement } from 'react';
import { parseArgs, usage, type Options } from './args.js';
import { Engine } from './engine.js';
import { oneLine, UserError } from './errors.js';
import type { Frame } from './frame.js';
import { frameToJson } from './json.js';
import { CATALOG, PANELS, panelById, withTier } from './panels/registry.js';
import type { AnyPanelDef } from './panels/types.js';
import { ROOT } from './paths.js';
import { App, MIN_HEIGHT, MIN_WIDTH } from '../views/App.js';
import { keyHelpLines } from '../views/keys.js';
import { renderFrameText } from '../views/text.js';

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l';
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';

let engine: Engine | undefined;
let terminalTaken = false;
let unmountUi: (() => void) | undefined;

/** Gives the terminal back: leaves raw mode and the alternate screen. Never throws (the tty may be gone). */
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

function onFatal(e: unknown): void {
  cleanup();
  try {
    process.stderr.write(`sixty: internal error: ${oneLine(e)}\n`);
    if (process.env.SIXTY_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  } catch {
    /* stderr gone */
  }
  process.exit(70);
}

function installExitHandlers(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  // A closed pipe (sixty --batch | head) ends the run quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    cleanup();
    process.exit(e.code === 'EPIPE' ? 0 : 74);
  });
}

function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Panels that cannot run, as lines for stderr; a UserError (exit 77) when none of the requested panels can run, so
 * a run without privileges says what to do in one line instead of printing empty frames.
 */
function unavailable(frame: Frame): string[] {
  const down = frame.panels.filter((p) => p.status === 'off' || p.status === 'error');
  if (down.length > 0 && down.length === frame.panels.length && down.every((p) => p.status === 'off')) {
    throw new UserError(down[0]!.reason ?? 'no panel can run', 77);
  }
  const byReason = new Map<string, string[]>();
  for (const p of down) byReason.set(p.reason ?? p.status, [...(byReason.get(p.reason ?? p.status) ?? []), p.id]);
  return [...byReason].map(([reason, ids]) => `sixty: ${ids.join(', ')} ${ids.length > 1 ? 'are' : 'is'} unavailable: ${reason}`);
}

/** The exit status of a batch run that printed its frames: 77 when a panel lacked privileges, 1 when one failed. */
function batchStatus(frame: Frame): number {
  if (frame.panels.some((p) => p.status === 'error')) return 1;
  if (frame.panels.some((p) => p.status === 'off')) return 77;
  return 0;
}

async function runBatch(opts: Options, eng: Engine): Promise<number> {
  for (const line of unavailable(eng.store.getSnapshot())) process.stderr.write(`${line}\n`);
  const width = process.stdout.columns ?? 160;
  let printed = 0;
  return new Promise<number>((resolve) => {
    eng.store.subscribe(() => {
      const frame: Frame = eng.store.getSnapshot();
      if (frame.elapsedNs === 0) return; // the baseline after attaching: not an interval
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(frameToJson(frame))}\n` : `${renderFrameText(CATALOG, frame, width)}\n`);
      printed++;
      if (opts.count !== null && printed >= opts.count) resolve(batchStatus(frame));
    });
    eng.start();
  });
}

async function runInteractive(opts: Options, eng: Engine): Promise<void> {
  const out = process.stdout;
  const size = (): { width: number; height: number } => ({ width: out.columns ?? 80, height: out.rows ?? 24 });
  await new Promise<void>((resolve) => {
    const element = (): ReturnType<typeof createElement> =>
      createElement(App, {
        store: eng.store,
        catalog: CATALOG,
        ...size(),
        hostname: hostname(),
        intervalS: opts.intervalS,
        onQuit: resolve,
      });
    terminalTaken = true;
    out.write(ALT_SCREEN_ON);
    const instance = render(element(), { exitOnCtrlC: false, patchConsole: false, incrementalRendering: false });
    unmountUi = () => instance.unmount();
    out.on('resize', () => {
      out.write('\x1b[2J\x1b[H');
      instance.clear();
      instance.rerender(element());
    });
    eng.start();
  });
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv, new Map(PANELS.map((p) => [p.id, p.hookList.map((t) => t.name)])));
  if (opts.help) {
    process.stdout.write(`${usage(PANELS.map((p) => p.id))}\n\nkeys (interactive):\n${keyHelpLines().join('\n')}\n`);
    return 0;
  }
  if (opts.version) {
    process.stdout.write(`sixty ${version()}\n`);
    return 0;
  }
  const interactive = !opts.batch && process.stdout.isTTY === true;
  if (interactive) {
    const w = process.stdout.columns ?? 0;
    const h = process.stdout.rows ?? 0;
    if (w < MIN_WIDTH || h < MIN_HEIGHT) throw new UserError(`terminal too small: ${w}×${h}, sixty needs at least ${MIN_WIDTH}×${MIN_HEIGHT}`);
  }
  const panels: AnyPanelDef[] = (opts.panels ?? PANELS.map((p) => p.id)).map((id) => {
    const def = panelById(id)!;
    const forced = opts.tiers[id];
    return forced ? withTier(def, forced) : def;
  });
  engine = new Engine({ panels, intervalMs: opts.intervalS * 1000 });
  await engine.open();
  // For the exit-path tests: an uncaught exception from a timer, once sixty has attached.
  if (process.env.SIXTY_INJECT_FAULT === 'uncaught') {
    setTimeout(() => {
      throw new Error('injected fault');
    }, 300);
  }
  let status = 0;
  if (interactive) {
    unavailable(engine.store.getSnapshot());
    await runInteractive(opts, engine);
  } else {
    status = await runBatch(opts, engine);
  }
  cleanup();
  return status;
}

installExitHandlers();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    cleanup();
    if (e instanceof UserError) {
      process.stderr.write(`sixty: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    onFatal(e);
  },
);
