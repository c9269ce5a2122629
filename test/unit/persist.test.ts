/** Snapshots, recordings and replay, on the fake engine's frames: round trips, crashes, damage, rotation, fuzzing. */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import type { Frame } from '../../src/frame.js';
import { checkFrame, FormatError, storedFrame } from '../../src/persist/frames.js';
import { BLOCK, RecordingReader, RecordingRefused, RecordingWriter, type Recorder } from '../../src/persist/recording.js';
import { recordEachTick } from '../../src/modes/common.js';
import { Store } from '../../src/store.js';
import { checkSnapshot, parseSnapshot, snapshotDocument, snapshotStem, writeSnapshot } from '../../src/persist/snapshot.js';
import { csvField, csvHeader, csvRows } from '../../src/persist/csv.js';
import { dirFailure } from '../../src/persist/output.js';
import { panelById } from '../../src/panels/registry.js';
import { ReplayPlayer, ReplayStore, snapshotSource, TrendRebuilder, type ReplaySource } from '../../src/replay.js';
import { renderFrameText } from '../../views/text.js';
import { escapeLines } from '../../src/format.js';
import { frameToJson } from '../../src/json.js';
import { CATALOG, fixtureFrames, inScratch as inScratchDir, RECORDING_META } from '../helpers/fixtures.js';
import { ROOT } from '../../src/paths.js';

const FRAMES = await fixtureFrames(130);
const META = RECORDING_META;

const inScratch = (f: (dir: string) => Promise<void>): Promise<void> => inScratchDir('persist', f);
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const withoutHistory = (f: Frame): unknown => plain({ ...f, panels: f.panels.map(({ history: _h, byProcess: _b, ...p }) => p) });
/** What a snapshot keeps: all but the per-process totals (made for the metrics endpoint, not for reading back). */
const asSnapshot = (f: Frame): unknown => plain({ ...f, panels: f.panels.map(({ byProcess: _b, ...p }) => p) });
/** A live frame as a recording keeps it: rounded as the JSON output, without trends. */
const asRecorded = (f: Frame): unknown => withoutHistory(checkFrame(plain(storedFrame(f, CATALOG)), CATALOG, false));

async function record(path: string, frames: readonly Frame[], maxBytes: number | null = null): Promise<RecordingWriter> {
  const w = new RecordingWriter(path, META, { catalog: CATALOG, maxBytes });
  // As live: each frame is on disk before the next comes (a second later).
  for (const f of frames) {
    w.add(f);
    await w.drain();
  }
  await w.close();
  assert.equal(w.status.error, null);
  return w;
}

/** The byte offset where record i starts (its header), by walking the file's headers. */
function recordOffsets(buf: Buffer): number[] {
  let pos = 13 + buf.readUInt32LE(9) + 4;
  const out: number[] = [];
  while (pos < buf.length) {
    out.push(pos);
    pos += 20 + buf.readUInt32LE(pos + 4);
  }
  return out;
}

test('a recording round trip: every frame as it was published, and trends rebuilt as the engine built them', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    const w = await record(path, FRAMES);
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, FRAMES.length);
    assert.equal(r.tornTail, false);
    assert.equal(w.status.bytes, statSync(path).size);
    for (let i = 0; i < FRAMES.length; i++) assert.deepEqual(withoutHistory(r.frame(i)), asRecorded(FRAMES[i]!), `frame ${i}`);
    // Stepping forward, and jumping (which replays the frames before): the trends the engine had.
    // (Recorded rows are rounded as the JSON output rounds them, and so are trends made from them.)
    const r3 = (h: Readonly<Record<string, readonly (number | null)[]>>): unknown =>
      Object.fromEntries(Object.entries(h).map(([id, xs]) => [id, xs.map((x) => (x === null ? null : Math.round(x * 1000) / 1000))]));
    const seq = new TrendRebuilder(r, panelById);
    for (let i = 0; i < FRAMES.length; i++) {
      const f = seq.at(i);
      for (const p of f.panels) assert.deepEqual(r3(p.history), r3(FRAMES[i]!.panels.find((x) => x.id === p.id)!.history), `frame ${i} ${p.id}`);
    }
    // A jump replays only the trend's length of frames: the series are the same, but where a row was idle (0) for
    // longer than the window, the engine had dropped and restarted its series and the rebuild cannot know when. Both
    // draw the same: leading zeros are blanks.
    const drawn = (h: Readonly<Record<string, readonly (number | null)[]>>): Record<string, (number | null)[]> => {
      const out: Record<string, (number | null)[]> = {};
      for (const [id, xs] of Object.entries(h)) {
        const first = xs.findIndex((x) => x !== 0 && x !== null);
        if (first >= 0) out[id] = xs.slice(first).map((x) => (x === null ? null : Math.round(x * 1000) / 1000));
      }
      return out;
    };
    for (const i of [100, 3, 129, 61]) {
      const f = new TrendRebuilder(r, panelById).at(i);
      for (const p of f.panels) assert.deepEqual(drawn(p.history), drawn(FRAMES[i]!.panels.find((x) => x.id === p.id)!.history), `jump to ${i} ${p.id}`);
    }
    // Frames lean on the one before: far smaller than their JSON.
    const json = FRAMES.reduce((s, f) => s + JSON.stringify(storedFrame(f, CATALOG)).length, 0);
    assert.ok(w.status.bytes < json / 4, `${w.status.bytes} bytes recorded for ${json} bytes of JSON`);
    r.close();
  });
});

