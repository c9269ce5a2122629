/** tcptop's reader over a fake kernel map: opaque ids, time-based idleness, exact deletes, and what a full map lost. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTcptopReader } from '../../src/panels/tcptop.js';
import { encode } from '../../src/records/layout.js';
import { fakeAddon, fakeKernel, setMap, type FakeKernel } from '../helpers/fake-addon.js';
import { connsOf, TCPTOP, tcptopEntries, u32key, V4_LOCAL, type ConnFixture } from '../helpers/fixtures.js';

const c = (sk: number, rx: number, tx: number, created = 1): ConnFixture => ({
  sk: 0xffff888000000000n + BigInt(sk),
  pid: 100 + sk,
  lport: 1000 + sk,
  rport: 80,
  rx: BigInt(rx),
  tx: BigInt(tx),
  created: BigInt(created),
  family: 2,
  laddr: V4_LOCAL,
  raddr: [10, 0, 0, sk % 250],
  comm: `p${sk}`,
});

async function setup(capacity = 65536) {
  const kernel = fakeKernel();
  const conns = (list: ConnFixture[], created: number, full = 0, promoted = 0): void => {
    setMap(kernel, 'tcptop_conns', TCPTOP.key.size, TCPTOP.val.size, tcptopEntries(list), capacity);
    setMap(
      kernel,
      'tcptop_stats',
      4,
      8,
      [
        [u32key(0), encode(TCPTOP.stat, { count: full })],
        [u32key(1), encode(TCPTOP.stat, { count: created })],
        [u32key(3), encode(TCPTOP.stat, { count: promoted })],
      ],
      4,
    );
    setMap(kernel, 'tcptop_big', TCPTOP.key.size, TCPTOP.val.size, [], 4096);
  };
  conns([], 0);
  const obj = await fakeAddon(kernel).load('/x/tcptop.bpf.o', []);
  let now = 0;
  const host = { onlineCpus: () => 2, nowNs: () => now, readText: () => '' };
  const read = createTcptopReader(obj, TCPTOP, host);
  return { kernel, conns, read, at: (ns: number) => (now = ns) };
}

const left = (k: FakeKernel): number => k.maps.get('tcptop_conns')!.entries.size;

test('entries get opaque ids, stable across reads; names are decoded once; no kernel pointer leaves', async () => {
  const t = await setup();
  t.conns([c(1, 10, 0), c(2, 20, 0)], 2);
  const s1 = t.read();
  t.conns([c(2, 25, 0), c(1, 10, 5)], 2);
  const s2 = t.read();
  assert.deepEqual([...connsOf(s1).keys()], ['c1', 'c2']);
  assert.deepEqual(
    [...connsOf(s2).values()].map((x) => [x.id, x.names.comm, x.rx, x.tx]),
    [
      ['c1', 'p1', 10, 5],
      ['c2', 'p2', 25, 0],
    ],
  );
  assert.equal(connsOf(s1).get('c1')!.names, connsOf(s2).get('c1')!.names, 'decoded once');
  assert.doesNotMatch(JSON.stringify([...connsOf(s2).values()]), /ffff888|18446/);
});

test('idleness is time: many reads in a burst delete nothing; 30 s idle is taken out with its last bytes', async () => {
  const t = await setup();
  t.conns([c(1, 10, 0)], 1);
  t.read();
  for (let i = 1; i <= 10; i++) {
    t.at(i * 1e6); // ten reads within 10 ms, as after a stall
    t.read();
  }
  assert.equal(left(t.kernel), 1, 'a burst of reads is not idleness');
  t.at(31e9);
  // Between the read and the delete, the connection moved 7 more bytes: they are counted, not lost.
  t.kernel.beforeTake = () => t.conns([c(1, 17, 0)], 1);
  const s = t.read();
  assert.equal(left(t.kernel), 0, 'taken out of the kernel map');
  assert.deepEqual([connsOf(s).get('c1')!.rx, connsOf(s).get('c1')!.lastActiveNs], [17, 31e9]);
  t.kernel.beforeTake = undefined;
  t.at(32e9);
  t.conns([c(1, 3, 0, 2)], 2);
  const back = t.read();
  assert.deepEqual([connsOf(back).get('c1')!.rx, connsOf(back).get('c1')!.created], [3, 2], 'back under the same id, counting anew');
  assert.equal(back.evicted, 0, 'sixty deleting an entry is not an eviction');
});

test('evictions by the LRU are counted, including entries created and evicted between two reads', async () => {
  const t = await setup();
  t.conns([c(1, 10, 0), c(2, 10, 0)], 2);
  t.read();
  // c2 evicted; c3 and c4 came, c4 was evicted too before the read; c1 was evicted and came back.
  t.conns([c(1, 4, 0, 2), c(3, 1, 0)], 5);
  const s = t.read();
  assert.equal(s.evicted, 3);
  assert.equal(connsOf(s).get('c2')!.rx, 10, 'the evicted connection is still remembered (for its quiet row)');
});

test('under pressure the quietest and smallest entries are taken out down to the low water mark; the biggest stays', async () => {
  const t = await setup(10);
  t.conns([c(1, 1e9, 0), ...Array.from({ length: 8 }, (_, i) => c(10 + i, 100 + i, 0))], 9);
  t.read();
  t.at(1e9);
  t.conns([c(1, 2e9, 0), ...Array.from({ length: 8 }, (_, i) => c(10 + i, 200 + 2 * i, 0))], 9);
  const s = t.read();
  const keptPids = [...t.kernel.maps.get('tcptop_conns')!.entries.values()].map((e) => e.key.readUInt32LE(8)).sort((a, b) => a - b);
  assert.equal(keptPids.length, 6, '9 entries over a high water of 7.5: down to 6');
  // Each small one moved 100 + i bytes in the interval: the three smallest went, the big talker stayed.
  assert.deepEqual(keptPids, [101, 113, 114, 115, 116, 117]);
  assert.equal(s.entries, 6);
  assert.equal(s.evicted, 0);
});

test('a slot freed by a forgotten connection is reused without mixing the two up', async () => {
  const { deriveTcptop } = await import('../../src/models/tcptop.js');
  const t = await setup();
  t.conns([c(1, 10, 0)], 1);
  const s1 = t.read();
  t.at(31e9);
  t.conns([], 1);
  t.read(); // gone from the map
  t.at(100e9);
  t.read(); // c1 is forgotten (60 s after it left): its slot is free
  t.at(101e9);
  t.conns([c(2, 500, 0)], 2);
  const s3 = t.read(); // c2 takes the slot
  assert.deepEqual([s1.ids[0], s3.ids[0], s3.ids.length], ['c1', 'c2', 1]);
  const rows = deriveTcptop(s3, s1, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.rx_bytes]),
    [['c2', 500]],
    "all of c2's bytes, not 500 − 10",
  );
});

test('a connection moved to tcptop_big keeps its id and its counts; seen in both maps at once, it counts once', async () => {
  const { deriveTcptop } = await import('../../src/models/tcptop.js');
  const t = await setup();
  t.conns([c(1, 500_000, 0), c(2, 10, 0)], 2);
  const s1 = t.read();
  t.at(1e9);
  // c1 crossed 1 MiB: the program copied it to tcptop_big and (not yet) deleted it from the LRU.
  t.conns([c(1, 1_500_000, 0), c(2, 20, 0)], 2);
  setMap(t.kernel, 'tcptop_big', TCPTOP.key.size, TCPTOP.val.size, tcptopEntries([c(1, 1_600_000, 0)]), 4096);
  const s2 = t.read();
  assert.deepEqual(connsOf(s2).get('c1')!.rx, 1_600_000, 'the copy that moved further');
  t.at(2e9);
  t.conns([c(2, 30, 0)], 2, 0, 1); // the move finished: c1 left the LRU, counted as moved
  setMap(t.kernel, 'tcptop_big', TCPTOP.key.size, TCPTOP.val.size, tcptopEntries([c(1, 2_000_000, 0)]), 4096);
  const s3 = t.read();
  assert.deepEqual(
    [deriveTcptop(s2, s1, 1e9), deriveTcptop(s3, s2, 1e9)].map((rows) => rows.find((r) => r.id === 'c1')!.rx_bytes),
    [1_100_000, 400_000],
  );
  assert.equal(s3.evicted, 0);
});
