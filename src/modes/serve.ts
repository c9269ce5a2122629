/** --serve: headless, the metrics endpoint only. */
import type { Engine } from '../engine.js';
import { say } from '../lifecycle.js';
import { injectFault, unavailable } from './common.js';

/** --serve: the panels run and /metrics serves them; nothing is printed. Runs until a signal ends it. */
export async function runServe(eng: Engine): Promise<number> {
  await eng.open();
  injectFault();
  for (const line of unavailable(eng.store.getSnapshot())) say(line);
  eng.start();
  return new Promise<number>(() => {
    /* until SIGTERM, SIGINT or SIGHUP (the lifecycle gives everything back) */
  });
}
