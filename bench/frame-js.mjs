// JS time per frame of the console at 120×40: the real App over the real engine (every panel of the registry, as the
// console opens them, on this machine's kernel; until 2026-12-06 home, softirqs, tcptop and mpstat only), each tick's frame drawn by Ink (React + layout + text, its renderTime) and turned into
// terminal bytes by the output layer (views/screen.ts), which is timed too. Medians over the frames.
// Usage (root, after npm run build): node bench/frame-js.mjs [frames=30]
import { Writable } from 'node:stream';
import { render } from 'ink';
import { createElement } from 'react';
import { Engine } from '../build/js/src/engine.js';
import { CATALOG, PANELS } from '../build/js/src/panels/registry.js';
import { App } from '../build/js/views/App.js';
import { Screen, translate } from '../build/js/views/screen.js';

process.env.NODE_ENV = 'production';
const FRAMES = Number(process.argv[2] ?? 30);
const PANEL = PANELS.find((p) => p.role === 'start').id;
const panels = PANELS;
const engine = new Engine({ panels, intervalMs: 1000 });
await engine.open();
const screen = new Screen();
let bytes = 0;
const layer = [];
const out = new Writable({
  write(chunk, _e, done) {
    const text = chunk.toString();
    const t0 = process.hrtime.bigint();
    bytes += translate(screen, text).length;
    // Frames only (not the synchronized-output markers around them).
    if (text.length > 32) layer.push(Number(process.hrtime.bigint() - t0) / 1e6);
    done();
  },
});
Object.defineProperties(out, { columns: { value: 120 }, rows: { value: 40 }, isTTY: { value: true } });
const inkTimes = [];
const instance = render(
  createElement(App, {
    store: engine.store,
    catalog: CATALOG,
    width: 120,
    height: 40,
    hostname: 'bench',
    intervalS: 0.2,
    keysAvailable: false,
    onQuit: () => {},
  }),
  { stdout: out, exitOnCtrlC: false, patchConsole: false, onRender: ({ renderTime }) => inkTimes.push(renderTime), maxFps: 1000 },
);
const ticks = [];
for (let i = 0; i < FRAMES; i++) {
  await new Promise((r) => setTimeout(r, 200));
  const t0 = process.hrtime.bigint();
  engine.tick();
  ticks.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
await new Promise((r) => setTimeout(r, 300));
instance.unmount();
engine.close();
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1] ?? 0;
const frames = inkTimes.slice(2);
console.log(
  `${PANEL} at 120×40: Ink ${median(frames).toFixed(2)} ms per frame (median of ${frames.length}), output layer ${median(layer).toFixed(2)} ms, engine tick ${median(ticks).toFixed(2)} ms; ${(bytes / Math.max(1, frames.length)).toFixed(0)} bytes per frame`,
);
console.log(
  JSON.stringify({
    bench: 'frame-js',
    panel: PANEL,
    inkMs: median(frames),
    layerMs: median(layer),
    tickMs: median(ticks),
    bytesPerFrame: bytes / Math.max(1, frames.length),
  }),
);