test('record → replay → export: the snapshot of a replayed frame has the rows that were recorded', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, 40));
    const r = new RecordingReader(path, CATALOG);
    const shown = new ReplayStore(r, panelById);
    shown.go(33);
    const doc = JSON.stringify(
      snapshotDocument({ host: META.host, sixty: '0.1.0', intervalS: 1, createdAt: '2026-11-25T12:01:00.000Z' }, shown.getSnapshot(), CATALOG),
    );
    const back = parseSnapshot(Buffer.from(doc), CATALOG);
    assert.deepEqual(withoutHistory(back.frame), asRecorded(FRAMES[33]!));
    assert.deepEqual(
      plain(back.frame.panels.map((p) => p.history)),
      plain(shown.getSnapshot().panels.map((p) => p.history)),
      'with the trends the replay showed',
    );
    r.close();
  });
});

test('replay store: [ ] one interval, { } a minute of recorded time, kept in range; a snapshot is one frame', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES);
    const r = new RecordingReader(path, CATALOG);
    const s = new ReplayStore(r, panelById);
    let seen = 0;
    s.subscribe(() => seen++);
    assert.equal(s.describe(), 'frame 1 of 130');
    s.step(-1, 'interval');
    assert.equal(s.position, 0, 'not before the first');
    s.step(1, 'interval');
    s.step(1, 'minute');
    // Frames are one second apart: a minute on from frame 2 is frame 62.
    assert.equal(s.position, 61);
    assert.equal(s.getSnapshot().time, FRAMES[61]!.time);
    s.step(-1, 'minute');
    assert.equal(s.position, 1);
    s.step(1, 'minute');
    s.step(1, 'minute');
    s.step(1, 'minute');
    assert.equal(s.position, 129, 'not past the last');
    assert.ok(seen >= 5);
    const snap = new ReplayStore(snapshotSource(FRAMES[5]!), panelById);
    snap.step(1, 'interval');
    assert.equal(snap.getSnapshot(), FRAMES[5]);
    r.close();
  });
});

test('replay play (p): frames follow at the recorded pace, + doubles it, a gap plays as 5 s at most, it stops at the end or at a damaged frame', () => {
  // Frames 1 s apart, but a 10-minute gap after frame 3 (sixty was not running) and frame 6 damaged.
  const times = FRAMES.slice(0, 8).map((_f, i) => Date.parse(FRAMES[0]!.time) + i * 1000 + (i > 3 ? 600_000 : 0));
  const source: ReplaySource = {
    frames: 8,
    frame: (i) => {
      if (i === 6) throw new FormatError('frame 7 is damaged');
      return FRAMES[i]!;
    },
    timeOf: (i) => times[i]!,
    seekTime: (ms) =>
      Math.max(
        0,
        times.findIndex((t) => t >= ms),
      ),
    withHistory: false,
  };
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const store = new ReplayStore(source, panelById);
    const ends: (string | null)[] = [];
    const player = new ReplayPlayer(store, (e) => ends.push(e));
    assert.equal(player.describe(), '');
    player.toggle();
    assert.equal(player.describe(), '  ▶ 1×');
    mock.timers.tick(999);
    assert.equal(store.position, 0, 'not before the recorded second');
    mock.timers.tick(1);
    assert.equal(store.position, 1);
    player.faster(1);
    assert.equal(player.speed, 2);
    mock.timers.tick(500);
    assert.equal(store.position, 2, 'twice as fast');
    player.faster(-1);
    player.faster(-1);
    assert.equal(player.speed, 1, 'not slower than recorded');
    mock.timers.tick(1000);
    assert.equal(store.position, 3);
    mock.timers.tick(4999);
    assert.equal(store.position, 3, 'the gap plays as 5 s');
    mock.timers.tick(1);
    assert.equal(store.position, 4);
    player.toggle();
    mock.timers.tick(10_000);
    assert.equal(store.position, 4, 'p stops it');
    player.toggle();
    mock.timers.tick(1000);
    assert.equal(store.position, 5);
    mock.timers.tick(1000);
    assert.equal(store.position, 5, 'the damaged frame stops the play where it was');
    assert.equal(player.playing, false);
    assert.deepEqual(ends, ['frame 7 is damaged']);
    store.go(7);
    assert.equal(store.position, 7, 'the frame after a damaged one is shown (its trend has a gap)');
    player.toggle();
    assert.equal(store.position, 0, 'p at the last frame plays from the first');
    for (let i = 0; i < 6; i++) player.faster(1);
    assert.equal(player.speed, 60, 'not faster than the fastest');
    mock.timers.tick(49);
    assert.equal(store.position, 0, 'a frame every 50 ms at most, whatever the speed');
    mock.timers.tick(1);
    assert.equal(store.position, 1);
    player.stop();
    // A play that reaches the last frame stops there and says so, once.
    const shortEnds: (string | null)[] = [];
    const short = new ReplayPlayer(new ReplayStore({ ...source, frames: 3 }, panelById), (e) => shortEnds.push(e));
    short.toggle();
    for (let i = 0; i < 5; i++) mock.timers.tick(1000);
    assert.equal(short.playing, false);
    assert.deepEqual(shortEnds, [null]);
  } finally {
    mock.timers.reset();
  }
});

test('a crash tears only the last frame: it is left out and the rest replays', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, 20));
    const whole = readFileSync(path);
    const last = recordOffsets(whole).at(-1)!;
    for (const keep of [last + 1, last + 19, last + 20, last + 21, whole.length - 1]) {
      writeFileSync(path, whole.subarray(0, keep));
      const r = new RecordingReader(path, CATALOG);
      assert.deepEqual([r.frames, r.tornTail], [19, true], `cut at ${keep} of ${whole.length}`);
      assert.deepEqual(withoutHistory(r.frame(18)), asRecorded(FRAMES[18]!));
      r.close();
    }
    // A power cut: the last record's length on disk, its data not (zeros).
    const zeroed = Buffer.from(whole);
    zeroed.fill(0, last + 20);
    writeFileSync(path, zeroed);
    const r = new RecordingReader(path, CATALOG);
    assert.deepEqual([r.frames, r.tornTail], [19, true]);
    r.close();
  });
});

