/**
 * The console: the App (views/) drawn by Ink through sixty's output layer (views/screen.ts), over the live engine or a
 * replay. Ink and React are loaded only here, after a first plain frame is on the screen.
 */
import { Writable } from 'node:stream';
import { nextInterval, type Options } from '../args.js';
import type { Engine } from '../engine.js';
import { oneLine } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { dirFailure } from '../persist/output.js';
import { RecordingRefused, RecordingWriter } from '../persist/recording.js';
import { foldedExports, snapshotDocument, snapshotStem, writeSnapshot, type HostMeta } from '../persist/snapshot.js';
import { CATALOG } from '../panels/registry.js';
import { ALT_SCREEN_ON, type Lifecycle } from '../lifecycle.js';
import type { Command } from '../../views/keys.js';
import type { VerdictTimeline } from '../timeline.js';
import { procsView } from '../panels/procs.js';
import { fsslowerView, nextThreshold } from '../panels/fsslower.js';
import { nextRate, profilePanel, profileView } from '../panels/profile.js';
import { offcputimeView } from '../panels/offcputime.js';
import { actOnProcess } from '../kernel/signal.js';
import { Screen, translate } from '../../views/screen.js';
import { renderFrameText } from '../../views/text.js';
import { injectFault, liveHost, openRecorder, recordEachTick, recordingMeta, version } from './common.js';

/** What the console shows and does, live or in replay. */
export interface ConsoleHost {
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
  /** a replay of a recording: the checklist's verdicts over it (L) and the frame on screen */
  timeline?: { data: () => VerdictTimeline | null; position: () => number };
}

export interface ConsoleUi {
  notify: (text: string, error?: boolean) => void;
  /** a page of text in place of the panel (a replay's D), until the user closes it */
  showPage: (lines: readonly string[]) => void;
  refresh: () => void;
  /** the screen as the user sees it, as text */
  screenText: () => string;
}

/**
 * `e`: the frame on screen as a snapshot (JSON) and the screen and every panel as text, in --export-dir; the status
 * line says where, or why not.
 */
export function exportSnapshot(opts: Options, host: HostMeta, intervalS: number, frame: Frame, ui: ConsoleUi): void {
  const now = new Date();
  try {
    const doc = snapshotDocument({ host, sixty: version(), intervalS, createdAt: now.toISOString() }, frame, CATALOG);
    const text = `${ui.screenText()}\n\nall panels\n\n${renderFrameText(CATALOG, frame, 160, { host: `${host.hostname} ${host.kernel}`, whole: true })}\n`;
    // Stack panels' stacks, folded (flamegraph.pl, speedscope and inferno read them), one file each.
    const extras = foldedExports(frame, CATALOG);
    const path = writeSnapshot(opts.exportDir, snapshotStem(host.hostname, now), `${JSON.stringify(doc)}\n`, text, extras);
    ui.notify(`snapshot written: ${path} (and .txt${extras.map((x) => `, ${x.suffix}`).join('')})`);
  } catch (e) {
    ui.notify(`export failed: ${dirFailure(e, quoteInput(opts.exportDir, 80))}`, true);
  }
}

