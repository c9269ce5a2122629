/** --replay FILE: a snapshot or a recording, in the console (read-only, `[ ] { }` and `p`) or as batch output. */
import { statSync } from 'node:fs';
import type { Options } from '../args.js';
import { oneLine, UserError } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { FormatError } from '../persist/frames.js';
import { RecordingReader } from '../persist/recording.js';
import { MAX_SNAPSHOT_BYTES, parseSnapshot, readBounded, type HostMeta } from '../persist/snapshot.js';
import { CATALOG, panelById } from '../panels/registry.js';
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
}

/** A snapshot or a recording, opened for replay; anything wrong with it is one line and exit 2. */
export function openReplay(path: string): OpenedReplay {
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
    else life.emit(frameText(opts, frame, host));
  }
  return 0;
}

/** The console on a snapshot or a recording: read-only, REPLAY in the title, `[ ] { }` move through it. */
export async function runReplayConsole(life: Lifecycle, opts: Options, r: OpenedReplay): Promise<void> {
  const store = new ReplayStore(r.source, panelById);
  let ui: ConsoleUi | undefined;
  const player = new ReplayPlayer(store, (error) => {
    ui?.notify(error ? `play stopped: ${error}` : `the end of the replay (${store.describe()}; p plays it again from the start)`, error !== null);
  });
  await runConsole(life, {
    store,
    host: r.host,
    // Each frame states the interval in force when it was read (a recording's header, the one at its start).
    intervalS: () => (store.getSnapshot().intervalMs ?? r.intervalS * 1000) / 1000,
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
  const opened = openReplay(path);
  const r = { ...opened, source: onlyPanels(opened.source, opts.panels) };
  if (r.source.frame(0).panels.length === 0) {
    const which = opts.panels ? `none of the panels ${opts.panels.join(', ')}` : 'no panel this sixty knows (a later version wrote it?)';
    throw new UserError(`cannot replay ${quoteInput(path)}: it has ${which}`);
  }
  if (r.torn) say(`sixty: ${quoteInput(path)}: the last frame was cut short (a crash while it was written) and is left out; ${r.source.frames} frames read`);
  try {
    if (!interactive) return runReplayBatch(life, opts, r);
    await runReplayConsole(life, opts, r);
    return 0;
  } finally {
    r.close();
  }
}
