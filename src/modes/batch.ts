/** --batch: frames as text, JSON or CSV on stdout (or CSV files), --count of them or until a signal; --record beside. */
import { hostname, release } from 'node:os';
import type { Options } from '../args.js';
import type { Engine } from '../engine.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { PANELS } from '../panels/registry.js';
import { say, type Lifecycle } from '../lifecycle.js';
import { batchStatus, checkFolded, csvOutput, frameText, injectFault, openRecorder, unavailable } from './common.js';

export async function runBatch(life: Lifecycle, opts: Options, eng: Engine): Promise<number> {
  if (opts.format === 'folded') checkFolded(opts.panels ?? PANELS.map((p) => p.id));
  const csv = opts.format === 'csv' ? csvOutput(life, opts, opts.panels ?? PANELS.map((p) => p.id)) : null;
  if (opts.record) life.recorder = openRecorder(opts.record, opts, () => eng.intervalMs / 1000);
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
      if (life.recorder?.status.error) return resolve(batchStatus(frame));
      life.recorder?.add(frame);
      try {
        if (csv) csv(frame);
        else life.emit(frameText(opts, frame, host));
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
  if (life.recorder) {
    const r = life.recorder;
    life.recorder = undefined;
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
