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

test('kernel BTF: function parameters, for fitting programs to signatures', (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  assert.equal(addon.kernelFunctionParams('tcp_sendmsg'), 3);
  assert.ok([4, 5, 6].includes(addon.kernelFunctionParams('tcp_recvmsg')));
  assert.equal(addon.kernelFunctionParams('no_such_function_in_any_kernel'), -1);
});

test('const volatile globals are set by name between open and load; unknown names are refused', async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  const obj = await addon.load(bpfObjectPath('tcptop'), [], { rodata: { tcp_recvmsg_nargs: 6 } });
  obj.close();
  await assert.rejects(addon.load(bpfObjectPath('tcptop'), [], { rodata: { no_such_knob: 1 } }), (e: unknown) => e instanceof BpfError && e.op === 'open' && e.code === 'ENOENT');
});

test('every tier whose programs this kernel lets load passes the verifier (kprobe tiers load here, then fail to attach)', async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  const { PANELS } = await import('../../src/panels/registry.js');
  const kernel = { functionParams: (n: string) => addon.kernelFunctionParams(n) };
  const loaded: string[] = [];
  for (const panel of PANELS) {
    for (const tier of panel.tiers) {
      if (tier.types.some((ty) => ty === 'fentry' || ty === 'fexit')) continue; // trampolines: EPERM on this kernel's class
      if (tier.types.includes('tracepoint')) continue; // needs tracefs; covered by the kernel tier tests
      const rodata = tier.rodata?.(kernel);
      const obj = await addon.load(bpfObjectPath(panel.stem), [...tier.programs], rodata ? { rodata } : {});
      assert.deepEqual(obj.programs().filter((p) => p.loaded).map((p) => p.name), [...tier.programs]);
      obj.close();
      loaded.push(`${panel.id}:${tier.name}`);
    }
  }
  t.diagnostic(`verified: ${loaded.join(', ')}`);
  assert.ok(loaded.includes('tcptop:kprobe'));
});

test('an environment that ends with objects still open (a worker thread) detaches them (cleanup hook, then finalizers)', async (t) => {
  if (!needsBpf(t)) return;
  const { Worker } = await import('node:worker_threads');
  const { bpfIds, waitForBaseline } = await import('../helpers/kernel.js');
  const base = bpfIds();
  const code = `
    const { createRequire } = require('node:module');
    const { parentPort } = require('node:worker_threads');
    const addon = createRequire(${JSON.stringify(ADDON_PATH)})(${JSON.stringify(ADDON_PATH)});
    addon.load(${JSON.stringify(bpfObjectPath('softirqs'))}, ['softirqs_entry_btf', 'softirqs_exit_btf']).then((obj) => {
      obj.attach();
      parentPort.postMessage(obj.programs().filter((p) => p.loaded).map((p) => p.id));
      // exits without close()
    });
  `;
  const worker = new Worker(code, { eval: true });
  const ids = await new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.equal(ids.length, 2);
  assert.ok(ids.every((id) => bpfIds().progs.has(id)), 'attached while the worker lives');
  await new Promise((r) => worker.once('exit', r));
  assert.deepEqual(await waitForBaseline(base), { progs: [], links: [] });
});
