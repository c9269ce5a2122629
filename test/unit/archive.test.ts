/** --record DIR: a file an hour named by its start, retention, and --replay DIR --at finding the file and the frame. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '../../src/frame.js';
import { archiveFileAt, archiveName, archiveStart, ArchiveRecorder, expiredFiles, listArchive, type ArchiveFile } from '../../src/persist/archive.js';
import { RecordingReader } from '../../src/persist/recording.js';
import { atNote, openReplay } from '../../src/modes/replay.js';
import { UserError } from '../../src/errors.js';
import { CATALOG, fixtureFrames, inScratch as inScratchDir, RECORDING_META } from '../helpers/fixtures.js';

const T0 = Date.UTC(2026, 11, 7, 2, 59, 50); // 10 s before 03:00 UTC
/** 130 frames a second apart from T0 (the fixture's own times are all within the same few ms). */
const FRAMES: Frame[] = (await fixtureFrames(130)).map((f, i) => ({ ...f, time: new Date(T0 + i * 1000).toISOString() }));
const META = RECORDING_META;

const inScratch = (f: (dir: string) => Promise<void>): Promise<void> => inScratchDir('archive', f);

/** Records `frames` into `dir` as live: each frame on disk before the next. */
async function recordInto(
  dir: string,
  frames: readonly Frame[],
  opts: Partial<ConstructorParameters<typeof ArchiveRecorder>[2]> = {},
): Promise<ArchiveRecorder> {
  const a = new ArchiveRecorder(dir, () => META, { catalog: CATALOG, retain: { maxAgeMs: null, maxBytes: null }, spanMs: 60_000, ...opts });
  for (const f of frames) {
    a.add(f);
    await a.drain();
  }
  await a.close();
  return a;
}

test('archive names: the UTC start to the second, read back; other names are not the archive', () => {
  assert.equal(archiveName(Date.UTC(2026, 11, 7, 3, 12, 5, 250)), 'sixty-20261207T031205Z');
  assert.equal(archiveStart('sixty-20261207T031205Z.sixtyrec'), Date.UTC(2026, 11, 7, 3, 12, 5));
  assert.equal(archiveStart('sixty-20261207T031205Z-2.sixtyrec'), Date.UTC(2026, 11, 7, 3, 12, 5));
  for (const other of ['sixty-20261207T031205Z.sixtyrec.1', 'notes.txt', 'sixty-20261207.sixtyrec', 'sixty-host-20261207T031205Z.sixtyrec'])
    assert.equal(archiveStart(other), null, other);
});

test('retention: old files by their last write, then the oldest while the rest pass the size; never the current file', () => {
  const H = 3600_000;
  const now = 100 * H;
  const f = (name: string, endH: number, bytes: number): ArchiveFile => ({ name, startMs: (endH - 1) * H, endMs: endH * H, bytes });
  const files = [f('a', 10, 100), f('b', 60, 100), f('c', 90, 100), f('d', 99, 100), f('cur', 100, 100)];
  const names = (xs: ArchiveFile[]): string[] => xs.map((x) => x.name);
  // Older than 24 h: a and b (ended 90 and 40 hours ago).
  assert.deepEqual(names(expiredFiles(files, 'cur', { maxAgeMs: 24 * H, maxBytes: null }, now)), ['a', 'b']);
  // 500 bytes in all, 250 allowed: the three oldest go.
  assert.deepEqual(names(expiredFiles(files, 'cur', { maxAgeMs: null, maxBytes: 250 }, now)), ['a', 'b', 'c']);
  // The current file alone is over the bound: everything else goes, it stays.
  assert.deepEqual(names(expiredFiles(files, 'cur', { maxAgeMs: null, maxBytes: 50 }, now)), ['a', 'b', 'c', 'd']);
  assert.deepEqual(names(expiredFiles([f('cur', 1, 10)], 'cur', { maxAgeMs: H, maxBytes: 1 }, now)), []);
  // Both bounds: each removes what it removes.
  assert.deepEqual(names(expiredFiles(files, 'cur', { maxAgeMs: 30 * H, maxBytes: 350 }, now)), ['a', 'b']);
  assert.deepEqual(names(expiredFiles(files, 'cur', { maxAgeMs: null, maxBytes: null }, now)), []);
});

test('the file a moment falls in: the last to start at or before it; the first before them all; the newest without one', () => {
  const files = [1000, 2000, 3000].map((startMs) => ({ name: String(startMs), startMs, endMs: startMs + 999, bytes: 1 }));
  assert.equal(archiveFileAt(files, 2500)?.name, '2000');
  assert.equal(archiveFileAt(files, 2000)?.name, '2000');
  assert.equal(archiveFileAt(files, 10)?.name, '1000');
  assert.equal(archiveFileAt(files, 9999)?.name, '3000');
  assert.equal(archiveFileAt(files, null)?.name, '3000');
  assert.equal(archiveFileAt([], 5), null);
});

test('--record DIR: a new file each span, named by its first frame; every frame in exactly one file, in order', async () => {
  await inScratch(async (dir) => {
    const a = await recordInto(dir, FRAMES);
    // 130 frames from 02:59:50 to 03:01:59 in spans of a minute: files from 02:59:50, 03:00:00 and 03:01:00.
    const names = readdirSync(dir).sort();
    assert.deepEqual(names, ['sixty-20261207T025950Z.sixtyrec', 'sixty-20261207T030000Z.sixtyrec', 'sixty-20261207T030100Z.sixtyrec']);
    assert.deepEqual(a.status.frames, FRAMES.length);
    assert.equal(a.status.rotations, 2);
    assert.equal(a.status.error, null);
    let k = 0;
    for (const name of names) {
      const r = new RecordingReader(join(dir, name), CATALOG);
      for (let i = 0; i < r.frames; i++, k++) assert.equal(r.timeOf(i), Date.parse(FRAMES[k]!.time), `${name} frame ${i}`);
      assert.equal(r.timeOf(0), archiveStart(name));
      r.close();
    }
    assert.equal(k, FRAMES.length);
    assert.ok(names.every((n) => (statSync(join(dir, n)).mode & 0o777) === 0o600));
  });
});

