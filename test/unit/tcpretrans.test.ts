/**
 * tcpretrans without a kernel: its records decoded on the C layouts, the reader over a fake object (retransmits from
 * the ring; drop counters read cumulative, idle ones taken out with their last count, the reasons named by the
 * kernel's enum, the places by kallsyms), the model's interval (a counter taken and made again starts from zero), and
 * kallsyms' addresses to functions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encode, naturalLayout, type RecordLayout } from '../../src/records/layout.js';
import { ringData } from '../../src/records/ring.js';
import { decodeDrops, retransDecoder, TCPRETRANS_RECORDS, type TcpretransLayouts } from '../../src/records/tcpretrans.js';
import { createTcpretransReader, dropReasonNames, hostOf, NO_REASON, protoName, tcpretransStats, tcpretransSummary } from '../../src/panels/tcpretrans.js';
import { deriveTcpretrans, type PacketDrop, type TcpretransSample } from '../../src/models/tcpretrans.js';
import { resolveAddresses } from '../../src/kernel/kallsyms.js';
import type { BpfObject, MapRead } from '../../src/native.js';
import type { HostInfo } from '../../src/panels/types.js';
import { tcpretrans as names } from '../../src/generated/bpf.js';

const L: TcpretransLayouts = {
  event: naturalLayout(TCPRETRANS_RECORDS.event),
  dropKey: naturalLayout(TCPRETRANS_RECORDS.dropKey),
  dropVal: naturalLayout(TCPRETRANS_RECORDS.dropVal),
  stat: naturalLayout(TCPRETRANS_RECORDS.stat),
};
const ip4 = (s: string): Buffer => Buffer.concat([Buffer.from(s.split('.').map(Number)), Buffer.alloc(12)]);
const KIND = names.enums.tcpretrans_kind;

function dropKey(o: { reason: number; location: bigint; sport?: number; dport?: number; family?: number; l4proto?: number }): Buffer {
  return encode(L.dropKey, {
    location: o.location,
    cgid: 0,
    reason: o.reason,
    ethertype: 0x0800,
    l4proto: o.l4proto ?? 6,
    family: o.family ?? 4,
    sport: o.sport ?? 40000,
    dport: o.dport ?? 80,
    saddr: ip4('10.0.0.1'),
    daddr: ip4('10.0.0.2'),
  });
}

function mapRead(layout: { key: RecordLayout; val: RecordLayout }, entries: readonly [Buffer, number][]): MapRead {
  return {
    keys: Buffer.concat(entries.map(([k]) => k)),
    values: Buffer.concat(entries.map(([, n]) => encode(layout.val, { count: n }))),
    count: entries.length,
    keySize: layout.key.size,
    valueSize: layout.val.size,
    batched: true,
    cpus: 1,
  };
}

test('records on their C layouts: a retransmit (its error signed), a drop counter with its flow', () => {
  const e = retransDecoder(L.event)(
    encode(L.event, {
      ts_ns: 7,
      cgid: 0,
      state: 1,
      err: -11 >>> 0,
      kind: KIND.PROBE,
      total_retrans: 3,
      srtt_us: 250,
      family: 2,
      lport: 5000,
      rport: 443,
      laddr: ip4('127.0.0.1'),
      raddr: ip4('127.0.0.2'),
    }),
  );
  assert.deepEqual([e?.state, e?.err, e?.kind, e?.totalRetrans, e?.laddr, e?.raddr, e?.rport], ['ESTABLISHED', -11, 'probe', 3, '127.0.0.1', '127.0.0.2', 443]);
  const [d] = decodeDrops(mapRead({ key: L.dropKey, val: L.dropVal }, [[dropKey({ reason: 5, location: 0xffffffff81234567n }), 9]]), L);
  assert.deepEqual(
    [d!.reason, d!.location, d!.family, d!.saddr, d!.sport, d!.daddr, d!.dport, d!.count, protoName(d!)],
    [5, 0xffffffff81234567n, 4, '10.0.0.1', 40000, '10.0.0.2', 80, 9, 'tcp'],
  );
  assert.equal(protoName({ family: 0, l4proto: 0, ethertype: 0x0806 }), 'arp');
  assert.equal(protoName({ family: 6, l4proto: 99, ethertype: 0x86dd }), 'ip/99');
  assert.equal(hostOf('[::1]:80'), '::1');
  assert.equal(hostOf('10.0.0.5:443'), '10.0.0.5');
});

test("drop reasons are the running kernel's names, whatever its numbering; none before 5.17", () => {
  const name = dropReasonNames([
    [2, 'SKB_DROP_REASON_NOT_SPECIFIED'],
    [3, 'SKB_DROP_REASON_NO_SOCKET'],
    [1, 'SKB_CONSUMED'],
  ]);
  assert.deepEqual([name(2), name(3), name(1), name(77), name(NO_REASON)], ['NOT_SPECIFIED', 'NO_SOCKET', 'CONSUMED', 'reason 77', '']);
  assert.equal(dropReasonNames(null)(3), 'reason 3');
});

test('kallsyms: the text symbol at or below each address, modules named; hidden addresses name nothing', () => {
  const text = [
    'ffffffff81000000 T _stext',
    'ffffffff81a00000 T tcp_v4_rcv',
    'ffffffff81a00400 t tcp_v4_fill_cb',
    'ffffffff81a00800 D some_data',
    'ffffffffc0001000 t nf_hook_slow\t[nf_tables]',
  ].join('\n');
  const got = resolveAddresses(text, [0xffffffff81a0012an, 0xffffffff81a00900n, 0xffffffffc0001010n, 0xffffffff90000000n]);
  assert.equal(got.get(0xffffffff81a0012an), 'tcp_v4_rcv');
  // Data symbols are not functions: the text symbol below it.
  assert.equal(got.get(0xffffffff81a00900n), 'tcp_v4_fill_cb');
  assert.equal(got.get(0xffffffffc0001010n), 'nf_hook_slow [nf_tables]');
  // Far past every symbol: not placed.
  assert.equal(got.has(0xffffffff90000000n), false);
  assert.equal(resolveAddresses('0000000000000000 T _stext\n0000000000000000 T tcp_v4_rcv\n', [0xffffffff81a0012an]).size, 0);
});

test('the model: retransmits per connection by kind, failed ones apart; drops per interval, a counter taken and made again from zero', () => {
  const rt = (over: object) => ({
    id: 'r',
    seq: 1,
    time_ms: 0,
    kind: 'timeout' as const,
    state: 'ESTABLISHED',
    err: 0,
    total_retrans: 1,
    srtt_us: 10,
    laddr: '10.0.0.1',
    lport: 5000,
    raddr: '10.0.0.2',
    rport: 443,
    cgroup: '',
    workload: '',
    ...over,
  });
  const drop = (id: string, total: number, taken = false): PacketDrop => ({
    id,
    reason: 'NO_SOCKET',
    where: 'tcp_v4_rcv',
    proto: 'tcp',
    src: 'a',
    dst: 'b',
    total,
    taken,
    cgroup: '',
    workload: '',
  });
  const base = { recent: [], ringFull: 0, mapFull: 0, rateDropped: 0, dropsLost: 0 };
  const prev: TcpretransSample = { ...base, retransmits: [], drops: [drop('x', 10), drop('y', 4, true), drop('z', 5)] };
  const cur: TcpretransSample = {
    ...base,
    retransmits: [rt({}), rt({ kind: 'probe' }), rt({ kind: 'fast', state: 'CLOSE_WAIT' }), rt({ err: -105 })],
    // x grew by 3; y was taken last time and made again (2 since); z did not move.
    drops: [drop('x', 13), drop('y', 2), drop('z', 5)],
  };
  const rows = deriveTcpretrans(cur, prev, 1e9);
  const r = rows.find((x) => x.event === 'retransmit')!;
  assert.deepEqual([r.src, r.dst, r.count, r.timeouts, r.probes, r.fast, r.failed, r.reason], ['10.0.0.1:5000', '10.0.0.2:443', 3, 1, 1, 1, 1, 'ESTABLISHED']);
  assert.deepEqual(
    rows
      .filter((x) => x.event === 'drop')
      .map((x) => [x.id, x.count])
      .sort(),
    [
      ['d/x', 3],
      ['d/y', 2],
    ],
  );
  assert.deepEqual(deriveTcpretrans(cur, undefined, 1e9), [], 'the first read is the baseline');
  const stats = tcpretransStats(cur, prev);
  assert.deepEqual([stats.retransmits, stats.timeouts, stats.probes, stats.fast, stats.failed], [3, 1, 1, 1, 1]);
  const s = tcpretransSummary(rows, stats, 1e9);
  assert.equal(
    s.text,
    '3 retransmits/s (1 by RTO, 1 loss probes, 1 in recovery), most to 10.0.0.2:443 3/s, 1/s not sent; 5 packet drops/s, most NO_SOCKET in tcp_v4_rcv 5/s',
  );
});

test('the reader: retransmits from the ring; drop counters read each interval, an idle one taken out with its last count, named by reason and function', () => {
  let nowNs = 1e9;
  const loc = 0xffffffff81a0012an;
  const k1 = dropKey({ reason: 3, location: loc });
  const k2 = dropKey({ reason: NO_REASON, location: loc, sport: 53, dport: 41000, l4proto: 17 });
  const counts = new Map<string, [Buffer, number]>([
    [k1.toString('hex'), [k1, 5]],
    [k2.toString('hex'), [k2, 1]],
  ]);
  let ring: Buffer[] = [];
  const taken: string[] = [];
  const obj = {
    openRing: () => {},
    takeRing: () => {
      const data = ringData(ring);
      const count = ring.length;
      ring = [];
      return { data, count, dropped: 0, taken: count };
    },
    readMap: (name: string) =>
      name === 'tcpretrans_stats'
        ? { keys: Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]), values: Buffer.alloc(24), count: 3 }
        : mapRead({ key: L.dropKey, val: L.dropVal }, [...counts.values()]),
    mapInfo: () => ({ type: 1, keySize: L.dropKey.size, valueSize: L.dropVal.size, maxEntries: 16384, perCpu: false }),
    takeKeys: (_name: string, keys: Buffer) => {
      const out: [Buffer, number][] = [];
      for (let i = 0; i < keys.length; i += L.dropKey.size) {
        const h = keys.subarray(i, i + L.dropKey.size).toString('hex');
        const e = counts.get(h);
        if (e) out.push(e);
        counts.delete(h);
        taken.push(h);
      }
      return mapRead({ key: L.dropKey, val: L.dropVal }, out);
    },
  } as unknown as BpfObject;
  const host: HostInfo = {
    onlineCpus: () => 2,
    nowNs: () => nowNs,
    readText: (p) => readFileSync(p, 'utf8'),
    kernelEnum: () => [[3, 'SKB_DROP_REASON_NO_SOCKET']],
  };
  const symbolized: bigint[][] = [];
  const read = createTcpretransReader(obj as never, L, host, (addrs) => {
    symbolized.push([...addrs]);
    return new Map([[loc, 'tcp_v4_rcv']]);
  });
  ring = [encode(L.event, { family: 2, state: 1, kind: KIND.TIMEOUT, lport: 1, rport: 2, laddr: ip4('10.0.0.1'), raddr: ip4('10.0.0.2') })];
  const s1 = read();
  assert.deepEqual(
    s1.retransmits.map((e) => [e.kind, e.laddr, e.raddr]),
    [['timeout', '10.0.0.1', '10.0.0.2']],
  );
  assert.deepEqual(s1.drops.map((d) => [d.reason, d.where, d.proto, d.src, d.dst, d.total, d.taken]).sort(), [
    ['', 'tcp_v4_rcv', 'udp', '10.0.0.1:53', '10.0.0.2:41000', 1, false],
    ['NO_SOCKET', 'tcp_v4_rcv', 'tcp', '10.0.0.1:40000', '10.0.0.2:80', 5, false],
  ]);
  // k1 keeps moving; k2 does not, and after 30 s idle it is taken out with its last count.
  counts.set(k1.toString('hex'), [k1, 8]);
  nowNs += 31e9;
  const s2 = read();
  assert.deepEqual(taken, [k2.toString('hex')]);
  assert.deepEqual(s2.drops.map((d) => [d.reason || d.proto, d.total, d.taken]).sort(), [
    ['NO_SOCKET', 8, false],
    ['udp', 1, true],
  ]);
  const rows = deriveTcpretrans(s2, s1, 31e9);
  assert.deepEqual(
    rows.map((r) => [r.reason, r.count]),
    [['NO_SOCKET', 3]],
    'the taken counter did not move: no row',
  );
  assert.equal(s2.recent.length, 1, 'the scrollback keeps the retransmit');
});
