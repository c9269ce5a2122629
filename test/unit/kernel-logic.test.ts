import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingPrivileges, parseCapEff, readPrivileges } from '../../src/kernel/privileges.js';
import { History } from '../../src/store.js';
import { Ring } from '../../src/ring.js';

const status = (capEff: string): string => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

test('capabilities are read from CapEff', () => {
  assert.equal(parseCapEff(status('000001ffffffffff')), 0x1ffffffffffn);
  const none = readPrivileges(status('0000000000000000'), 1000);
  assert.deepEqual(none, { uid: 1000, capBpf: false, capPerfmon: false, capSysAdmin: false });
  const bpfOnly = readPrivileges(status((1n << 39n).toString(16).padStart(16, '0')), 1000);
  assert.equal(bpfOnly.capBpf && !bpfOnly.capPerfmon, true);
});

test('missing privileges: one line naming exactly what is missing', () => {
  assert.equal(missingPrivileges(readPrivileges(status('000001ffffffffff'), 0), true), null);
  const none = missingPrivileges(readPrivileges(status('0000000000000000'), 1000), false);
  assert.equal(none, 'BPF panels need root, or CAP_BPF + CAP_PERFMON and access to tracefs; missing CAP_BPF, CAP_PERFMON, access to /sys/kernel/tracing: run sudo sixty');
  const caps = ((1n << 39n) | (1n << 38n)).toString(16).padStart(16, '0');
  assert.match(missingPrivileges(readPrivileges(status(caps), 1000), false)!, /missing access to \/sys\/kernel\/tracing/);
  assert.equal(missingPrivileges(readPrivileges(status(caps), 1000), true), null);
});

test('ring keeps the last N values, oldest first, nulls as gaps', () => {
  const r = new Ring(3);
  [1, null, 3, 4].forEach((v) => r.push(v));
  assert.deepEqual(r.values(), [null, 3, 4]);
});

test('history: absent rows record 0, silent series are dropped after a full ring', () => {
  const h = new History();
  h.record(new Map([['a', 5]]));
  h.record(new Map());
  assert.deepEqual(h.view().get('a')!.values(), [5, 0]);
  for (let i = 0; i < 60; i++) h.record(new Map());
  assert.equal(h.view().has('a'), false);
});

test('no kernel BTF: one line that says what the kernel lacks', async () => {
  const { missingBtf } = await import('../../src/engine.js');
  assert.equal(missingBtf('/proc/self/status'), null);
  assert.equal(missingBtf('/nonexistent/vmlinux'), "this kernel has no BTF (/nonexistent/vmlinux): sixty's BPF panels need a kernel built with CONFIG_DEBUG_INFO_BTF=y");
});

test('history keeps at most 4096 series, dropping the longest silent first', () => {
  const h = new History();
  h.record(new Map([['old', 1]]));
  h.record(new Map(Array.from({ length: 4096 }, (_, i) => [`s${i}`, 1] as [string, number])));
  const v = h.view();
  assert.equal(v.size, 4096);
  assert.equal(v.has('old'), false);
  assert.equal(v.has('s0'), true);
});