test('--record DIR with --retain-size: the oldest files go as new ones start, the one being written never; others are left alone', async () => {
  await inScratch(async (dir) => {
    // Things that are not the archive's: another name, a link with the archive's name.
    writeFileSync(join(dir, 'notes.txt'), 'x'.repeat(100_000));
    symlinkSync('/etc/hostname', join(dir, 'sixty-20200101T000000Z.sixtyrec'));
    const spanMs = 10_000;
    const one = await recordInto(join(dir, 'probe'), FRAMES.slice(0, 10), { spanMs });
    const perFile = statSync(join(dir, 'probe', readdirSync(join(dir, 'probe'))[0]!)).size;
    assert.equal(one.status.frames, 10);
    rmSync(join(dir, 'probe'), { recursive: true });
    // Room for two and a half files: at most three are kept (the current one and two before it).
    const a = await recordInto(dir, FRAMES, { spanMs, retain: { maxAgeMs: null, maxBytes: Math.floor(perFile * 2.5) } });
    const kept = listArchive(dir);
    assert.ok(kept.length >= 2 && kept.length <= 3, kept.map((f) => `${f.name} ${f.bytes}`).join(', '));
    assert.ok(a.removed >= 10, `${a.removed} removed`);
    // The newest file holds the last frame; the link and the notes are still there.
    const newest = new RecordingReader(join(dir, kept.at(-1)!.name), CATALOG);
    assert.equal(newest.timeOf(newest.frames - 1), Date.parse(FRAMES.at(-1)!.time));
    newest.close();
    assert.ok(readdirSync(dir).includes('notes.txt') && readdirSync(dir).includes('sixty-20200101T000000Z.sixtyrec'));
  });
});

test('--record DIR with --retain: files last written longer ago than AGE are removed when the recorder starts', async () => {
  await inScratch(async (dir) => {
    await recordInto(dir, FRAMES.slice(0, 30), { spanMs: 10_000 });
    const before = listArchive(dir);
    assert.equal(before.length, 3);
    // The first file's last write was two days ago, the others' an hour ago.
    const now = Date.now();
    utimesSync(join(dir, before[0]!.name), (now - 2 * 86400_000) / 1000, (now - 2 * 86400_000) / 1000);
    for (const f of before.slice(1)) utimesSync(join(dir, f.name), (now - 3600_000) / 1000, (now - 3600_000) / 1000);
    const a = new ArchiveRecorder(dir, () => META, { catalog: CATALOG, retain: { maxAgeMs: 86400_000, maxBytes: null } });
    await a.close();
    assert.deepEqual(
      listArchive(dir).map((f) => f.name),
      before.slice(1).map((f) => f.name),
    );
  });
});

test('--replay DIR --at: the file the moment falls in, at its frame; the newest file without --at; a note when outside it', async () => {
  await inScratch(async (dir) => {
    await recordInto(dir, FRAMES);
    const at = T0 + 75_500; // 03:01:05.5: the third file, its sixth frame at or after
    const r = openReplay(dir, at);
    assert.equal(r.file, join(dir, 'sixty-20261207T030100Z.sixtyrec'));
    assert.equal(r.source.timeOf(r.start), T0 + 76_000);
    assert.equal(atNote(r, at), null);
    r.close();
    const newest = openReplay(dir, null);
    assert.equal(newest.file, join(dir, 'sixty-20261207T030100Z.sixtyrec'));
    assert.equal(newest.start, newest.source.frames - 1, 'a directory opens at its latest frame');
    newest.close();
    const early = openReplay(dir, T0 - 3600_000);
    assert.equal(early.start, 0);
    assert.match(atNote(early, T0 - 3600_000) ?? '', /before .* begins \(2026-12-07T02:59:50Z\): opened at its first frame/);
    early.close();
    const late = openReplay(dir, T0 + 86400_000);
    assert.equal(late.start, late.source.frames - 1);
    assert.match(atNote(late, T0 + 86400_000) ?? '', /after .* ends \(2026-12-07T03:01:59Z\): opened at its last frame/);
    late.close();
    // A file just started, its header alone: the newest with a frame opens instead.
    writeFileSync(
      join(dir, 'sixty-20261207T030300Z.sixtyrec'),
      readFileSync(join(dir, 'sixty-20261207T030100Z.sixtyrec')).subarray(0, headerLength(join(dir, 'sixty-20261207T030100Z.sixtyrec'))),
      { mode: 0o600 },
    );
    const justStarted = openReplay(dir, null);
    assert.equal(justStarted.file, join(dir, 'sixty-20261207T030100Z.sixtyrec'));
    justStarted.close();
    // A directory without sixty's recordings is one line.
    const empty = join(dir, 'empty');
    await recordInto(join(dir, 'x'), []);
    assert.throws(
      () => openReplay(join(dir, 'x'), null),
      (e: unknown) => e instanceof UserError && /no recording of sixty --record DIR/.test(e.message),
    );
    assert.throws(() => openReplay(empty, null), /no such file/);
  });
});

/** The length of a recording's header (magic, version, meta and its checksum): where its first record starts. */
function headerLength(file: string): number {
  const b = readFileSync(file);
  return 13 + b.readUInt32LE(9) + 4;
}
