// Load + attach time per panel (open → tier trial → load → attach), and close time, through sixty's own engine.
// Usage (root, after npm run build): node bench/startup.mjs [repeats=15]
import os from 'node:os';
import { Engine } from '../build/js/src/engine.js';
import { PANELS } from '../build/js/src/panels/registry.js';

const REPEATS = Number(process.argv[2] ?? 15);
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const results = { open: [], close: [] };
const perPanel = Object.fromEntries(PANELS.map((p) => [p.id, []]));
for (let i = 0; i < REPEATS; i++) {
  // Each panel on its own first (its tier ladder, load and attach), then all together as sixty opens them.
  for (const p of PANELS) {
    const one = new Engine({ panels: [p], intervalMs: 1000 });
    const t = performance.now();
    await one.open();
    perPanel[p.id].push(performance.now() - t);
    one.close();
  }
  const engine = new Engine({ panels: PANELS, intervalMs: 1000 });
  const t0 = performance.now();
  await engine.open();
  results.open.push(performance.now() - t0);
  const t1 = performance.now();
  engine.close();
  results.close.push(performance.now() - t1);
}
console.log(`machine: ${os.availableParallelism()} CPUs, kernel ${os.release()}; ${REPEATS} repeats, medians`);
console.log(`open all panels (privilege check, attach-type trials, load, attach, baseline read): ${median(results.open).toFixed(1)} ms`);
for (const [id, v] of Object.entries(perPanel)) console.log(`  ${id}: tier ladder + load + attach ${median(v).toFixed(1)} ms`);
console.log(`close all: ${median(results.close).toFixed(1)} ms`);
console.log(
  JSON.stringify({
    bench: 'startup',
    openMs: median(results.open),
    closeMs: median(results.close),
    panels: Object.fromEntries(Object.entries(perPanel).map(([k, v]) => [k, median(v)])),
  }),
);