test('damage anywhere else is one FormatError line, naming the frame', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, 20));
    const whole = readFileSync(path);
    const at = recordOffsets(whole)[10]!;
    const bad = Buffer.from(whole);
    bad[at + 25] = bad[at + 25]! ^ 0xff;
    writeFileSync(path, bad);
    // The headers are read at open; a payload's checksum when the frame is read: frame 11 is refused, those before it
    // are shown.
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, 20);
    assert.deepEqual(withoutHistory(r.frame(9)), asRecorded(FRAMES[9]!));
    assert.throws(
      () => r.frame(10),
      (e: Error) => e instanceof FormatError && /damaged record at byte \d+ \(frame 11: checksum\)/.test(e.message),
    );
    r.close();
    const header = Buffer.from(whole);
    header[15] = header[15]! ^ 0x01;
    writeFileSync(path, header);
    assert.throws(() => new RecordingReader(path, CATALOG), /the recording header is damaged \(checksum\)/);
    writeFileSync(path, Buffer.concat([Buffer.from('SIXTYREC'), Buffer.from([7])]));
    assert.throws(() => new RecordingReader(path, CATALOG), /truncated|container of version 7/);
  });
});

test('--record-max: past the bound FILE becomes FILE.1 and a new FILE starts; each stands alone', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    const max = 8192;
    const w = await record(path, FRAMES, max);
    assert.ok(w.status.rotations >= 2, `${w.status.rotations} rotations`);
    assert.equal(w.status.frames, FRAMES.length);
    const cur = new RecordingReader(path, CATALOG);
    const old = new RecordingReader(`${path}.1`, CATALOG);
    assert.ok(statSync(path).size <= max && statSync(`${path}.1`).size <= max);
    // The newest file ends with the last frame; the one before ends where it begins.
    assert.deepEqual(withoutHistory(cur.frame(cur.frames - 1)), asRecorded(FRAMES.at(-1)!));
    assert.deepEqual(withoutHistory(old.frame(old.frames - 1)), asRecorded(FRAMES[FRAMES.length - cur.frames - 1]!));
    assert.deepEqual(withoutHistory(cur.frame(0)), asRecorded(FRAMES[FRAMES.length - cur.frames]!));
    cur.close();
    old.close();
    assert.deepEqual(readdirSync(dir).sort(), ['a.rec', 'a.rec.1']);
  });
});

test('a disk that does not keep up: frames are dropped (and counted), never queued without bound; the file stays whole', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    const w = new RecordingWriter(path, META, { catalog: CATALOG });
    // Frames faster than the disk takes them: none is written before all are offered.
    for (const f of FRAMES) w.add(f);
    await w.close();
    assert.ok(w.status.dropped > 0 && w.status.frames + w.status.dropped === FRAMES.length, JSON.stringify(w.status));
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, w.status.frames);
    for (let i = 0; i < r.frames; i++) assert.deepEqual(withoutHistory(r.frame(i)), asRecorded(FRAMES[i]!));
    r.close();
  });
});

test('recording to an existing recording extends it; anything else is refused', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, 10));
    await record(path, FRAMES.slice(10, 25));
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, 25);
    assert.deepEqual(withoutHistory(r.frame(10)), asRecorded(FRAMES[10]!));
    assert.deepEqual(withoutHistory(r.frame(24)), asRecorded(FRAMES[24]!));
    r.close();
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'my notes\n', { mode: 0o600 });
    assert.throws(() => new RecordingWriter(other, META, { catalog: CATALOG }), FormatError);
    assert.equal(readFileSync(other, 'utf8'), 'my notes\n', 'left as it was');
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});

test('a recording of container 1 (sixty before patches) replays, and is extended as it was written', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'old.rec');
    writeFileSync(path, readFileSync(join(ROOT, 'test', 'fixtures', 'recordings', 'v1.sixtyrec')), { mode: 0o600 });
    assert.equal(readFileSync(path)[8], 1);
    const old = new RecordingReader(path, CATALOG);
    const before = Array.from({ length: old.frames }, (_, i) => withoutHistory(old.frame(i)));
    old.close();
    await record(path, FRAMES.slice(0, BLOCK + 10));
    assert.equal(readFileSync(path)[8], 1, 'still container 1');
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, before.length + BLOCK + 10);
    for (let i = 0; i < before.length; i++) assert.deepEqual(withoutHistory(r.frame(i)), before[i], `old frame ${i}`);
    for (let i = 0; i < BLOCK + 10; i++) assert.deepEqual(withoutHistory(r.frame(before.length + i)), asRecorded(FRAMES[i]!), `new frame ${i}`);
    r.close();
    // A new recording is container 5: its frames after a block's first stored as patches, events by column, their texts
    // as references to the block's.
    const fresh = join(dir, 'new.rec');
    await record(fresh, FRAMES.slice(0, 3));
    assert.equal(readFileSync(fresh)[8], 5);
  });
});

test('a recording of container 2 (patches, the frame before as the dictionary) replays as it did, and is extended as it was written', async () => {
  await inScratch(async (dir) => {
    const fixture = join(ROOT, 'test', 'fixtures', 'recordings');
    const want = JSON.parse(readFileSync(join(fixture, 'c2.json'), 'utf8')) as { frames: number; sha256: string };
    const path = join(dir, 'c2.rec');
    writeFileSync(path, readFileSync(join(fixture, 'c2.sixtyrec')), { mode: 0o600 });
    assert.equal(readFileSync(path)[8], 2);
    const hash = (r: RecordingReader, n: number): string =>
      createHash('sha256')
        .update(JSON.stringify(Array.from({ length: n }, (_, i) => r.frame(i))))
        .digest('hex');
    const old = new RecordingReader(path, CATALOG);
    assert.equal(old.frames, want.frames);
    assert.equal(hash(old, old.frames), want.sha256, 'every frame as the sixty that wrote it read it back');
    old.close();
    await record(path, FRAMES.slice(0, BLOCK + 10));
    assert.equal(readFileSync(path)[8], 2, 'still container 2');
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, want.frames + BLOCK + 10);
    assert.equal(hash(r, want.frames), want.sha256);
    for (let i = 0; i < BLOCK + 10; i++) assert.deepEqual(withoutHistory(r.frame(want.frames + i)), asRecorded(FRAMES[i]!), `new frame ${i}`);
    r.close();
  });
});

