import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSoftirqs } from '../../src/records/softirqs.js';
import { decodeCounters, formatIPv6, tcptopDecoder, type TcptopCounts, type TcptopNames } from '../../src/records/tcptop.js';
import type { MapRead } from '../../src/native.js';
import { encode, naturalLayout, record, resolveLayout } from '../../src/records/layout.js';
import { mapRead, SOFTIRQS_VAL, softirqsRead, TCPTOP, tcptopRead, V4_LOCAL, V6_LOCAL } from '../helpers/fixtures.js';

/** Every entry of a read, decoded as the reader decodes a new one: its names, then its counts. */
function decodeAll(read: MapRead, L: typeof TCPTOP): (TcptopNames & TcptopCounts)[] {
  const d = tcptopDecoder(L);
  d.check(read, 'tcptop_conns');
  const out: (TcptopNames & TcptopCounts)[] = [];
  // Cgroup 7 is a service's; any other id is not known.
  const cgroupOf = (id: number) => (id === 7 ? { cgroup: '/system.slice/web.service', workload: 'web.service' } : { cgroup: '', workload: '' });
  for (let i = 0; i < read.count; i++) {
    const names = d.names(read, i, cgroupOf);
    if (names) out.push({ ...names, ...d.counts(read, i) });
  }
  return out;
}

test('softirqs: decodes vectors by key index, as bigints', () => {
  const recs = decodeSoftirqs(
    softirqsRead([
      [3, 12n, 3400n],
      [9, 2n ** 60n, 1n],
    ]),
    SOFTIRQS_VAL,
    1,
  );
  assert.deepEqual(recs, [
    { vector: 'net_rx', count: 12n, timeNs: 3400n, cpuCounts: [12], cpuTimeNs: [3400], maxNs: null },
    { vector: 'rcu', count: 2n ** 60n, timeNs: 1n, cpuCounts: [2 ** 60], cpuTimeNs: [1], maxNs: null },
  ]);
});

test('softirqs: per-CPU values read raw; the longest of the closed interval from the slot tagged with it', () => {
  // Two CPUs. Interval 5 closed (slot 1); CPU 0's slot 1 still holds interval 3's longest, CPU 1's holds interval 5's.
  const v = (count: bigint, time_ns: bigint, max_ns: bigint[], max_epoch: bigint[]): Buffer => encode(SOFTIRQS_VAL, { count, time_ns, max_ns, max_epoch });
  const values = Buffer.concat([
    v(10n, 1000n, [70n, 900n], [6n, 3n]),
    v(30n, 5000n, [0n, 400n], [4n, 5n]),
    v(1n, 5n, [0n, 0n], [0n, 0n]),
    v(2n, 6n, [0n, 0n], [0n, 0n]),
  ]);
  const keys = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from([1, 0, 0, 0])]);
  const recs = decodeSoftirqs({ ...mapRead(keys, values, 2, 4, SOFTIRQS_VAL.size), cpus: 2 }, SOFTIRQS_VAL, 5);
  assert.deepEqual(recs, [
    { vector: 'net_rx', count: 40n, timeNs: 6000n, cpuCounts: [10, 30], cpuTimeNs: [1000, 5000], maxNs: 400 },
    { vector: 'timer', count: 3n, timeNs: 11n, cpuCounts: [1, 2], cpuTimeNs: [5, 6], maxNs: null },
  ]);
  assert.equal(decodeSoftirqs({ ...mapRead(keys, values, 2, 4, SOFTIRQS_VAL.size), cpus: 2 }, SOFTIRQS_VAL, 6)[0]!.maxNs, 70, 'interval 6: slot 0');
});

test('softirqs: out-of-range vectors are dropped, a short buffer is an error', () => {
  assert.deepEqual(decodeSoftirqs(softirqsRead([[10, 1n, 1n]]), SOFTIRQS_VAL, 1), []);
  const bad = softirqsRead([[1, 1n, 1n]]);
  assert.throws(() => decodeSoftirqs({ ...bad, values: bad.values.subarray(0, 8) }, SOFTIRQS_VAL, 1), /48 bytes each/);
});

test('tcptop: decodes IPv4 and IPv6 entries with ports from the key', () => {
  const recs = decodeAll(
    tcptopRead([
      {
        sk: 0xffff888012345678n,
        pid: 42,
        lport: 8080,
        rport: 51000,
        rx: 100n,
        tx: 2n ** 40n,
        family: 2,
        laddr: V4_LOCAL,
        raddr: [10, 0, 0, 7],
        comm: 'curl',
        cgid: 7n,
      },
      {
        sk: 0xffff888087654321n,
        pid: 43,
        lport: 443,
        rport: 60000,
        rx: 5n,
        tx: 0n,
        family: 10,
        laddr: V6_LOCAL,
        raddr: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        comm: 'nginx',
      },
    ]),
    TCPTOP,
  );
  assert.equal(recs.length, 2);
  assert.deepEqual(recs, [
    {
      pid: 42,
      comm: 'curl',
      family: 'IPv4',
      laddr: '127.0.0.1',
      lport: 8080,
      raddr: '10.0.0.7',
      rport: 51000,
      rx: 100,
      tx: 2 ** 40,
      created: 1,
      cgroup: '/system.slice/web.service',
      workload: 'web.service',
    },
    {
      pid: 43,
      comm: 'nginx',
      family: 'IPv6',
      laddr: '::1',
      lport: 443,
      raddr: '2001:db8::1',
      rport: 60000,
      rx: 5,
      tx: 0,
      created: 1,
      cgroup: '',
      workload: '',
    },
  ]);
});

