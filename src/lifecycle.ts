/**
 * What a run of sixty holds and must give back, whatever ends it: the engine (its BPF programs detached), a recording
 * (what was written is on disk), the metrics endpoint, kernel.bpf_stats_enabled if `B` switched it, and the terminal
 * (raw mode, bracketed paste, the alternate screen). Every mode gets it; every exit path (the end of a mode, a signal,
 * a fatal error, a closed output) disposes of it once.
 */
import { isatty } from 'node:tty';
import { closeSync } from 'node:fs';
import type { Engine } from './engine.js';
import { oneLine } from './errors.js';
import { BpfStatsSwitch } from './kernel/bpf-stats.js';
import type { MetricsEndpoint } from './metrics/server.js';
import { WholeWriter } from './persist/output.js';
import type { Recorder } from './persist/recording.js';

const ALT_SCREEN_OFF = '\x1b[?2004l\x1b[?25h\x1b[?1049l';
export const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l\x1b[?2004h';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** One line on stderr; never throws (stderr may be gone). */
export function say(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    /* stderr gone */
  }
}

export class Lifecycle {
  engine: Engine | undefined;
  recorder: Recorder | undefined;
  metrics: MetricsEndpoint | undefined;
  /** `B`'s switch of kernel.bpf_stats_enabled: put back at exit, and at the next start after a SIGKILL. */
  readonly bpfStats = new BpfStatsSwitch();
  private terminalTaken = false;
  private unmountUi: (() => void) | undefined;
  private stdout: WholeWriter | undefined;

  /** The console has the terminal (its modes are changed): given back at dispose; `unmount` stops drawing first. */
  takeTerminal(): void {
    this.terminalTaken = true;
  }

  onUnmount(unmount: () => void): void {
    this.unmountUi = unmount;
  }

  /** Batch output: every byte, or an OutputError (a full disk: one line, exit 74; a closed pipe: a quiet end). */
  emit(text: string): void {
    this.stdout ??= new WholeWriter(1, 'the output');
    this.stdout.write(text);
  }

  /** Gives the terminal back: leaves raw mode, bracketed paste and the alternate screen. Never throws (the tty may be gone). */
  private restoreTerminal(): void {
    if (!this.terminalTaken) return;
    this.terminalTaken = false;
    try {
      this.unmountUi?.();
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

  /** Everything given back; safe to call again. */
  dispose(): void {
    this.bpfStats.restore();
    this.metrics?.close();
    this.engine?.close();
    // What was written is on disk (each record synced); a record still queued is the frame a crash may lose.
    this.recorder?.closeNow();
    this.restoreTerminal();
  }

  /** A fault sixty did not expect: given back, said in one line (the stack with SIXTY_DEBUG), EX_SOFTWARE. */
  readonly fatal = (e: unknown): void => {
    this.dispose();
    say(`sixty: internal error: ${oneLine(e)}`);
    if (process.env.SIXTY_DEBUG) say(e instanceof Error ? (e.stack ?? '') : String(e));
    process.exit(70);
  };

  /**
   * Signals: give back, drop our listeners, then re-raise so the exit status says which signal it was. Calling
   * process.exit() from a handler after the terminal hung up aborts Node 20 (SIGABRT); re-raising does not.
   */
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.dispose();
    for (const s of SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, sig);
  };

  /** The process's exit paths: signals, uncaught faults, a closed or failing stdout, and the terminal at exit. */
  install(): this {
    for (const s of SIGNALS) process.on(s, this.onSignal);
    process.on('uncaughtException', this.fatal);
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
    process.on('unhandledRejection', this.fatal);
    // A closed pipe (sixty --batch | head) ends the run quietly; a terminal that fails (EIO) has hung up, and sixty
    // ends as on SIGHUP (which may come after, or never, when it is ignored: nohup); any other write error is said,
    // with EX_IOERR.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EIO' && ttyFds.includes(1)) return this.onSignal('SIGHUP');
      this.dispose();
      if (e.code !== 'EPIPE') say(`sixty: cannot write the output: ${oneLine(e)}`);
      process.exit(e.code === 'EPIPE' ? 0 : 74);
    });
    return this;
  }
}