test('container 3: a segment that comes back every few frames is found in the dictionary of the frames before, not only the last', async () => {
  await inScratch(async (dir) => {
    // Four frames over and over: from the second round, each frame's patches were all stored four frames before.
    const cycle = Array.from({ length: BLOCK - 1 }, (_, i) => FRAMES[i % 4]!);
    const path = join(dir, 'cycle.rec');
    await record(path, cycle);
    const bytes = readFileSync(path);
    const offsets = recordOffsets(bytes);
    const size = (i: number): number => (offsets[i + 1] ?? bytes.length) - offsets[i]!;
    const first = size(1) + size(2) + size(3);
    const later = Array.from({ length: 3 }, (_, k) => size(BLOCK - 4 + k)).reduce((a, b) => a + b, 0);
    // (Container 2, whose dictionary is the frame before alone, gave 509 bytes against 566; container 3 gives 198.)
    assert.ok(later * 2 < first, `the last rounds' frames cost ${later} bytes, the first round's ${first}`);
    const r = new RecordingReader(path, CATALOG);
    for (let i = 0; i < cycle.length; i++) assert.deepEqual(withoutHistory(r.frame(i)), asRecorded(cycle[i]!), `frame ${i}`);
    r.close();
  });
});

test('extending a recording a crash or a full disk tore: the torn record is cut off first, every whole frame stays', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, 10));
    const whole = readFileSync(path);
    const last = recordOffsets(whole).at(-1)!;
    for (const keep of [last + 7, last + 20 + 3, whole.length - 1]) {
      writeFileSync(path, whole.subarray(0, keep), { mode: 0o600 });
      await record(path, FRAMES.slice(10, 15));
      const r = new RecordingReader(path, CATALOG);
      assert.deepEqual([r.frames, r.tornTail], [14, false], `torn at ${keep} of ${whole.length}, then extended`);
      assert.deepEqual(withoutHistory(r.frame(8)), asRecorded(FRAMES[8]!));
      assert.deepEqual(withoutHistory(r.frame(9)), asRecorded(FRAMES[10]!), 'the torn frame is gone, the next one follows');
      assert.deepEqual(withoutHistory(r.frame(13)), asRecorded(FRAMES[14]!));
      r.close();
    }
  });
});

test('two writers on one recording: the second is refused while the first records (flock), and may extend it after', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    const first = new RecordingWriter(path, META, { catalog: CATALOG });
    first.add(FRAMES[0]!);
    await first.drain();
    assert.throws(
      () => new RecordingWriter(path, META, { catalog: CATALOG }),
      (e: Error) => e instanceof RecordingRefused && /another sixty is recording to it/.test(e.message),
    );
    first.add(FRAMES[1]!);
    await first.close();
    await record(path, FRAMES.slice(2, 4));
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, 4);
    r.close();
  });
});

test('a shared directory: a FIFO, a link or a file of another kind at the name is refused at once, and left as it was', async () => {
  await inScratch(async (dir) => {
    const fifo = join(dir, 'fifo.rec');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    assert.throws(
      () => new RecordingWriter(fifo, META, { catalog: CATALOG }),
      (e: Error) => e instanceof RecordingRefused && /not a regular file/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 2000, 'opening a FIFO does not wait for a reader');
    const target = join(dir, 'target');
    writeFileSync(target, 'precious\n', { mode: 0o600 });
    symlinkSync(target, join(dir, 'link.rec'));
    assert.throws(
      () => new RecordingWriter(join(dir, 'link.rec'), META, { catalog: CATALOG }),
      (e: Error) => e instanceof RecordingRefused && /symbolic link/.test(e.message),
    );
    const open = join(dir, 'open.rec');
    writeFileSync(open, '');
    chmodSync(open, 0o666);
    assert.throws(
      () => new RecordingWriter(open, META, { catalog: CATALOG }),
      (e: Error) => e instanceof RecordingRefused && /mode 666/.test(e.message),
    );
    assert.equal(statSync(open).size, 0, 'nothing recorded into a file others can read');
    linkSync(target, join(dir, 'hard.rec'));
    assert.throws(
      () => new RecordingWriter(join(dir, 'hard.rec'), META, { catalog: CATALOG }),
      (e: Error) => e instanceof RecordingRefused && /hard links/.test(e.message),
    );
    if (process.geteuid?.() === 0) {
      // An empty file another user made at the name (as uid 65534 would in /tmp): refused, never filled.
      const theirs = join(dir, 'theirs.rec');
      writeFileSync(theirs, '', { mode: 0o600 });
      chownSync(theirs, 65534, 65534);
      assert.throws(
        () => new RecordingWriter(theirs, META, { catalog: CATALOG }),
        (e: Error) => e instanceof RecordingRefused && /another user \(uid 65534\)/.test(e.message),
      );
      assert.equal(statSync(theirs).size, 0);
    }
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
    // R's names are always new: whatever is planted at the next names is passed over.
    const stem = 'sixty-host1-20261206T001000Z';
    execFileSync('mkfifo', [join(dir, `${stem}.sixtyrec`)]);
    symlinkSync(target, join(dir, `${stem}-2.sixtyrec`));
    writeFileSync(join(dir, `${stem}-3.sixtyrec`), '', { mode: 0o666 });
    const w = RecordingWriter.createNew(dir, stem, META, { catalog: CATALOG });
    assert.equal(w.path, join(dir, `${stem}-4.sixtyrec`));
    w.add(FRAMES[0]!);
    await w.close();
    assert.equal(statSync(w.path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, `${stem}-3.sixtyrec`)).size, 0);
  });
});

