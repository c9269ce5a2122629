// Where sixty's memory goes: RSS at each stage of a start (bare node, ink and react imported, sixty's modules, every
// panel opened, the console drawn for TICKS frames at 120×40), split into the V8 heap (and its code space), memory
// outside the heap (`external`: yoga's WebAssembly memory), glibc's main heap, other anonymous mappings (the malloc
// arenas of threads) and mapped files (node's own code). Each arm runs in a fresh process, with and without the
// launcher's settings (a 2 MB young generation; one malloc arena trimmed early), so what each buys shows.
// Usage (root, after npm run build): node bench/memory.mjs [ticks=10]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const TICKS = Number((process.argv[2] === '--child' ? process.argv[3] : process.argv[2]) ?? 10);
const MB = 1 << 20;

function measure(stage) {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  let mallocHeap = 0;
  let anonMaps = 0;
  for (const e of readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const head = e.slice(0, e.indexOf('\n'));
    const rss = Number(/\nRss:\s+(\d+)/.exec(e)?.[1] ?? 0);
    const name = head.split(/\s+/).slice(5).join(' ');
    if (name === '[heap]') mallocHeap += rss;
    else if (name === '') anonMaps += rss;
  }
  const m = process.memoryUsage();
  const code = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'code_space')?.space_used_size ?? 0;
  return {
    stage,
    rssMb: kb('VmRSS') / 1024,
    fileMb: kb('RssFile') / 1024,
    heapMb: m.heapTotal / MB,
    heapUsedMb: m.heapUsed / MB,
    codeMb: code / MB,
    externalMb: m.external / MB,
    mallocHeapMb: mallocHeap / 1024,
    anonMapsMb: anonMaps / 1024,
  };
}

async function child() {
  process.env.NODE_ENV = 'production';
  const out = [measure('bare node')];
  const { createElement } = await import('react');
  const { render } = await import('ink');
  out.push(measure('ink + react'));
  const { Engine } = await import('../build/js/src/engine.js');
  const { CATALOG, PANELS } = await import('../build/js/src/panels/registry.js');
  const { App } = await import('../build/js/views/App.js');
  const { PassThrough } = await import('node:stream');
  out.push(measure("sixty's modules"));
  const engine = new Engine({ panels: PANELS, intervalMs: 1000 });
  await engine.open();
  out.push(measure('every panel open'));
  const stdout = new PassThrough();
  stdout.resume();
  Object.assign(stdout, { columns: 120, rows: 40, isTTY: true });
  const ink = render(createElement(App, { store: engine.store, catalog: CATALOG, width: 120, height: 40, hostname: 'bench', intervalS: 1, onQuit: () => {} }), {
    stdout,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  for (let i = 0; i < TICKS; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    engine.tick();
  }
  await new Promise((r) => setTimeout(r, 200));
  out.push(measure(`${TICKS} frames drawn`));
  ink.unmount();
  engine.close();
  process.stdout.write(`\n${JSON.stringify(out)}\n`);
}

if (process.argv[2] === '--child') {
  await child();
} else {
  const self = fileURLToPath(import.meta.url);
  const arms = [
    { name: 'node defaults', flags: [], env: {} },
    { name: '--max-semi-space-size=2', flags: ['--max-semi-space-size=2'], env: {} },
    {
      name: 'launcher: semi-space 2 MB + one malloc arena',
      flags: ['--max-semi-space-size=2'],
      env: { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072' },
    },
  ];
  console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), kernel ${os.release()}, node ${process.version}`);
  const results = [];
  for (const arm of arms) {
    const env = { ...process.env, ...arm.env };
    delete env.NODE_OPTIONS;
    const stages = JSON.parse(
      execFileSync(process.execPath, [...arm.flags, self, '--child', String(TICKS)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
        .split('\n')
        .filter((l) => l.startsWith('['))
        .pop(),
    );
    console.log(`\n${arm.name}`);
    console.log('  stage                 RSS   files  V8 heap (code)  external  malloc heap  other anon');
    for (const s of stages) {
      console.log(
        `  ${s.stage.padEnd(20)} ${s.rssMb.toFixed(0).padStart(4)}  ${s.fileMb.toFixed(0).padStart(5)}  ${s.heapMb.toFixed(0).padStart(7)} (${s.codeMb.toFixed(1)})  ${s.externalMb.toFixed(0).padStart(8)}  ${s.mallocHeapMb.toFixed(0).padStart(11)}  ${s.anonMapsMb.toFixed(0).padStart(10)}`,
      );
    }
    results.push({ arm: arm.name, stages });
  }
  console.log(JSON.stringify({ bench: 'memory', ticks: TICKS, results }));
}
