/**
 * Golden screens of every BPF panel not drawn from the fake kernel (biotop, filetop, cachetop, runqlen) at 80×24 and
 * 120×40, and of the states every panel can be in: help, detail, empty, standby, too small. Each panel's frame comes
 * from its own model (derive, stats, summarize) over three synthetic samples, as the engine builds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../helpers/ink.js';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { EMPTY_SUMMARY } from '../../src/frame.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { sortRows } from '../../src/panels/sort.js';
import { PANELS } from '../../src/panels/registry.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { execsnoopPanel } from '../../src/panels/execsnoop.js';
import { profilePanel } from '../../src/panels/profile.js';
import { homePanel } from '../../src/panels/home.js';
import { toolsPanel } from '../../src/panels/tools.js';
import { homeFrame } from '../helpers/checklist.js';
import { fixtureOf } from '../panels/index.js';
import { App } from '../../views/App.js';
import { CATALOG } from '../helpers/fixtures.js';
import { assertGolden } from '../helpers/golden.js';
import { until } from '../helpers/screen.js';

/** The panel's frame after `samples` read one second apart: rows of the last interval, history of every one. */
function panelFrame(def: AnyPanelDef, samples: readonly unknown[]): PanelFrame {
  const history: Record<string, (number | null)[]> = {};
  let rows: ReturnType<AnyPanelDef['derive']> = [];
  let stats: Record<string, number> = {};
  for (let i = 1; i < samples.length; i++) {
    rows = def.derive(samples[i], samples[i - 1], 1e9);
    stats = def.stats(samples[i], samples[i - 1]);
    for (const id of Object.keys(history)) history[id]!.push(null);
    for (const r of rows) (history[r.id] ??= new Array<number | null>(i - 1).fill(null)).push(def.trend(r));
    for (const id of Object.keys(history)) history[id] = history[id]!.slice(-i);
  }
  const tier = def.source.kind === 'bpf' ? def.source.tiers[def.source.tiers.length - 1]! : null;
  return {
    id: def.id,
    status: 'ok',
    tier: tier?.name ?? 'proc',
    hooks: tier?.hooks ?? '',
    reason: null,
    attempts: [],
    attachedAt: def.attach === 'on-screen' ? '2026-11-25T12:00:00.000Z' : null,
    rows: sortRows(def, rows, def.defaultSort),
    summary: def.summarize(rows, stats, 1e9),
    stats,
    history: Object.fromEntries(rows.map((r) => [r.id, history[r.id]!])),
    ...(def.recentEvents ? { events: def.recentEvents(samples[samples.length - 1]) } : {}),
  };
}

const frameOf = (...panels: PanelFrame[]): Frame => ({
  time: '2026-11-25T12:00:03.000Z',
  elapsedNs: 1e9,
  panels,
  self: { cpuPct: 0.8, rssBytes: 100 * 1048576 },
});

function app(frame: Frame, width: number, height: number) {
  return render(
    <App
      store={{ subscribe: () => () => {}, getSnapshot: () => frame }}
      catalog={CATALOG}
      width={width}
      height={height}
      hostname="host1"
      kernel="6.18.0"
      intervalS={1}
      onQuit={() => {}}
    />,
  );
}

/** Every panel whose fixture gives samples (test/panels/ID.ts): the others are drawn from the fake kernel. */
const SAMPLED = PANELS.flatMap((def) => {
  const s = fixtureOf(def).samples;
  return s ? [{ def, samples: s.make, seen: s.shows }] : [];
});
const samplesOf = (def: AnyPanelDef): unknown[] => fixtureOf(def).samples!.make();

for (const { def, samples, seen } of SAMPLED) {
  for (const [w, h] of [
    [80, 24],
    [120, 40],
  ] as const) {
    test(`${def.id} at ${w}×${h}`, async () => {
      const frame = frameOf(panelFrame(def, samples()));
      assert.ok(frame.panels[0]!.rows.length > 0, `${def.id}: the model made rows`);
      const r = app(frame, w, h);
      const out = await until(r.lastFrame, (s) => s.includes(seen), `${def.id}'s table`);
      assertGolden(`${def.id}-${w}`, out);
      r.unmount();
    });
  }
}

