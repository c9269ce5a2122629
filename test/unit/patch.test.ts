/** Recorded segments as patches (container 2): what changed since the frame before, and nothing a file can abuse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPatch, isPatch, makePatch, sameJson } from '../../src/persist/patch.js';
import { storedFrame } from '../../src/persist/frames.js';
import { CATALOG, fixtureFrames } from '../helpers/fixtures.js';

type Obj = Record<string, unknown>;
const bad = (why: string): never => {
  throw new Error(why);
};
/** A patch as the file has it (JSON), applied. */
const roundTrip = (cur: Obj, prev: Obj): Obj => {
  const made = makePatch(cur, prev);
  // Stored whole: most of its rows were new.
  if (made === null) return cur;
  const p = JSON.parse(JSON.stringify(made)) as Obj;
  assert.ok(isPatch(p));
  return applyPatch(JSON.parse(JSON.stringify(prev)), p, 1000, bad);
};

test('a patch holds what changed: rows matched by id wherever the sort put them, fields and keys gone, new rows', () => {
  const prev = {
    id: 'procs',
    status: 'ok',
    reason: 'x',
    rows: [
      { id: 'a', cpu: 1, hist: [1, 2], comm: 'sh' },
      { id: 'b', cpu: 0, hist: [0, 0], comm: 'top', gone: true },
      { id: 'c', cpu: 0, hist: [0, 0], comm: 'cron' },
    ],
    summary: { text: 's', values: { n: 3 } },
  };
  const cur = {
    id: 'procs',
    status: 'ok',
    rows: [
      { id: 'b', cpu: 5, hist: [0, 1], comm: 'top' },
      { id: 'd', cpu: 2, hist: [3, 3], comm: 'new' },
      { id: 'a', cpu: 1, hist: [1, 2], comm: 'sh' },
    ],
    summary: { text: 's', values: { n: 3 } },
    stats: { x: 1 },
  };
  const p = makePatch(cur, prev);
  assert.deepEqual(p, {
    '~': 1,
    '~rows': [{ '~': 1, cpu: 5, hist: [0, 1], '~-': ['gone'] }, { '~': -1, id: 'd', cpu: 2, hist: [3, 3], comm: 'new' }, { '~': 0 }],
    stats: { x: 1 },
    '~-': ['reason'],
  });
  assert.deepEqual(roundTrip(cur, prev), cur);
  // A field or key that turns undefined is gone (JSON has no undefined: left as it was, the reader would keep the old
  // value); one that was undefined and has a value is new.
  const was = { id: 'p', reason: 'r', rows: [{ id: 'a', n: 1, why: 'w' }] };
  const now = { id: 'p', reason: undefined, extra: undefined, rows: [{ id: 'a', n: 1, why: undefined }] };
  assert.deepEqual(makePatch(now, was), { '~': 1, '~rows': [{ '~': 0, '~-': ['why'] }], '~-': ['reason'] });
  assert.deepEqual(roundTrip(now, was), JSON.parse(JSON.stringify(now)));
  assert.deepEqual(roundTrip(was, now), was);
  // Two rows of one id (no panel makes them, but a patch must still be one the reader takes): the second whole.
  const twice = {
    rows: [
      { id: 'a', n: 2 },
      { id: 'a', n: 3 },
    ],
  };
  assert.deepEqual(makePatch(twice, { rows: [{ id: 'a', n: 1 }] }), {
    '~': 1,
    '~rows': [
      { '~': 0, n: 2 },
      { '~': -1, id: 'a', n: 3 },
    ],
  });
  assert.deepEqual(roundTrip(twice, { rows: [{ id: 'a', n: 1 }] }), twice);
  // Nothing changed: the mark alone.
  assert.deepEqual(makePatch(prev, prev), { '~': 1 });
  assert.deepEqual(roundTrip(prev, prev), prev);
  // Most rows new (an event panel's, a fork storm's): stored whole, which a seek need not read to go past it.
  const rows = (ids: string[]): Obj => ({ rows: ids.map((id) => ({ id, n: 1 })) });
  const eight = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  assert.equal(makePatch(rows(['a', 'b', 'c', 'x', 'y', 'z', 'w', 'v']), rows(eight)), null);
  assert.ok(isPatch(makePatch(rows(['a', 'b', 'c', 'd', 'y', 'z', 'w', 'v']), rows(eight))));
  assert.ok(isPatch(makePatch(rows(['x', 'y']), rows(eight))), 'a few rows: a patch whatever they are');
  // A value read from a file is not changed by applying a patch to it (a cached frame stays as it was).
  const before = JSON.parse(JSON.stringify(prev)) as Obj;
  const frozen = structuredClone(before);
  applyPatch(before, JSON.parse(JSON.stringify(makePatch(cur, prev)!)) as Obj, 1000, bad);
  assert.deepEqual(before, frozen);
});