test('a crafted recording cannot make replay take gigabytes: segments, inflated bytes, rows and text are bounded first', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, 2));
    const head = readFileSync(path).subarray(0, recordOffsets(readFileSync(path))[0]!);
    /** A recording of one block frame whose payload is these segments (each deflated). */
    const craft = (segments: Buffer[]): void => {
      const segs = segments.map((b) => deflateRawSync(b));
      const payload = Buffer.alloc(2 + segs.reduce((n, b) => n + 4 + b.length, 0));
      payload.writeUInt16LE(segs.length, 0);
      let off = 2;
      for (const b of segs) {
        payload.writeUInt32LE(b.length, off);
        b.copy(payload, off + 4);
        off += 4 + b.length;
      }
      const rec = Buffer.alloc(20);
      rec[0] = 0x46;
      rec[1] = 1;
      rec.writeUInt32LE(payload.length, 4);
      rec.writeDoubleLE(Date.parse('2026-12-06T00:00:00Z'), 8);
      rec.writeUInt32LE(crc32(payload), 16);
      writeFileSync(path, Buffer.concat([head, rec, payload]));
    };
    const frameOf = (): unknown => {
      const r = new RecordingReader(path, CATALOG);
      try {
        return r.frame(0);
      } finally {
        r.close();
      }
    };
    const headOf = (ids: string[]): Buffer => Buffer.from(JSON.stringify({ time: '2026-12-06T00:00:00.000Z', elapsedNs: 1e9, panels: ids }));
    // 64 MB of zeros in one segment: 64 KB in the file.
    craft([headOf(['softirqs']), Buffer.alloc(64 << 20, 0x20)]);
    assert.throws(frameOf, (e: Error) => e instanceof FormatError && /inflates to more than 16 MB/.test(e.message));
    // Many segments of 8 MB each: the budget is the frame's, not each segment's.
    const spaced = (): Buffer => Buffer.concat([Buffer.alloc(8 << 20, 0x20), Buffer.from('{}')]);
    craft([headOf(['a', 'b', 'c']), spaced(), spaced(), spaced()]);
    assert.throws(frameOf, (e: Error) => e instanceof FormatError && /inflates to more than 16 MB/.test(e.message));
    craft(Array.from({ length: 1000 }, () => Buffer.from('{}')));
    assert.throws(frameOf, (e: Error) => e instanceof FormatError && /has 1000 segments/.test(e.message));
    // 100,000 rows of a panel (sixty records 100): refused before any row is checked.
    const softirqs = (plain(storedFrame(FRAMES[3]!, CATALOG)) as { panels: { id: string; rows: unknown[] }[] }).panels.find((p) => p.id === 'softirqs')!;
    const t0 = Date.now();
    craft([headOf(['softirqs']), Buffer.from(JSON.stringify({ ...softirqs, rows: Array.from({ length: 100_000 }, (_, i) => ({ id: `r${i}` })) }))]);
    assert.throws(frameOf, (e: Error) => e instanceof FormatError && /more than 1000 rows/.test(e.message));
    assert.ok(Date.now() - t0 < 10_000, `refused in ${Date.now() - t0} ms`);
    // A name of a megabyte.
    craft([headOf(['softirqs']), Buffer.from(JSON.stringify({ ...softirqs, rows: [{ ...(softirqs.rows[0] as object), vector: 'x'.repeat(1 << 20) }] }))]);
    assert.throws(frameOf, (e: Error) => e instanceof FormatError && /longer than 16384 characters/.test(e.message));
  });
});

test('snapshot: the frame with its trends round trips; written atomically, 0600, never over a file', async () => {
  await inScratch(async (dir) => {
    const meta = { host: META.host, sixty: '0.1.0', intervalS: 1, createdAt: '2026-11-25T12:00:30.000Z' };
    const json = JSON.stringify(snapshotDocument(meta, FRAMES[29]!, CATALOG));
    assert.ok(FRAMES[29]!.panels.some((p) => p.byProcess) && !json.includes('byProcess'), 'per-process totals are for the metrics endpoint, not written');
    const back = parseSnapshot(Buffer.from(json), CATALOG);
    assert.deepEqual(plain(back.frame), asSnapshot(FRAMES[29]!));
    assert.deepEqual(back.host, META.host);
    const stem = snapshotStem('web-01.example/evil name', new Date('2026-11-25T12:00:30.123Z'));
    assert.equal(stem, 'sixty-web-01.example_evil_name-20261125T120030Z');
    writeFileSync(join(dir, `${stem}.json`), "someone else's");
    const p1 = writeSnapshot(dir, stem, json, 'text');
    const p2 = writeSnapshot(dir, stem, json, 'text');
    assert.deepEqual([p1, p2], [join(dir, `${stem}-2.json`), join(dir, `${stem}-3.json`)]);
    assert.equal(readFileSync(join(dir, `${stem}.json`), 'utf8'), "someone else's", 'never overwritten');
    assert.equal(statSync(p1).mode & 0o777, 0o600);
    assert.equal(readFileSync(p1.replace(/json$/, 'txt'), 'utf8'), 'text');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
    assert.throws(() => writeSnapshot(join(dir, 'missing'), stem, json, 'text'), /ENOENT/);
    // Links planted at every temporary name sixty used to choose (.<name>.<pid>.tmp), for the next 99 names: the
    // export still goes through, and nothing is written through a link.
    const stem2 = snapshotStem('web-01', new Date('2026-11-25T12:00:31Z'));
    for (let n = 1; n < 100; n++) {
      const base = n === 1 ? stem2 : `${stem2}-${n}`;
      for (const ext of ['json', 'txt']) symlinkSync('/etc/shadow', join(dir, `.${base}.${ext}.${process.pid}.tmp`));
    }
    assert.equal(writeSnapshot(dir, stem2, json, 'text'), join(dir, `${stem2}.json`));
    assert.equal(readFileSync(join(dir, `${stem2}.json`), 'utf8'), json);
  });
});

