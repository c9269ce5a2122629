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
/** A patch as the file has it (JSON), applied; made both ways (container 5's runs and shifts, and before), each must give `cur`. */
const roundTrip = (cur: Obj, prev: Obj): Obj => {
  let out: Obj = cur;
  for (const compact of [false, true]) {
    const made = makePatch(cur, prev, compact);
    // Stored whole: most of its rows were new.
    if (made === null) continue;
    const p = JSON.parse(JSON.stringify(made)) as Obj;
    assert.ok(isPatch(p));
    const back = applyPatch(JSON.parse(JSON.stringify(prev)), p, 1000, bad);
    if (!compact) assert.ok(sameJson(back, JSON.parse(JSON.stringify(cur))), 'as before container 5');
    out = back;
  }
  return out;
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
    // lists long enough to be stored as shifts, of few values (so that one is often another shifted)
    heat: fc.option(fc.array(fc.constantFrom(0, 1, [0], [1]), { minLength: 6, maxLength: 12 }), { nil: undefined }),
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

test('container 5: unchanged rows in a run, a heat map one column on as a shift, read back as they were', () => {
  const col = (x: number): number[] => [x, x + 1, 0, 0];
  const heat = (from: number): number[][] => Array.from({ length: 40 }, (_, i) => col(from + i));
  const idle = (i: number): Obj => ({ id: `p${i}`, cpu: 0, comm: `k${i}` });
  const prev = { rows: [{ id: 'all', count: 5, heat: heat(0) }, idle(0), idle(1), idle(2), idle(3), { id: 'x', cpu: 1 }, idle(4)] };
  const cur = { rows: [{ id: 'all', count: 6, heat: heat(1) }, idle(0), idle(1), idle(2), idle(3), { id: 'x', cpu: 2 }, idle(4)] };
  const p = makePatch(cur, prev, true);
  assert.deepEqual(p, {
    '~': 1,
    '~rows': [{ '~': 0, count: 6, '~<': { heat: [1, [col(40)]] } }, { '~': 1, '~n': 4 }, { '~': 5, cpu: 2 }, { '~': 6 }],
  });
  assert.deepEqual(roundTrip(cur, prev), cur);
  // A heat map that is still filling (no column dropped yet) is the one before and a tail.
  const filling = { rows: [{ id: 'all', heat: heat(0).slice(0, 10) }] };
  const more = { rows: [{ id: 'all', heat: heat(0).slice(0, 11) }] };
  assert.deepEqual(makePatch(more, filling, true), { '~': 1, '~rows': [{ '~': 0, '~<': { heat: [0, [col(10)]] } }] });
  // A list that is mostly new is stored whole; so is everything before container 5.
  const other = { rows: [{ id: 'all', heat: heat(30).slice(0, 10) }] };
  assert.deepEqual(makePatch(other, filling, true), { '~': 1, '~rows': [{ '~': 0, heat: heat(30).slice(0, 10) }] });
  assert.deepEqual((makePatch(cur, prev) as { '~rows': Obj[] })['~rows'][1], { '~': 1 });
  // Whether rows are mostly new is decided on the rows, not on the runs: 90 idle rows and 10 new ones are a patch.
  const table = { rows: Array.from({ length: 90 }, (_, i) => idle(i)) };
  const busier = { rows: [...table.rows, ...Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, cpu: 1 }))] };
  assert.deepEqual((makePatch(busier, table, true) as { '~rows': Obj[] })['~rows'][0], { '~': 0, '~n': 90 });
  // Made up: a run past the rows before, over a row used already, with a field; a shift of a list the row did not have,
  // past its length, not a list, or of a field also set.
  const refused = (patch: Obj, re: RegExp): void => assert.throws(() => applyPatch(prev, patch, 100, bad), re);
  refused({ '~': 1, '~rows': [{ '~': 5, '~n': 3 }] }, /does not have/);
  refused({ '~': 1, '~rows': [{ '~': 1 }, { '~': 0, '~n': 2 }] }, /used twice/);
  refused({ '~': 1, '~rows': [{ '~': 1, '~n': 2, cpu: 1 }] }, /a run of rows/);
  refused({ '~': 1, '~rows': [{ '~': 1, '~n': 0 }] }, /a run of rows/);
  refused({ '~': 1, '~rows': [{ '~': 1, '~n': 1.5 }] }, /a run of rows/);
  refused({ '~': 1, '~rows': [{ '~': 1, '~<': { heat: [1, []] } }] }, /a shift of heat/);
  refused({ '~': 1, '~rows': [{ '~': 0, '~<': { heat: [41, []] } }] }, /a shift of heat/);
  refused({ '~': 1, '~rows': [{ '~': 0, '~<': { heat: [1, 5] } }] }, /a shift of heat/);
  refused({ '~': 1, '~rows': [{ '~': 0, '~<': [1] }] }, /shifted lists/);
  refused({ '~': 1, '~rows': [{ '~': 0, heat: [], '~<': { heat: [1, []] } }] }, /both set and shifted/);
  refused(JSON.parse('{"~":1,"~rows":[{"~":0,"~<":{"__proto__":[0,[]]}}]}') as Obj, /__proto__|a shift/);
  assert.throws(() => applyPatch(prev, { '~': 1, '~rows': [{ '~': 0, '~n': 7 }] }, 5, bad), /more than 5 rows|does not have/);
});
