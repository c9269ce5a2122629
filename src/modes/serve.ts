/** --serve: headless, the metrics endpoint, and with --record what an always-on sixty keeps. */
import type { Options } from '../args.js';
import type { Engine } from '../engine.js';
import { quoteInput } from '../format.js';
import { say, type Lifecycle } from '../lifecycle.js';
import { injectFault, openRecorder, unavailable } from './common.js';

/**
 * --serve: the panels run and /metrics serves them; with --record each frame is recorded too (into a directory: a file
 * an hour, --retain and --retain-size applied). Nothing is printed but lines for the log (stderr: the journal under
 * systemd). Runs until a signal ends it; a recording that fails is said once per failure, and /metrics goes on.
 */
export async function runServe(life: Lifecycle, opts: Options, eng: Engine): Promise<number> {
  if (opts.record) {
    life.recorder = openRecorder(opts.record, opts, () => eng.intervalMs / 1000);
    say(`sixty: recording to ${quoteInput(opts.record, 200)}`);
  }
  await eng.open();
  injectFault();
  for (const line of unavailable(eng.store.getSnapshot())) say(line);
  let reported: string | null = null;
  eng.store.subscribe(() => {
    const frame = eng.store.getSnapshot();
    const r = life.recorder;
    if (!r || frame.elapsedNs === 0) return; // the baseline after attaching: not an interval
    r.add(frame);
    const error = r.status.error;
    if (error !== null && error !== reported) say(`sixty: recording to ${quoteInput(r.status.path, 200)} stopped: ${error}`);
    reported = error;
  });
  eng.start();
  return new Promise<number>(() => {
    /* until SIGTERM, SIGINT or SIGHUP (the lifecycle gives everything back) */
  });
}
