/**
 * The console's memory stays flat over thousands of frames: short-lived connections come and go, every line changes
 * every frame. (Two leaks found by a soak: samples chained through a cache, and Ink's never-cleared cache of every
 * distinct text it measured.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { render } from 'ink';
import { App } from '../../views/App.js';
import { encode } from '../../src/records/layout.js';
import { fakeKernel, setMap } from '../helpers/fake-addon.js';
import { CATALOG, testEngine, TCPTOP, tcptopEntries, tcptopPanel, u32key } from '../helpers/fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('800 frames of a churning tcptop, drawn at 120×40: the heap does not grow', async (ctx) => {
  const kernel = fakeKernel();
  const t = testEngine([tcptopPanel], { kernel });
  let created = 0;
  const step = (k: number): void => {
    // 20 steady connections, and a new short one every other interval that is gone the next.
    const list = Array.from({ length: 20 }, (_, i) => ({
      sk: BigInt(i + 1),
      pid: 100,
      lport: 1000 + i,
      rport: 80,
      rx: BigInt(k * 512),
      tx: BigInt(k * 512),
      family: 2 as const,
      laddr: [127, 0, 0, 1],
      raddr: [127, 0, 0, 1],
      comm: 'steady',
    }));
    if (k % 2 === 0) {
      created++;
      list.push({
        sk: BigInt(100_000 + k),
        pid: 200,
        lport: 30_000 + (k % 20_000),
        rport: 80,
        rx: 100n,
        tx: 100n,
        family: 2,
        laddr: [127, 0, 0, 1],
        raddr: [127, 0, 0, 1],
        comm: 'short',
      });
    }
    setMap(kernel, 'tcptop_conns', TCPTOP.key.size, TCPTOP.val.size, tcptopEntries(list), 65536);
    setMap(
      kernel,
      'tcptop_stats',
      4,
      8,
      [
        [u32key(0), encode(TCPTOP.stat, { count: 0n })],
        [u32key(1), encode(TCPTOP.stat, { count: BigInt(20 + created) })],
      ],
      3,
    );
    setMap(kernel, 'tcptop_big', TCPTOP.key.size, TCPTOP.val.size, [], 4096);
  };
  step(0);
  await t.engine.open();
  const out = new PassThrough();
  Object.assign(out, { columns: 120, rows: 40, isTTY: true });
  // Frames are counted as Ink draws them (its onRender hook), not as it writes them: Ink writes nothing when it
  // believes it runs in CI, and nothing when a frame is the same as the one before.
  let drawn = 0;
  const ink = render(<App store={t.engine.store} catalog={CATALOG} width={120} height={40} hostname="h" intervalS={1} onQuit={() => {}} />, {
    stdout: out as unknown as NodeJS.WriteStream,
    patchConsole: false,
    exitOnCtrlC: false,
    maxFps: 0, // no throttle: every tick is drawn at once
    onRender: () => drawn++,
  });
  const heap = (): number => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  let at200 = 0;
  try {
    for (let k = 1; k <= 800; k++) {
      step(k);
      const before = drawn;
      t.engine.tick();
      const deadline = Date.now() + 10_000;
      while (drawn === before) {
        assert.ok(Date.now() < deadline, `frame ${k} was never drawn`);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (k === 200) at200 = heap();
    }
    const growth = heap() - at200;
    ctx.diagnostic(`heap growth over the last 600 frames: ${(growth / 1e6).toFixed(2)} MB`);
    assert.ok(growth < 1e6, `the heap grew ${(growth / 1e6).toFixed(2)} MB over the last 600 frames`);
  } finally {
    ink.unmount();
    t.engine.close();
  }
});