test('tcptop: control characters in comm are escaped; unknown families skipped', () => {
  const recs = decodeAll(
    tcptopRead([
      {
        sk: 1n,
        pid: 1,
        lport: 1,
        rport: 2,
        rx: 1n,
        tx: 1n,
        family: 2,
        laddr: V4_LOCAL,
        raddr: V4_LOCAL,
        comm: Buffer.from([0x65, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x5c]),
      },
      { sk: 2n, pid: 1, lport: 1, rport: 2, rx: 1n, tx: 1n, family: 1 as 2, laddr: V4_LOCAL, raddr: V4_LOCAL, comm: 'unix' },
    ]),
    TCPTOP,
  );
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.comm, 'e\\x1b[2J\\x07\\\\');
});

test('IPv6 formatting follows RFC 5952', () => {
  const b = (groups: number[]): Buffer => {
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
    return out;
  };
  assert.equal(formatIPv6(b([0, 0, 0, 0, 0, 0, 0, 0])), '::');
  assert.equal(formatIPv6(b([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1');
  assert.equal(formatIPv6(b([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), '2001:db8:0:1:1:1:1:1');
  assert.equal(formatIPv6(b([0xfe80, 0, 0, 0, 0xabc, 0, 0, 0])), 'fe80::abc:0:0:0');
  assert.equal(formatIPv6(b([0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001])), '::ffff:127.0.0.1');
});

test('counters: per-index u64', () => {
  const keys = Buffer.alloc(4);
  const values = Buffer.alloc(8);
  values.writeBigUInt64LE(17n);
  assert.deepEqual(decodeCounters(mapRead(keys, values, 1, 4, 8), TCPTOP.stat), [17n]);
});

test('natural layout follows the C ABI: alignment, padding, trailing padding', () => {
  const l = naturalLayout(record('t', { a: 'u8', b: 'u32', c: 'u16', d: { bytes: 3 }, e: 'u64', f: { cstr: 5 } }));
  assert.deepEqual(Object.fromEntries(Object.entries(l.fields).map(([k, f]) => [k, f.offset])), { a: 0, b: 4, c: 8, d: 10, e: 16, f: 24 });
  assert.equal(l.size, 32);
  assert.equal(TCPTOP.key.size, 16);
  assert.equal(TCPTOP.val.size, 88, 'tcptop_val: 8+8+8+16+16+2 (+6 padding in C) + 16 + 8 (cgid), aligned to 8');
  assert.equal(TCPTOP.val.fields.cgid!.offset, 80);
  assert.equal(TCPTOP.val.fields.comm!.offset, 64);
});

test('layouts resolve from BTF members by name; a missing or resized field is an error naming it', () => {
  const decl = record('x', { a: 'u32', b: 'u64' });
  const btf = {
    size: 24,
    members: [
      { name: 'pad', offset: 0, size: 8 },
      { name: 'a', offset: 8, size: 4 },
      { name: 'b', offset: 16, size: 8 },
    ],
  };
  const l = resolveLayout(decl, btf);
  assert.deepEqual([l.size, l.fields.a!.offset, l.fields.b!.offset], [24, 8, 16]);
  assert.throws(
    () => resolveLayout(decl, { ...btf, members: btf.members.slice(0, 2) }),
    /^LayoutError: struct x has no field b in the BPF object \(the decoder expects u64\)$/,
  );
  assert.throws(
    () => resolveLayout(decl, { size: 24, members: [{ name: 'a', offset: 8, size: 2 }, btf.members[2]!] }),
    /struct x field a is 2 bytes in the BPF object, the decoder expects u32/,
  );
});

test("encode is the decoders' inverse; a C string keeps room for its NUL", () => {
  const b = encode(TCPTOP.val, { rx_bytes: 5n, family: 10, comm: 'a-very-long-process-name' });
  assert.equal(b.length, 88);
  assert.equal(b.readBigUInt64LE(0), 5n);
  assert.equal(b.readUInt16LE(TCPTOP.val.fields.family!.offset), 10);
  assert.equal(b.subarray(64, 80).toString('latin1'), 'a-very-long-pro\0');
});
