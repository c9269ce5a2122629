/** The kernel-map mirror the keyed panels share, without a kernel: keys known and new, slots, what is taken and when. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MapRead } from '../../src/native.js';
import { MapMirror, u64at, type Mirrored } from '../../src/sources/map-mirror.js';

interface Entry extends Mirrored {
  name: string;
  count: number;
}

/** A batch read of 16-byte keys (id, 0, 0, id ^ 0xffff) and 8-byte counts. */
function batch(entries: readonly [number, number][]): MapRead {
  const keys = Buffer.alloc(entries.length * 16);
  const values = Buffer.alloc(entries.length * 8);
  entries.forEach(([id, count], i) => {
    keys.writeUInt32LE(id, i * 16);
    keys.writeUInt32LE(id ^ 0xffff, i * 16 + 12);
    values.writeBigUInt64LE(BigInt(count), i * 8);
  });
  return { keys, values, count: entries.length, keySize: 16, valueSize: 8, cpus: 1 } as unknown as MapRead;
}

const POLICY = { idleNs: 30e9, high: 0.75, low: 0.6 };

function mirrorRead(m: MapMirror<Entry>, read: MapRead, now: number): { made: string[]; moved: string[] } {
  const made: string[] = [];
  const moved: string[] = [];
  m.walk(read, (e, i, kw, vw) => {
    const count = u64at(vw, i * 2);
    if (!e) {
      made.push(`e${kw[i * 4]}`);
      return { k0: 0, k1: 0, k2: 0, k3: 0, slot: 0, seenRead: 0, name: `e${kw[i * 4]}`, count, lastActiveNs: now };
    }
    if (count !== e.count) {
      moved.push(e.name);
      e.count = count;
      e.lastActiveNs = now;
    }
    e.seenRead = m.read;
    return e;
  });
  return { made, moved };
}

test('map mirror: new keys get the lowest free slots; known keys are found by their words; forgotten slots are reused; the columns stay dense', () => {
  const m = new MapMirror<Entry>(POLICY);
  m.begin();
  assert.deepEqual(
    mirrorRead(
      m,
      batch([
        [1, 10],
        [2, 20],
        [3, 30],
      ]),
      0,
    ).made,
    ['e1', 'e2', 'e3'],
  );
  assert.deepEqual(
    [...m.entries()].map((e) => [e.name, e.slot]),
    [
      ['e1', 0],
      ['e2', 1],
      ['e3', 2],
    ],
  );
  m.begin();
  const r = mirrorRead(
    m,
    batch([
      [3, 31],
      [1, 10],
    ]),
    1e9,
  );
  assert.deepEqual(r, { made: [], moved: ['e3'] }, 'found again by key, whatever the order');
  // e2 left the map: forgotten, its slot goes to the next new key, lowest first.
  for (const e of [...m.entries()]) if (e.seenRead !== m.read) m.forget(e);
  m.begin();
  mirrorRead(
    m,
    batch([
      [1, 10],
      [3, 31],
      [7, 70],
      [8, 80],
    ]),
    2e9,
  );
  assert.deepEqual(
    [...m.entries()].map((e) => [e.name, e.slot]),
    [
      ['e1', 0],
      ['e7', 1],
      ['e3', 2],
      ['e8', 3],
    ],
  );
  // The last slots freed: the columns shrink.
  m.forget([...m.entries()].find((e) => e.name === 'e8')!);
  m.forget([...m.entries()].find((e) => e.name === 'e3')!);
  m.compact();
  assert.equal(m.length, 2);
  m.begin();
  mirrorRead(m, batch([[9, 1]]), 3e9);
  assert.equal([...m.entries()].find((e) => e.name === 'e9')!.slot, 2);
});

test('map mirror: idle entries are picked; above the high water mark the quietest, then the smallest, down to the low water mark', () => {
  const m = new MapMirror<Entry>(POLICY);
  m.begin();
  // 10 entries of a map of 12: above 0.75 × 12 = 9; down to 0.6 × 12 = 7 means 3 out.
  mirrorRead(m, batch(Array.from({ length: 10 }, (_, i) => [i + 1, 100 - i] as [number, number])), 0);
  const all = [...m.entries()];
  all[4]!.lastActiveNs = -31e9; // e5 idle for 31 s: out whatever the pressure
  all[8]!.lastActiveNs = -1e9; // e9 and e10 the quietest after it
  all[9]!.lastActiveNs = -1e9;
  all[2]!.count = 1; // e3 the smallest of those active now
  const picked = m.pick(all, 10, 12, 0, (e) => e.count).map((e) => e.name);
  assert.deepEqual(picked, ['e5', 'e10', 'e9'], 'idle first; then the two quietest (smallest first), which make three');
  assert.deepEqual(
    m.pick(all, 9, 12, 0, (e) => e.count).map((e) => e.name),
    ['e5'],
    'at the high water mark: only the idle',
  );
});

test('map mirror: taking entries out settles each with the counts the delete returned; unknown keys are left alone', () => {
  const m = new MapMirror<Entry>(POLICY);
  m.begin();
  mirrorRead(
    m,
    batch([
      [1, 10],
      [2, 20],
    ]),
    0,
  );
  const e1 = [...m.entries()][0]!;
  let asked: Buffer | undefined;
  const n = m.take(
    [e1],
    (keys) => {
      asked = keys;
      // The kernel counted 5 more between the read and the delete; it also returns a key sixty never knew.
      return batch([
        [1, 15],
        [99, 1],
      ]);
    },
    (e, taken, i) => {
      e.count = Number(taken.values.readBigUInt64LE(i * 8));
    },
  );
  assert.equal(n, 2);
  assert.equal(asked!.length, 16, 'the key as the kernel has it');
  assert.equal(asked!.readUInt32LE(0), 1);
  assert.equal(asked!.readUInt32LE(12), 1 ^ 0xffff);
  assert.equal(e1.count, 15, 'its last counts still count');
  assert.equal(
    m.take(
      [],
      () => assert.fail('no delete for nothing'),
      () => {},
    ),
    0,
  );
});