test('the snapshot JSON Schema (docs/) accepts what e writes and refuses a damaged one', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'snapshot.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const doc = plain(snapshotDocument({ host: META.host, sixty: '0.1.0', intervalS: 1, createdAt: '2026-11-25T12:00:30.000Z' }, FRAMES[9]!, CATALOG)) as Record<
    string,
    unknown
  >;
  assert.ok(validate(doc), JSON.stringify(validate.errors));
  const broken = plain(doc) as { frame: { panels: { rows: unknown }[] } };
  broken.frame.panels[0]!.rows = 'x';
  assert.equal(validate(broken), false);
  assert.equal(validate({ ...doc, format: 'other' }), false);
});

test("snapshots that are not: one line each, never the file's bytes", () => {
  const good = snapshotDocument({ host: META.host, sixty: '0.1.0', intervalS: 1, createdAt: '2026-11-25T12:00:30.000Z' }, FRAMES[9]!, CATALOG);
  const cases: [string | Buffer, RegExp][] = [
    ['', /empty/],
    [Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0, 1, 2]), /neither a SIXTYREC header nor a JSON object/],
    ['{"format": "sixty-snapshot", "schemaVer', /not valid JSON: truncated or damaged/],
    ['[1,2]', /neither/],
    ['{"hello": 1}', /not a sixty snapshot/],
    [JSON.stringify({ ...good, schemaVersion: 2 }), /written by a newer sixty \(schema 2; this one reads up to 1\)/],
    [JSON.stringify({ ...good, schemaVersion: '1' }), /no schema version/],
    [JSON.stringify({ ...good, frame: { ...FRAMES[9], elapsedNs: -1 } }), /negative/],
    [JSON.stringify({ ...good, frame: { ...FRAMES[9], panels: [{ ...FRAMES[9]!.panels[1], rows: [{ id: 'a' }, { id: 'a' }] }] } }), /twice/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseSnapshot(Buffer.isBuffer(text) ? text : Buffer.from(text), CATALOG),
      (e: Error) => e instanceof FormatError && re.test(e.message) && !/[\u0000-\u001f]/.test(e.message),
      String(text).slice(0, 40),
    );
  }
});

test('kernel names in a file are data: raw control characters are escaped on the way in', () => {
  const f = plain(storedFrame(FRAMES[3]!, CATALOG)) as { panels: { id: string; rows: { comm?: string }[] }[] };
  const tcp = f.panels.find((p) => p.id === 'tcptop')!;
  tcp.rows[0]!.comm = 'evil\x1b]0;owned\x07\x1b[2J';
  const back = checkFrame(f, CATALOG, false);
  const comm = (back.panels.find((p) => p.id === 'tcptop')!.rows[0] as unknown as { comm: string }).comm;
  assert.equal(comm, 'evil\\x1b]0;owned\\x07\\x1b[2J');
  assert.doesNotMatch(renderFrameText(CATALOG, back, 120), /\x1b/);
});

