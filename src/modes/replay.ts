/** --replay FILE: a snapshot or a recording, in the console (read-only, `[ ] { }` and `p`) or as batch output. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from '../args.js';
import { oneLine, UserError } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { archiveFileAt, listArchive } from '../persist/archive.js';
import { FormatError } from '../persist/frames.js';
import { RecordingReader } from '../persist/recording.js';
import { MAX_SNAPSHOT_BYTES, parseSnapshot, readBounded, type HostMeta } from '../persist/snapshot.js';
import { CATALOG, panelById } from '../panels/registry.js';
import { homePanel } from '../panels/home.js';
import { verdictTimeline, type VerdictTimeline } from '../timeline.js';
import { diffFrames, diffText } from '../models/diff.js';
import { ReplayPlayer, ReplayStore, snapshotSource, TrendRebuilder, type ReplaySource } from '../replay.js';
import { say, type Lifecycle } from '../lifecycle.js';
import { checkFolded, csvOutput, frameText } from './common.js';
import { exportSnapshot, runConsole, type ConsoleUi } from './console.js';

export interface OpenedReplay {
  source: ReplaySource;
  host: HostMeta;
  /** the interval the file states (a recording's at its start; each frame states its own since 2026-12-06) */
  intervalS: number;
  close: () => void;
  torn: boolean;
  /** the frame to show first: --at's, or the first */
  start: number;
  /** the file opened (a directory's: the one --at falls in) */
  file: string;
  /** the recording's reader (a snapshot has none): what the timeline reads */
  reader?: RecordingReader;
}

/**
 * A snapshot or a recording, opened for replay at `at` (ms; null: its start); a directory of recordings (--record DIR)
 * opens the file `at` falls in, found by the files' names (the newest without `at`). Anything wrong is one line, exit 2.
 */