export async function runConsole(life: Lifecycle, c: ConsoleHost): Promise<void> {
  const out = process.stdout;
  const size = (): { width: number; height: number } => ({ width: out.columns ?? 80, height: out.rows ?? 24 });
  life.takeTerminal();
  // A first frame at once, before the console's modules load (about half a second) and the panels attach.
  const starting = (): string => `sixty  ${c.host.hostname}  starting…`.slice(0, size().width);
  out.write(`${ALT_SCREEN_ON}\x1b[2J\x1b[H${starting()}`);
  const [{ render }, { createElement }, { App }] = await Promise.all([import('ink'), import('react'), import('../../views/App.js')]);
  const keysAvailable = process.stdin.isTTY === true;
  await new Promise<void>((resolve) => {
    let notice: { text: string; error: boolean } | null = null;
    let page: readonly string[] | null = null;
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
      showPage: (lines) => {
        page = lines;
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
        ...(c.timeline ? { timeline: c.timeline } : {}),
        page,
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
    const instance = render(element(), {
      stdout: inkOut as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
      incrementalRendering: false,
    });
    life.onUnmount(() => instance.unmount());
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
export async function runInteractive(life: Lifecycle, opts: Options, eng: Engine): Promise<void> {
  const host = liveHost();
  if (opts.record) life.recorder = openRecorder(opts.record, opts, () => eng.intervalMs / 1000);
  let ui: ConsoleUi | undefined;
  let reported: string | null = null;
  recordEachTick(
    eng.store,
    () => life.recorder,
    (recorder) => {
      if (recorder.status.error && reported !== recorder.status.error) {
        reported = recorder.status.error;
        ui?.notify(`recording to ${recorder.path} stopped: ${recorder.status.error}`, true);
      }
    },
  );
  const kb = (n: number): string => (n < 1048576 ? `${Math.round(n / 1024)}K` : `${(n / 1048576).toFixed(1)}M`);
  await runConsole(life, {
    store: eng.store,
    host,
    intervalS: () => eng.intervalMs / 1000,
    badge: () => {
      const r = life.recorder;
      return r ? (r.status.error ? 'REC stopped' : `● REC ${r.status.frames} ${kb(r.status.bytes)}`) : undefined;
    },
    onShow: (id) => eng.show(id),
    start: (u) => {
      ui = u;
      // The panels open behind the drawn console; each shows "attaching…" until it is ready.
      eng.open().then(() => {
        injectFault();
        eng.start();
      }, life.fatal);
    },
    onCommand: (cmd, shown, u) => {
      switch (cmd.type) {
        case 'interval': {
          // The engine owns the interval: the header, the frames and a recording started after this read it there.
          const now = eng.intervalMs / 1000;
          const next = nextInterval(now, cmd.step);
          if (next === now) return;
          eng.setIntervalMs(next * 1000);
          return u.refresh();
        }
        case 'export':
          return exportSnapshot(opts, host, eng.intervalMs / 1000, shown, u);
        case 'record': {
          if (life.recorder) {
            const r = life.recorder;
            life.recorder = undefined;
            r.close().then(
              () => u.notify(`recorded ${r.status.frames} frames to ${r.path}${r.status.error ? ` (stopped early: ${r.status.error})` : ''}`),
              (e: unknown) => u.notify(`recording to ${r.path}: ${oneLine(e)}`, true),
            );
            return u.refresh();
          }
          try {
            // A new file, always: a name taken (or planted) in the export directory is passed over, never extended.
            const r = RecordingWriter.createNew(opts.exportDir, snapshotStem(host.hostname, new Date()), recordingMeta(host, eng.intervalMs / 1000), {
              catalog: CATALOG,
              maxBytes: opts.recordMax,
            });
            life.recorder = r;
            reported = null;
            return u.notify(`recording to ${r.path} (R stops)`);
          } catch (e) {
            return u.notify(`cannot record: ${e instanceof RecordingRefused ? e.message : dirFailure(e, quoteInput(opts.exportDir, 80))}`, true);
          }
        }
        case 'seek':
          return u.notify('[ ] { } step through a replay: sixty --replay FILE');
        case 'timeline':
          return u.notify("L: the timeline of a recording's verdicts, in a replay: sixty --replay FILE or DIR");
        case 'goFrame':
          return;
        case 'mark':
        case 'diff':
          return u.notify('m and D compare two moments of a replay (sixty --replay FILE); live, e writes snapshots for sixty diff A B');
        case 'bpfStats': {
          const r = life.bpfStats.toggle();
          return u.notify(r.text, r.error);
        }
        case 'signal':
        case 'renice': {
          const r = actOnProcess(cmd);
          return u.notify(r.text, r.error);
        }
        case 'threshold': {
          if (cmd.panel === profilePanel.id) {
            profileView.hz = nextRate(profileView.hz, cmd.step);
            return u.notify(`profile: sampling at ${profileView.hz} Hz on every CPU from the next reading (( and ) change it)`);
          }
          fsslowerView.thresholdMs = nextThreshold(fsslowerView.thresholdMs, cmd.step);
          return u.notify(`fsslower: operations slower than ${fsslowerView.thresholdMs} ms listed from the next reading (( and ) change it)`);
        }
        case 'kthreads':
          offcputimeView.kthreads = !offcputimeView.kthreads;
          return u.notify(
            offcputimeView.kthreads
              ? 'offcputime: kernel threads listed from the next reading (K: left out)'
              : 'offcputime: kernel threads left out from the next reading',
          );
        case 'threads':
          procsView.threads = !procsView.threads;
          return u.notify(
            procsView.threads ? 'procs: one row per thread from the next reading (H: per process)' : 'procs: one row per process from the next reading',
          );
      }
    },
  });
}