test("a tier's log keeps its lines through a recording: replay gives back what the live JSON said", () => {
  // On 5.10 tcptop's fentry tier fails the verifier and leaves libbpf's log, several lines long, in the frame.
  const raw = "libbpf: prog 'tcptop_sendmsg': BPF program load failed: Permission denied\n0: R1=ctx()\tR10=fp0\n\x1b[2Jstop";
  const live = {
    ...FRAMES[3]!,
    panels: FRAMES[3]!.panels.map((p, i) => (i === 1 ? { ...p, attempts: [{ tier: 'fentry', reason: 'load: EACCES', log: escapeLines(raw) }] } : p)),
  };
  const log = live.panels[1]!.attempts[0]!.log!;
  assert.equal(log.split('\n').length, 3, 'the live log keeps its line breaks');
  assert.match(log, /\\x09R10/, 'a tab is escaped');
  assert.match(log, /\\x1b\[2J/, 'a terminal escape is escaped');
  const back = checkFrame(plain(storedFrame(live, CATALOG)), CATALOG, false);
  assert.deepEqual(back.panels[1]!.attempts, live.panels[1]!.attempts);
  const attemptsOf = (f: Frame): unknown => (frameToJson(f, CATALOG).panels as Record<string, { attempts?: unknown }>)[live.panels[1]!.id]!.attempts;
  assert.deepEqual(attemptsOf(back), attemptsOf(live), 'the JSON of the replayed frame is the live JSON');
  // A recorded log with a raw control character (not written by sixty) is escaped on the way in, its lines kept.
  const forged = plain(storedFrame(live, CATALOG)) as { panels: { attempts?: { log?: string }[] }[] };
  forged.panels[1]!.attempts![0]!.log = 'a\nb\x07';
  assert.equal(checkFrame(forged, CATALOG, false).panels[1]!.attempts[0]!.log, 'a\nb\\x07');
});

test('a panel this version does not know is left out; a row its panel cannot draw is refused', () => {
  const f = plain(storedFrame(FRAMES[3]!, CATALOG)) as { panels: Record<string, unknown>[] };
  f.panels.push({ ...f.panels[0], id: 'zfstop' });
  assert.deepEqual(
    checkFrame(f, CATALOG, false).panels.map((p) => p.id),
    ['softirqs', 'tcptop', 'mpstat'],
  );
  const g = plain(storedFrame(FRAMES[3]!, CATALOG)) as { panels: { rows: Record<string, unknown>[] }[] };
  g.panels[0]!.rows[0]!.cpu_counts = 'many';
  g.panels[0]!.rows[0]!.count = { x: 1 };
  assert.throws(
    () => checkFrame(g, CATALOG, false),
    (e: Error) => e instanceof FormatError && /softirqs/.test(e.message),
  );
});

test('CSV: a header from the columns, raw values, RFC 4180 quoting, no formula injection', () => {
  assert.deepEqual(
    ['plain', 'a,b', 'say "hi"', 'two\nlines', '=HYPERLINK("x")', '+1', '-x', '@SUM', 12.5, null, Number.NaN, ' =1+2', '\u00a0\t-3', 'a;b', '=cmd;x'].map(
      csvField,
    ),
    [
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '"\'=HYPERLINK(""x"")"',
      "'+1",
      "'-x",
      "'@SUM",
      '12.5',
      '',
      '',
      "' =1+2",
      "'\u00a0\t-3",
      '"a;b"',
      '"\'=cmd;x"',
    ],
  );
  const spec = CATALOG.spec('tcptop')!;
  assert.equal(csvHeader(spec), 'time,interval_s,pid,comm,family,laddr,lport,raddr,rport,rx_bytes,tx_bytes,total,workload,cgroup\r\n');
  const p = FRAMES[2]!.panels.find((x) => x.id === 'tcptop')!;
  const lines = csvRows(spec, p, FRAMES[2]!.time, FRAMES[2]!.elapsedNs).trimEnd().split('\r\n');
  assert.equal(lines.length, p.rows.length);
  assert.match(
    lines.find((l) => l.includes('rsync'))!,
    /^2026-11-25T12:00:03\.000Z,1,4243,rsync,IPv6,2001:db8::5,873,2001:db8:ffff::1234,40000,3000,150000000,150003000,,$/,
  );
  assert.ok(
    lines.some((l) => l.includes('ssh\\x1b[31m')),
    'escaped names stay escaped',
  );
});

test('fuzz: a mutated recording replays or is refused with a FormatError, never anything else', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES.slice(0, BLOCK + 10));
    const whole = readFileSync(path);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(whole.length - 1), bits: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(whole.length - 1) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(whole.length - 1), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
      fc.record({ kind: fc.constant('zero' as const), at: fc.nat(whole.length - 1), len: fc.integer({ min: 1, max: 4096 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        let b = Buffer.from(whole);
        for (const m of ms) {
          const at = Math.min(m.at, b.length);
          if (m.kind === 'flip' && at < b.length) b[at] = b[at]! ^ m.bits;
          else if (m.kind === 'cut') b = b.subarray(0, at);
          else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
          else if (m.kind === 'zero') b = Buffer.from(b).fill(0, at, Math.min(b.length, at + m.len));
        }
        writeFileSync(path, b);
        try {
          const r = new RecordingReader(path, CATALOG);
          const trends = new TrendRebuilder(r, panelById);
          for (let i = 0; i < r.frames; i++) renderFrameText(CATALOG, trends.at(i), 100);
          r.close();
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          assert.doesNotMatch(e.message, /[\u0000-\u001f]/);
        }
      }),
      { numRuns: 300, seed: 60 },
    );
  });
});