test('profile: v lists the top functions, f draws the flame graph (120×40 and 80×24), Enter zooms into the selected frame', async () => {
  for (const [w, h] of [
    [120, 40],
    [80, 24],
  ] as const) {
    const r = app(frameOf(panelFrame(profilePanel, samplesOf(profilePanel))), w, h);
    await until(r.lastFrame, (s) => s.includes('STACK'), 'the stacks');
    if (w === 120) {
      r.stdin.write('v');
      const fns = await until(r.lastFrame, (s) => /SELF%\s+TOTAL%/.test(s), 'the top functions');
      assertGolden('profile-functions-120', fns);
      assert.match(fns, /v stacks/, 'the key line says how to go back');
      r.stdin.write('v');
      await until(r.lastFrame, (s) => s.includes('STACK'), 'the stacks again');
    }
    r.stdin.write('f');
    const flame = await until(r.lastFrame, (s) => s.includes('flame graph of CPU samples: all'), 'the flame graph');
    assertGolden(`profile-flame-${w}`, flame);
    if (w === 120) {
      // Down to burn (the heaviest process), its start, main: Enter zooms into main.
      r.stdin.write('\x1b[B');
      r.stdin.write('\x1b[B');
      r.stdin.write('\x1b[B');
      await until(r.lastFrame, (s) => s.includes('flame graph of CPU samples: main —'), 'main selected');
      r.stdin.write('\r');
      const zoomed = await until(r.lastFrame, (s) => s.includes('zoomed into main'), 'zoomed into main');
      assertGolden('profile-flame-zoom-120', zoomed);
    }
    r.unmount();
  }
});

test("help at 80×24: biotop's columns first, then the keys", async () => {
  const r = app(frameOf(panelFrame(biotopPanel, samplesOf(biotopPanel))), 80, 24);
  r.stdin.write('?');
  const out = await until(r.lastFrame, (s) => /^biotop: columns$/m.test(s), 'the help');
  assertGolden('help-80', out);
  r.unmount();
});

test("detail at 80×24: biotop's top row, its fields and its history chart", async () => {
  const r = app(frameOf(panelFrame(biotopPanel, samplesOf(biotopPanel))), 80, 24);
  r.stdin.write('\r');
  const out = await until(r.lastFrame, (s) => s.includes('Esc or q back'), 'the detail view');
  assertGolden('detail-80', out);
  r.unmount();
});

test('execsnoop: v lists the recent execs newest first (a failed one in red), Enter opens one, v again shows the counts', async () => {
  const r = app(frameOf(panelFrame(execsnoopPanel, samplesOf(execsnoopPanel))), 120, 24);
  await until(r.lastFrame, (s) => s.includes('LAST ARGS'), 'the counts');
  r.stdin.write('v');
  const events = await until(r.lastFrame, (s) => s.includes('recent execs') || /TIME +PID/.test(s), 'the recent execs');
  assertGolden('execsnoop-events-120', events);
  assert.match(events, /v counts/, 'the key line says how to go back');
  r.stdin.write('\r');
  const detail = await until(r.lastFrame, (s) => s.includes('Esc or q back'), "the newest exec's detail");
  assert.match(detail, /argv: \/opt\/app\/bin\/missing --now \(2 kept\)/);
  assert.match(detail, /result: -2 ENOENT/);
  r.stdin.write('\x1b');
  await until(r.lastFrame, (s) => !s.includes('Esc or q back'), 'back to the events');
  r.stdin.write('v');
  await until(r.lastFrame, (s) => s.includes('LAST ARGS'), 'the counts again');
  r.unmount();
});

test('b opens the BCC tools checklist from home, Enter opens a tool’s panel, b comes back to it, and b again goes home', async () => {
  const home = (await homeFrame()).panels.find((p) => p.id === homePanel.id)!;
  const r = app(frameOf(home, ...[toolsPanel, execsnoopPanel].map((d) => panelFrame(d, samplesOf(d)))), 120, 30);
  await until(r.lastFrame, (s) => /^ 1 uptime/m.test(s), 'home');
  r.stdin.write('b');
  await until(r.lastFrame, (s) => s.includes('the BCC tools checklist'), 'the tools page');
  r.stdin.write('\r');
  await until(r.lastFrame, (s) => s.includes('LAST ARGS'), "execsnoop, the first tool's panel");
  r.stdin.write('b');
  await until(r.lastFrame, (s) => s.includes('the BCC tools checklist'), 'the tools page again');
  r.stdin.write('b');
  await until(r.lastFrame, (s) => /^ 1 uptime/m.test(s), 'home again');
  r.unmount();
});

test('empty, standby and too small at 80×24', async () => {
  const quiet = panelFrame(biotopPanel, [samplesOf(biotopPanel)[0], samplesOf(biotopPanel)[0]]);
  assert.equal(quiet.rows.length, 0);
  let r = app(frameOf(quiet), 80, 24);
  assertGolden('empty-80', await until(r.lastFrame, (s) => s.includes('no activity'), 'the empty table'));
  r.unmount();
  const standby: PanelFrame = {
    ...quiet,
    id: filetopPanel.id,
    status: 'standby',
    tier: null,
    hooks: null,
    reason: 'attached while on screen (its hooks run on every read and write)',
    rows: [],
    summary: EMPTY_SUMMARY,
    stats: {},
    history: {},
  };
  r = app(frameOf(standby), 80, 24);
  assertGolden('standby-80', await until(r.lastFrame, (s) => s.includes('not attached'), 'the standby line'));
  r.unmount();
  r = app(frameOf(quiet), 59, 24);
  assertGolden('too-small-59', await until(r.lastFrame, (s) => s.includes('too small'), 'the message'));
  r.unmount();
});