test('every panel of consecutive recorded frames round trips through its patch, and the patch is smaller', async () => {
  const frames = await fixtureFrames(40);
  const stored = frames.map((f) => JSON.parse(JSON.stringify(storedFrame(f, CATALOG))) as { panels: Obj[] });
  let whole = 0;
  let patched = 0;
  for (let i = 1; i < stored.length; i++)
    for (const p of stored[i]!.panels) {
      const q = stored[i - 1]!.panels.find((x) => x.id === p.id)!;
      assert.deepEqual(roundTrip(p, q), p, `frame ${i} ${String(p.id)}`);
      whole += JSON.stringify(p).length;
      patched += JSON.stringify(makePatch(p, q) ?? p).length;
    }
  assert.ok(patched < whole / 2, `${patched} bytes of patches for ${whole} bytes of panels`);
});

test('fuzz: any two values with rows (ids repeated too) round trip', () => {
  const row = fc.record({
    id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    n: fc.oneof(fc.integer(), fc.constant(null)),
    t: fc.option(fc.string(), { nil: undefined }),
  });
  const rows = fc.array(row, { maxLength: 6 }).map((rs) => rs.map((r) => JSON.parse(JSON.stringify(r)) as Obj));
  const value = fc
    .record({ rows, a: fc.option(fc.jsonValue(), { nil: undefined }), b: fc.option(fc.jsonValue(), { nil: undefined }) })
    .map((v) => JSON.parse(JSON.stringify(v)) as Obj);
  fc.assert(
    fc.property(value, value, (cur, prev) => {
      assert.ok(sameJson(roundTrip(cur, prev), cur));
    }),
  );
});

test('a crafted patch is refused in words: a row it does not have, a row used twice, too many rows, __proto__, no frame before', () => {
  const prev = {
    rows: [
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ],
  };
  const refused = (patch: Obj, base: unknown, re: RegExp): void =>
    assert.throws(
      () => applyPatch(base, patch, 3, bad),
      (e: Error) => re.test(e.message),
    );
  refused({ '~': 1, '~rows': [{ '~': 2 }] }, prev, /a row of the frame before that it does not have/);
  refused({ '~': 1, '~rows': [{ '~': 1.5 }] }, prev, /does not have/);
  refused({ '~': 1, '~rows': [{ '~': 'a' }] }, prev, /does not have/);
  // One row of the frame before standing for many: what could make a few bytes stand for gigabytes.
  refused({ '~': 1, '~rows': [{ '~': 0 }, { '~': 0 }] }, prev, /used twice/);
  refused({ '~': 1, '~rows': [{ '~': -1 }, { '~': -1 }, { '~': -1 }, { '~': -1 }] }, prev, /more than 3 rows/);
  refused({ '~': 1, '~rows': 5 }, prev, /rows/);
  refused({ '~': 1, '~rows': [7] }, prev, /a row/);
  refused({ '~': 1, '~rows': [{ '~': 0 }] }, { rows: 'x' }, /rows/);
  refused({ '~': 1, '~-': 'rows' }, prev, /keys gone/);
  refused({ '~': 1, '~rows': [{ '~': 0, '~-': [3] }] }, prev, /keys gone/);
  refused(JSON.parse('{"~":1,"__proto__":{"polluted":1}}') as Obj, prev, /__proto__/);
  refused(JSON.parse('{"~":1,"~rows":[{"~":0,"__proto__":{"x":1}}]}') as Obj, prev, /__proto__/);
  refused({ '~': 1 }, undefined, /the frame before has no such segment/);
  assert.equal(({} as Obj).polluted, undefined);
  // Only the mark 1 makes a patch: a whole segment never has "~".
  assert.equal(isPatch({ '~': 2 }), false);
  assert.equal(isPatch([1]), false);
});