test('fuzz: a snapshot with any field replaced by any JSON is refused, or draws', () => {
  const doc = plain(snapshotDocument({ host: META.host, sixty: '0.1.0', intervalS: 1, createdAt: '2026-11-25T12:00:30.000Z' }, FRAMES[9]!, CATALOG)) as Record<
    string,
    unknown
  >;
  // Every path into the document, to pick one to replace.
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    paths.push(p);
    if (p.length > 7) return;
    if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(doc, []);
  fc.assert(
    fc.property(fc.nat(paths.length - 1), fc.jsonValue({ maxDepth: 3 }), (pi, value) => {
      const d = plain(doc) as Record<string, unknown>;
      const p = paths[pi]!;
      if (p.length === 0) return;
      let o = d as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      o[p.at(-1)!] = value;
      try {
        const s = checkSnapshot(d, CATALOG);
        renderFrameText(CATALOG, s.frame, 100);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
    }),
    { numRuns: 500, seed: 60 },
  );
});

test('the recording fixtures of every schema version stay readable, and replay as their golden text', async () => {
  const { assertGolden } = await import('../helpers/golden.js');
  const rec = new RecordingReader(join(ROOT, 'test', 'fixtures', 'recordings', 'v1.sixtyrec'), CATALOG);
  assert.equal(rec.meta.schemaVersion, 1);
  const trends = new TrendRebuilder(rec, panelById);
  let last: Frame | undefined;
  for (let i = 0; i < rec.frames; i++) last = trends.at(i);
  assertGolden('replay-v1', renderFrameText(CATALOG, last!, 120));
  rec.close();
  const snap = parseSnapshot(readFileSync(join(ROOT, 'test', 'fixtures', 'recordings', 'v1.json')), CATALOG);
  assertGolden('replay-snapshot-v1', renderFrameText(CATALOG, snap.frame, 120));
  assert.ok(existsSync(join(ROOT, 'test', 'fixtures', 'recordings', 'make-v1.ts')));
});

test('a recording whose file is removed (or its directory) stops, says so, and counts no frame it could not keep', async () => {
  await inScratch(async (dir) => {
    const sub = join(dir, 'exports');
    mkdirSync(sub);
    const path = join(sub, 'a.rec');
    const w = new RecordingWriter(path, META, { catalog: CATALOG });
    w.add(FRAMES[0]!);
    await w.drain();
    assert.deepEqual([w.status.frames, w.status.error], [1, null]);
    rmSync(sub, { recursive: true });
    w.add(FRAMES[1]!);
    await w.drain();
    assert.match(w.status.error ?? '', /the file was removed \(or its directory\): nothing more is recorded/);
    w.add(FRAMES[2]!);
    await w.close();
    assert.equal(w.status.frames, 1, 'the frames that reached a file that exists');
  });
});

test('export and record failures in words: never a bare errno, never a temporary file name', () => {
  const err = (code: string, message = `${code}: something, open '/x/.sixty-h.json.1234.tmp'`): Error => Object.assign(new Error(message), { code });
  assert.equal(dirFailure(err('ENOENT'), '/x'), 'the directory /x does not exist (any more)');
  assert.equal(dirFailure(err('EACCES'), '/x'), 'no permission to write in /x');
  assert.equal(dirFailure(err('EROFS'), '/x'), '/x is on a read-only file system');
  assert.equal(dirFailure(err('ENOSPC'), '/x'), 'no space left on the device');
  assert.equal(dirFailure(err('ENOTDIR'), '/x'), '/x is not a directory');
});

test("a summary's warning: stored as a flag and read back; a file from before the flag has it from its text; a flag that is not true or false is damage", () => {
  const live = FRAMES[3]!;
  const text = '3 active connections, map 65536/65536; totals incomplete: 12 dropped since start (map full: 10 entries evicted, 2 events not stored)';
  const warned: Frame = { ...live, panels: live.panels.map((p, i) => (i === 1 ? { ...p, summary: { text, values: {}, warning: true } } : p)) };
  const stored = plain(storedFrame(warned, CATALOG)) as { panels: { summary: Record<string, unknown> }[] };
  assert.equal(stored.panels[1]!.summary.warning, true);
  assert.equal(stored.panels[0]!.summary.warning, undefined, 'no flag where there is no warning');
  assert.equal(checkFrame(stored, CATALOG, false).panels[1]!.summary.warning, true);
  delete stored.panels[1]!.summary.warning;
  assert.equal(checkFrame(stored, CATALOG, false).panels[1]!.summary.warning, true, 'an older file: from the text');
  stored.panels[1]!.summary.warning = 'yes';
  assert.throws(
    () => checkFrame(stored, CATALOG, false),
    (e: unknown) => e instanceof FormatError && /summary warning is not true or false/.test(e.message),
  );
});

test("what --serve records leaves its own process out: rows and events with sixty's pid", () => {
  const f = FRAMES[5]!;
  const tcp = f.panels.find((p) => p.id === 'tcptop')!;
  const pids = [...new Set(tcp.rows.map((r) => (r as unknown as { pid: number }).pid))];
  assert.ok(pids.length >= 2, 'the fixture has connections of several processes');
  const stored = storedFrame(f, CATALOG, 200, new Map(), pids[0]) as { panels: { id: string; rows: { pid?: number }[] }[] };
  const rows = stored.panels.find((p) => p.id === 'tcptop')!.rows;
  assert.ok(rows.length > 0 && rows.every((r) => r.pid !== pids[0]));
  assert.equal(rows.length, tcp.rows.filter((r) => (r as unknown as { pid: number }).pid !== pids[0]).length);
  // Without it, every row.
  const all = storedFrame(f, CATALOG, 200, new Map()) as { panels: { id: string; rows: unknown[] }[] };
  assert.equal(all.panels.find((p) => p.id === 'tcptop')!.rows.length, tcp.rows.length);
});

test('replay opened deep in a recording (--at): the frame at once, its trends once fillTrends runs, as a jump there gives them', async () => {
  await inScratch(async (dir) => {
    const path = join(dir, 'a.rec');
    await record(path, FRAMES);
    const r = new RecordingReader(path, CATALOG);
    const s = new ReplayStore(r, panelById, 90);
    assert.equal(s.position, 90);
    assert.equal(s.getSnapshot().time, FRAMES[90]!.time);
    assert.ok(
      s.getSnapshot().panels.every((p) => Object.keys(p.history).length === 0),
      'no trends yet',
    );
    let told = 0;
    s.subscribe(() => told++);
    s.fillTrends();
    assert.equal(told, 1);
    const jumped = new TrendRebuilder(r, panelById).at(90);
    assert.ok(jumped.panels.some((p) => Object.keys(p.history).length > 0));
    assert.deepEqual(plain(s.getSnapshot().panels.map((p) => p.history)), plain(jumped.panels.map((p) => p.history)));
    r.close();
  });
});

test("the console's recorder takes each tick's frame once: a panel attaching between ticks publishes the same moment again", () => {
  const store = new Store(FRAMES[0]!);
  const got: string[] = [];
  let on = true;
  const recorder = { path: 'x', status: { path: 'x', frames: 0, bytes: 0, dropped: 0, rotations: 0, error: null }, add: (f: Frame) => void got.push(f.time) };
  let told = 0;
  recordEachTick(
    store,
    () => (on ? (recorder as unknown as Recorder) : undefined),
    () => told++,
  );
  const [a, b, c] = [FRAMES[1]!, FRAMES[2]!, FRAMES[3]!];
  store.publish(a);
  // opensnoop comes on screen: 'starting', then attached: the same tick's frame twice more, its time unchanged.
  store.publish({ ...a, panels: a.panels.slice(1) });
  store.publish({ ...a });
  store.publish(b);
  store.publish({ ...FRAMES[0]!, elapsedNs: 0 });
  on = false;
  store.publish(c);
  assert.deepEqual(got, [a.time, b.time]);
  assert.equal(told, 2);
});
