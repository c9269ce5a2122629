/** A replay's timeline: verdicts per step and frame, folded into columns, drawn, and moved through with keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdictTimeline } from '../../src/timeline.js';
import { columnOf, timelineColumns, timelineLines } from '../../views/Timeline.js';
import { initialUiState, reduceInput, type UiContext } from '../../views/state.js';
import { RECORDING_FORMAT, RecordingReader, RecordingWriter } from '../../src/persist/recording.js';
import { storedFrame } from '../../src/persist/frames.js';
import { CATALOG, fixtureFrames } from '../helpers/fixtures.js';

const home = (verdicts: Record<string, string>): unknown => ({ id: 'home', rows: Object.entries(verdicts).map(([id, verdict]) => ({ id, verdict })) });
const T0 = Date.UTC(2026, 11, 7, 3, 0, 0);

/** 8 frames a second apart: iostat turns bad at frame 5, uptime looks at frame 2; frame 3 could not be read. */
const SERIES = [
  home({ uptime: 'ok', iostat: 'ok' }),
  home({ uptime: 'ok', iostat: 'ok' }),
  home({ uptime: 'look', iostat: 'ok' }),
  null,
  home({ uptime: 'ok', iostat: 'ok' }),
  home({ uptime: 'ok', iostat: 'bad' }),
  home({ uptime: 'ok', iostat: '-' }),
  home({ uptime: 'ok', iostat: 'ok' }),
];
const TIMES = SERIES.map((_, i) => T0 + i * 1000);

test('verdicts per step and frame; columns hold the worst of their frames and go to its first worst moment', () => {
  const t = verdictTimeline(SERIES, TIMES);
  assert.deepEqual(t.steps, ['uptime', 'iostat']);
  assert.deepEqual([...t.levels[0]!], [1, 1, 2, 0, 1, 1, 1, 1]);
  assert.deepEqual([...t.levels[1]!], [1, 1, 1, 0, 1, 3, 0, 1]);
  // As many columns as frames when there is room: each column its frame.
  const wide = timelineColumns(t, 100);
  assert.equal(wide.columns, 8);
  assert.deepEqual(wide.jump, [0, 1, 2, 3, 4, 5, 6, 7]);
  // Four columns of two frames: the worst of each pair, and Enter's frame the first worst of any step.
  const four = timelineColumns(t, 4);
  assert.deepEqual(four.first, [0, 2, 4, 6]);
  assert.deepEqual([...four.worst[0]!], [1, 2, 1, 1]);
  assert.deepEqual([...four.worst[1]!], [1, 1, 3, 1]);
  assert.deepEqual(four.jump, [0, 2, 5, 6]);
  assert.deepEqual(
    [0, 1, 5, 7].map((f) => columnOf(four, f)),
    [0, 0, 2, 3],
  );
  // A damaged or crafted value counts as no verdict, never as an error.
  assert.deepEqual(verdictTimeline(['{', { rows: 5 }, [null], { rows: [null, 7, { id: 3 }] }, home({ x: 'bad' })], [1, 2, 3, 4, 5]).steps, ['x']);
});

test('drawn: a line per step, the cursor in inverse video, ▲ under the frame on screen, what Enter does', () => {
  const t = verdictTimeline(SERIES, TIMES);
  const cols = timelineColumns(t, 4);
  const lines = timelineLines(t, cols, 2, 1);
  assert.deepEqual(
    lines.map((l) => l.text),
    [
      'timeline of the checklist 03:00:00 → 03:00:07 UTC, 8 frames, 1.8 s a column: the worst verdict  █ bad  ▒ look  · ok',
      'uptime   ·▒··',
      'iostat   ··█·',
      '          ▲ on screen',
      'cursor 03:00:04–03:00:05: worst bad (iostat) at 03:00:05; Enter goes there (frame 6)',
    ],
  );
  assert.ok(lines[2]!.parts!.some((p) => p.inverse && p.text === '█'));
});

test('keys: L opens it at the frame on screen, ←→ End move, Enter goes to the column’s frame and closes; without one, L asks the host', () => {
  const ctx: UiContext = {
    panelIds: ['home'],
    rowIds: [],
    pageRows: 10,
    columnKeys: [],
    defaultSort: { key: 'step', descending: false },
    replay: true,
    timeline: { columns: 4, at: 1, jump: [0, 2, 5, 7] },
  };
  let s = reduceInput(initialUiState(['home']), { key: 'L' }, ctx);
  assert.equal(s.timeline, -1);
  s = reduceInput(s, { key: 'right' }, ctx);
  assert.equal(s.timeline, 2);
  s = reduceInput(reduceInput(s, { key: 'right' }, ctx), { key: 'right' }, ctx);
  assert.equal(s.timeline, 3, 'not past the last column');
  s = reduceInput(s, { key: 'home' }, ctx);
  assert.equal(s.timeline, 0);
  s = reduceInput(reduceInput(s, { key: 'right' }, ctx), { key: 'right' }, ctx);
  s = reduceInput(s, { key: 'enter' }, ctx);
  assert.equal(s.timeline, null);
  assert.deepEqual(s.commands.at(-1)?.cmd, { type: 'goFrame', frame: 5 });
  assert.equal(reduceInput(reduceInput(s, { key: 'L' }, ctx), { key: 'esc' }, ctx).timeline, null);
  // Live (no timeline): the host says where it is.
  const { timeline: _t, ...live } = ctx;
  const l = reduceInput(initialUiState(['home']), { key: 'L' }, { ...live, replay: false });
  assert.equal(l.timeline ?? null, null);
  assert.deepEqual(l.commands.at(-1)?.cmd, { type: 'timeline' });
});

test("a recording's panel series: one panel decoded alone, the same JSON as decoding whole frames", async () => {
  const frames = (await fixtureFrames(70)).map((f, i) => ({ ...f, time: new Date(T0 + i * 1000).toISOString() }));
  const dir = mkdtempSync(join(tmpdir(), 'sixty-timeline-'));
  try {
    const path = join(dir, 'a.sixtyrec');
    const meta = {
      format: RECORDING_FORMAT,
      schemaVersion: 1,
      sixty: '0.1.0',
      host: { hostname: 'h', kernel: 'k', cpus: 2 },
      intervalS: 1,
      startedAt: frames[0]!.time,
      rowsPerPanel: 200,
    };
    const w = new RecordingWriter(path, meta as never, { catalog: CATALOG, sync: false });
    for (const f of frames) {
      w.add(f);
      await w.drain();
    }
    await w.close();
    const r = new RecordingReader(path, CATALOG);
    const series = r.panelSeries('softirqs');
    assert.equal(series.length, frames.length);
    const events = new Map<string, number>();
    for (let i = 0; i < frames.length; i++) {
      const stored = (storedFrame(frames[i]!, CATALOG, 200, events) as { panels: { id: string }[] }).panels.find((p) => p.id === 'softirqs');
      assert.deepEqual(series[i], JSON.parse(JSON.stringify(stored)), `frame ${i}`);
    }
    assert.deepEqual(
      r.panelSeries('nosuchpanel'),
      frames.map(() => null),
    );
    r.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