export function openReplay(path: string, at: number | null = null): OpenedReplay {
  const fail = (why: string): never => {
    throw new UserError(`cannot replay ${quoteInput(path)}: ${why}`);
  };
  try {
    // Not opened before it is known to be a file: opening a FIFO would wait for a writer forever.
    const st = statSync(path);
    let file = path;
    if (st.isDirectory()) {
      // Anyone's files: replay reads what it is allowed to, and checks every byte it reads.
      const files = listArchive(path, -1);
      let pick = archiveFileAt(files, at);
      if (!pick) return fail('it is a directory with no recording of sixty --record DIR in it');
      // A file the daemon has just started holds its header alone until its first frame is written: the one before.
      const i = files.indexOf(pick);
      if (i > 0 && hasNoFrame(join(path, pick.name))) pick = files[i - 1]!;
      file = join(path, pick.name);
    } else if (!st.isFile()) return fail('not a regular file');
    if (RecordingReader.sniff(file)) {
      const r = new RecordingReader(file, CATALOG);
      if (r.frames === 0) fail(r.tornTail ? 'no complete frame: the file ends inside the first one' : 'the recording has no frame yet');
      // A directory without --at: its latest moment (what an always-on sixty was just seeing); a file: its start.
      const start = at !== null ? r.seekTime(at) : file !== path ? r.frames - 1 : 0;
      // The first frame shown is read now: a file that cannot show even that is refused before the console opens.
      r.frame(start);
      return { source: r, host: r.meta.host, intervalS: r.meta.intervalS, close: () => r.close(), torn: r.tornTail, start, file, reader: r };
    }
    if (file !== path) return fail(`${quoteInput(file)} is not a recording`);
    const snap = parseSnapshot(readBounded(path, MAX_SNAPSHOT_BYTES, 'snapshot'), CATALOG);
    return { source: snapshotSource(snap.frame), host: snap.host, intervalS: snap.intervalS, close: () => {}, torn: false, start: 0, file };
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

/** A recording that holds its header alone, no frame yet (false when it cannot be read as a recording at all). */
function hasNoFrame(file: string): boolean {
  try {
    const r = new RecordingReader(file, CATALOG);
    const empty = r.frames === 0;
    r.close();
    return empty;
  } catch {
    return false;
  }
}

/** What --at found, when it is not the moment asked for (before the first frame, or past the last): one line, or null. */
export function atNote(r: OpenedReplay, at: number | null): string | null {
  if (at === null || r.source.frames === 0) return null;
  const first = r.source.timeOf(0);
  const last = r.source.timeOf(r.source.frames - 1);
  const slack = 2 * r.intervalS * 1000;
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  if (at < first - slack) return `--at ${iso(at)} is before ${quoteInput(r.file)} begins (${iso(first)}): opened at its first frame`;
  if (at > last + slack) return `--at ${iso(at)} is after ${quoteInput(r.file)} ends (${iso(last)}): opened at its last frame`;
  return null;
}

/** Only the panels --panels names (in its order), when it names some. */
function onlyPanels(source: ReplaySource, ids: readonly string[] | null): ReplaySource {
  if (ids === null) return source;
  const pick = (f: Frame): Frame => ({ ...f, panels: ids.flatMap((id) => f.panels.filter((p) => p.id === id)) });
  return {
    frames: source.frames,
    withHistory: source.withHistory,
    timeOf: (i) => source.timeOf(i),
    seekTime: (ms) => source.seekTime(ms),
    frame: (i) => pick(source.frame(i)),
  };
}

/** --replay FILE --batch: every frame (or --count of them) in the chosen format, as fast as they convert. */
export function runReplayBatch(life: Lifecycle, opts: Options, r: OpenedReplay): number {
  const ids = r.source.frame(0).panels.map((p) => p.id);
  if (opts.format === 'folded') checkFolded(ids);
  const csv = opts.format === 'csv' ? csvOutput(life, opts, ids, r.host.hostname) : null;
  // Only text draws trends (JSON, CSV and folded stacks have none): the others read each frame alone.
  const trends = opts.format === 'text' ? new TrendRebuilder(r.source, panelById) : null;
  const host = `${r.host.hostname} ${r.host.kernel}`;
  const end = opts.count === null ? r.source.frames : Math.min(r.start + opts.count, r.source.frames);
  for (let i = r.start; i < end; i++) {
    let frame: Frame;
    try {
      frame = trends ? trends.at(i) : r.source.frame(i);
    } catch (e) {
      if (e instanceof FormatError) throw new UserError(`cannot replay ${quoteInput(opts.replay!)}: ${e.message}`);
      throw e;
    }
    if (csv) csv(frame);
    else life.emit(frameText(opts, frame, host));
  }
  return 0;
}

/** The console on a snapshot or a recording: read-only, REPLAY in the title, `[ ] { }` move through it. */
export async function runReplayConsole(life: Lifecycle, opts: Options, r: OpenedReplay): Promise<void> {
  const store = new ReplayStore(r.source, panelById, r.start);
  let ui: ConsoleUi | undefined;
  const player = new ReplayPlayer(store, (error) => {
    ui?.notify(error ? `play stopped: ${error}` : `the end of the replay (${store.describe()}; p plays it again from the start)`, error !== null);
  });
  // m marks a frame; D compares it (or the frame a minute before) with the one on screen.
  let mark: number | null = null;
  // The timeline decodes only the home panel of every frame, once, when L first opens it.
  const reader = r.reader;
  let timeline: VerdictTimeline | null | undefined;
  await runConsole(life, {
    store,
    host: r.host,
    ...(reader
      ? {
          timeline: {
            data: () =>
              (timeline ??= verdictTimeline(
                reader.panelSeries(homePanel.id),
                Array.from({ length: reader.frames }, (_, i) => reader.timeOf(i)),
              )),
            position: () => store.position,
          },
        }
      : {}),
    // Each frame states the interval in force when it was read (a recording's header, the one at its start).
    intervalS: () => (store.getSnapshot().intervalMs ?? r.intervalS * 1000) / 1000,
    replay: true,
    badge: () => `REPLAY ${store.describe()}${player.describe()}${store.error ? `: ${store.error}` : ''}`,
    start: (u) => {
      ui = u;
      // Drawn: now the trends of a frame deep in the recording (a minute of frames before it).
      setTimeout(() => store.fillTrends(), 50);
    },
    onCommand: (cmd, shown, u) => {
      switch (cmd.type) {
        case 'seek':
          // The store tells the views, which draw the new frame and position; a play goes on from there.
          return store.step(cmd.step, cmd.unit);
        case 'goFrame':
          return store.go(cmd.frame);
        case 'mark':
          mark = store.position;
          return u.notify(`marked frame ${mark + 1} (${r.source.frame(mark).time}): D shows what changed from it`);
        case 'diff': {
          const b = store.position;
          const a = mark ?? r.source.seekTime(r.source.timeOf(b) - 60_000);
          try {
            const fa = r.source.frame(a);
            const fb = r.source.frame(b);
            const d = diffFrames(fa, fb, panelById, { top: 10, home: homePanel.id });
            const head = `what changed from frame ${a + 1} to frame ${b + 1}${mark === null ? ' (a minute before: m marks another)' : ' (the marked one)'}`;
            return u.showPage([head, '', ...diffText(d, { file: r.file, time: fa.time }, { file: r.file, time: fb.time }).trimEnd().split('\n')]);
          } catch (e) {
            if (e instanceof FormatError) return u.showPage([`cannot compare: ${e.message}`]);
            throw e;
          }
        }
        case 'timeline':
          return u.notify("a snapshot is one moment: the timeline is a recording's (sixty --replay FILE.sixtyrec or DIR)");
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
          return u.notify("replay: the interval is the recording's (p plays it, + - the speed; [ ] step one, { } a minute)");
        case 'record':
          return u.notify('replay: nothing to record (R records a live host)');
        case 'bpfStats':
          return u.notify('replay: the in-kernel costs are those recorded (B switches them on a live host)');
        case 'signal':
        case 'renice':
          return u.notify("replay: these processes are not this host's; nothing is sent", true);
        case 'threads':
          return u.notify('replay: rows are as recorded (H shows threads on a live host)');
        case 'threshold':
          return u.notify('replay: the slow operations are those recorded at their threshold (( and ) change it on a live host)');
      }
    },
  });
}

/** --replay: the file opened, only the panels asked for, then the console or batch output. */
export async function runReplay(life: Lifecycle, opts: Options, path: string, interactive: boolean): Promise<number> {
  const opened = openReplay(path, opts.at);
  const note = atNote(opened, opts.at);
  if (note) say(`sixty: ${note}`);
  const r = { ...opened, source: onlyPanels(opened.source, opts.panels) };
  if (r.source.frame(0).panels.length === 0) {
    const which = opts.panels ? `none of the panels ${opts.panels.join(', ')}` : 'no panel this sixty knows (a later version wrote it?)';
    throw new UserError(`cannot replay ${quoteInput(opened.file)}: it has ${which}`);
  }
  if (r.torn)
    say(`sixty: ${quoteInput(opened.file)}: the last frame was cut short (a crash while it was written) and is left out; ${r.source.frames} frames read`);
  try {
    if (!interactive) return runReplayBatch(life, opts, r);
    await runReplayConsole(life, opts, r);
    return 0;
  } finally {
    r.close();
  }
}
