import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BpfError } from '../../src/errors.js';
import { loadAddon } from '../../src/native.js';
import { ADDON_PATH, bpfObjectPath } from '../../src/paths.js';
import { SOFTIRQS_VAL } from '../../src/records/softirqs.js';
import { TCPTOP_KEY, TCPTOP_STATS_VAL, TCPTOP_VAL } from '../../src/records/tcptop.js';
import type { RecordLayout } from '../../src/records/layout.js';
import { needsBpf } from '../helpers/kernel.js';

test('the addon links libbpf statically and exports none of its symbols', (t) => {
  if (!needsBpf(t)) return;
  const ldd = execFileSync('ldd', [ADDON_PATH], { encoding: 'utf8' });
  assert.doesNotMatch(ldd, /libbpf/);
  const syms = execFileSync('nm', ['-D', '--defined-only', ADDON_PATH], { encoding: 'utf8' });
  assert.doesNotMatch(syms, /\s(bpf_object__|bpf_map_|libbpf_|btf__)\w*$/m);
  assert.ok(loadAddon().possibleCpus() >= 1);
});

test('errors cross as BpfError {op, errno, code}', async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  await assert.rejects(addon.load('/nonexistent/x.bpf.o', []), (e: unknown) => {
    assert.ok(e instanceof BpfError);
    assert.equal(e.op, 'open');
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.errno, 2);
    return true;
  });
  await assert.rejects(addon.load(bpfObjectPath('softirqs'), ['no_such_prog']), (e: unknown) => e instanceof BpfError && e.op === 'open' && /no program named no_such_prog/.test(e.message));
});

test('handles: unknown maps, attach twice, close is idempotent, closed handles refuse', async (t) => {
  if (!needsBpf(t)) return;
  const obj = await loadAddon().load(bpfObjectPath('softirqs'), ['softirqs_entry_btf', 'softirqs_exit_btf']);
  try {
    assert.deepEqual(obj.attach(), ['softirqs_entry_btf', 'softirqs_exit_btf']);
    assert.throws(() => obj.attach(), (e: unknown) => e instanceof BpfError && e.code === 'EBUSY');
    assert.throws(() => obj.readMap('nope'), (e: unknown) => e instanceof BpfError && e.op === 'readMap' && e.code === 'ENOENT');
    const info = obj.mapInfo('softirqs_stats');
    assert.deepEqual(info, { type: 6, keySize: 4, valueSize: 16, maxEntries: 10, perCpu: true });
    const read = obj.readMap('softirqs_stats');
    assert.equal(read.count, 10);
    assert.equal(read.values.length, 160);
    const loaded = obj.programs().filter((p) => p.loaded).map((p) => p.name);
    assert.deepEqual(loaded, ['softirqs_entry_btf', 'softirqs_exit_btf']);
  } finally {
    obj.close();
    obj.close();
  }
  assert.throws(() => obj.readMap('softirqs_stats'), (e: unknown) => e instanceof BpfError && e.code === 'EBADF');
});

test('hash maps: batched read and delete of chosen keys', async (t) => {
  if (!needsBpf(t)) return;
  const obj = await loadAddon().load(bpfObjectPath('tcptop'), []);
  try {
    assert.deepEqual(obj.readMap('tcptop_conns'), { keys: Buffer.alloc(0), values: Buffer.alloc(0), count: 0, keySize: 16, valueSize: 72, batched: true });
    assert.equal(obj.deleteKeys('tcptop_conns', Buffer.alloc(16)), 0);
    assert.throws(() => obj.deleteKeys('tcptop_conns', Buffer.alloc(5)), /not whole keys/);
  } finally {
    obj.close();
  }
});

test('record layouts in src/records match the compiled objects (BTF)', async (t) => {
  if (!needsBpf(t)) return;
  const check = async (stem: string, layouts: RecordLayout[]): Promise<void> => {
    const obj = await loadAddon().load(bpfObjectPath(stem), []);
    try {
      for (const l of layouts) {
        const btf = obj.layout(l.struct);
        assert.equal(btf.size, l.size, `sizeof(struct ${l.struct})`);
        for (const [name, f] of Object.entries(l.fields)) {
          const m = btf.members.find((x) => x.name === name);
          assert.ok(m, `struct ${l.struct} has no member ${name}`);
          assert.deepEqual({ offset: m.offset, size: m.size }, f, `struct ${l.struct}.${name}`);
        }
      }
    } finally {
      obj.close();
    }
  };
  await check('softirqs', [SOFTIRQS_VAL]);
  await check('tcptop', [TCPTOP_KEY, TCPTOP_VAL, TCPTOP_STATS_VAL]);
});
