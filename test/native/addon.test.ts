import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BpfError } from '../../src/errors.js';
import { loadAddon } from '../../src/native.js';
import { ADDON_PATH, bpfObjectPath } from '../../src/paths.js';
import { PANELS } from '../../src/panels/registry.js';
import type { BpfSource } from '../../src/panels/types.js';
import { naturalLayout, resolveLayout, type RecordDecl } from '../../src/records/layout.js';
import { SOFTIRQS_RECORDS } from '../../src/records/softirqs.js';
import { ringRecords } from '../../src/records/ring.js';
import { needsBpf } from '../helpers/kernel.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** CPUs the kernel could bring online (/sys/devices/system/cpu/possible: "0-1", "0,2-3"): a per-CPU map's width. */
function possibleCpus(): number {
  return readFileSync('/sys/devices/system/cpu/possible', 'utf8')
    .trim()
    .split(',')
    .reduce((n, r) => {
      const [a, b] = r.split('-').map(Number);
      return n + (b === undefined ? 1 : b - a! + 1);
    }, 0);
}

/** Every BPF source in the registry: a new panel is covered by these tests without editing them. */
const BPF_SOURCES = PANELS.flatMap((p) => (p.source.kind === 'bpf' ? [{ id: p.id, source: p.source as BpfSource<unknown> }] : []));

test('the addon links libbpf statically and exports none of its symbols', (t) => {
  if (!needsBpf(t)) return;
  const ldd = execFileSync('ldd', [ADDON_PATH], { encoding: 'utf8' });
  assert.doesNotMatch(ldd, /libbpf/);
  const syms = execFileSync('nm', ['-D', '--defined-only', ADDON_PATH], { encoding: 'utf8' });
  assert.doesNotMatch(syms, /\s(bpf_object__|bpf_map_|libbpf_|btf__)\w*$/m);
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
  await assert.rejects(
    addon.load(bpfObjectPath('softirqs'), ['no_such_prog']),
    (e: unknown) => e instanceof BpfError && e.op === 'open' && /no program named no_such_prog/.test(e.message),
  );
});

test("libbpf's log reaches user space whole: a long verifier log keeps its verdict and its end", async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  addon.takeLog();
  await assert.rejects(addon.load(bpfObjectPath('probe'), ['probe_rejected']), (e: unknown) => e instanceof BpfError && e.op === 'load');
  const log = addon.takeLog();
  assert.ok(log.length > 4096, `${log.length} bytes: longer than any one-KiB cut`);
  assert.match(log, /R\d+ invalid mem access 'scalar'\nprocessed \d+ insns/);
  assert.match(log, /-- END PROG LOAD LOG --/);
});

test('handles: unknown maps, attach twice, close is idempotent, closed handles refuse', async (t) => {
  if (!needsBpf(t)) return;
  const obj = await loadAddon().load(bpfObjectPath('softirqs'), ['softirqs_entry_btf', 'softirqs_exit_btf']);
  try {
    assert.deepEqual(obj.attach(), ['softirqs_entry_btf', 'softirqs_exit_btf']);
    assert.throws(
      () => obj.attach(),
      (e: unknown) => e instanceof BpfError && e.code === 'EBUSY',
    );
    assert.throws(
      () => obj.readMap('nope'),
      (e: unknown) => e instanceof BpfError && e.op === 'readMap' && e.code === 'ENOENT',
    );
    const size = naturalLayout(SOFTIRQS_RECORDS.val).size;
    const info = obj.mapInfo('softirqs_stats');
    assert.deepEqual(info, { type: 6, keySize: 4, valueSize: size, maxEntries: 10, perCpu: true });
    const read = obj.readMap('softirqs_stats');
    assert.equal(read.count, 10);
    assert.equal(read.values.length, 10 * size);
    // Raw per-CPU values: every CPU's, in CPU order; their sum is the summed read (the counters only grow).
    const raw = obj.readMap('softirqs_stats', { perCpu: 'raw' });
    const cpus = raw.cpus;
    assert.equal(cpus, possibleCpus(), 'one value per possible CPU');
    const again = obj.readMap('softirqs_stats');
    assert.equal(raw.cpus, cpus);
    assert.equal(raw.values.length, 10 * size * cpus);
    for (let v = 0; v < 10; v++) {
      let sum = 0n;
      for (let c = 0; c < cpus; c++) sum += raw.values.readBigUInt64LE((v * cpus + c) * size);
      assert.ok(sum >= read.values.readBigUInt64LE(v * size) && sum <= again.values.readBigUInt64LE(v * size), `vector ${v}`);
    }
    // updateKeys sets an array's value, which the programs then read (softirqs_epoch); per-CPU maps are refused.
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(7n);
    assert.equal(obj.updateKeys('softirqs_epoch', Buffer.alloc(4), one), 1);
    assert.equal(obj.readMap('softirqs_epoch').values.readBigUInt64LE(0), 7n);
    assert.throws(
      () => obj.updateKeys('softirqs_stats', Buffer.alloc(4), Buffer.alloc(size)),
      (e: unknown) => e instanceof BpfError && e.code === 'EINVAL',
    );
    assert.throws(
      () => obj.updateKeys('softirqs_epoch', Buffer.alloc(3), one),
      (e: unknown) => e instanceof BpfError && e.code === 'EINVAL',
    );
    const loaded = obj
      .programs()
      .filter((p) => p.loaded)
      .map((p) => p.name);
    assert.deepEqual(loaded, ['softirqs_entry_btf', 'softirqs_exit_btf']);
    // programTotals: the loaded programs' counters summed, as programs() gives them one by one. They only rise (the
    // host's softirqs run meanwhile), so the totals lie between programs() read just before and just after.
    type Counter = 'recursionMisses' | 'runCount' | 'runTimeNs';
    const sums = (): Record<Counter, number> => {
      const each = obj.programs().filter((p) => p.loaded);
      const sum = (k: Counter): number => each.reduce((a, p) => a + (p[k] ?? 0), 0);
      return { recursionMisses: sum('recursionMisses'), runCount: sum('runCount'), runTimeNs: sum('runTimeNs') };
    };
    const before = sums();
    const [missed, runs, runNs] = obj.programTotals();
    const after = sums();
    for (const [k, v] of [
      ['recursionMisses', missed],
      ['runCount', runs],
      ['runTimeNs', runNs],
    ] as const)
      assert.ok(before[k] <= v && v <= after[k], `${k}: ${before[k]} <= ${v} <= ${after[k]}`);
  } finally {
    obj.close();
    obj.close();
  }
  assert.throws(
    () => obj.readMap('softirqs_stats'),
    (e: unknown) => e instanceof BpfError && e.code === 'EBADF',
  );
});

test("ring buffers: drained by the addon's thread, records whole and in order; a full staging buffer counts what it turns away", async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  const programs = ['execsnoop_exec_btf', 'execsnoop_exit_btf'];
  const obj = await addon.load(bpfObjectPath('execsnoop'), programs);
  const small = await addon.load(bpfObjectPath('execsnoop'), programs);
  try {
    obj.attach();
    small.attach();
    assert.throws(
      () => obj.openRing('execsnoop_stats'),
      (e: unknown) => e instanceof BpfError && e.op === 'openRing' && e.code === 'EINVAL',
    );
    assert.throws(
      () => obj.takeRing('execsnoop_events'),
      (e: unknown) => e instanceof BpfError && e.op === 'takeRing' && e.code === 'ENOENT',
    );
    obj.openRing('execsnoop_events', { periodMs: 5 });
    // Room for one exit record (80 bytes and its length), not for an exec (at least 352 bytes).
    small.openRing('execsnoop_events', { maxBytes: 96 });
    assert.throws(
      () => obj.openRing('execsnoop_events'),
      (e: unknown) => e instanceof BpfError && e.code === 'EBUSY',
    );
    const n = 20;
    const pids: number[] = [];
    for (let i = 0; i < n; i++) pids.push(Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' })));
    // No wait for the thread: a take drains what the ring holds.
    const take = obj.takeRing('execsnoop_events');
    const recs = ringRecords(take);
    assert.equal(recs.length, take.count);
    assert.equal(take.taken, take.count);
    assert.equal(take.dropped, 0);
    // Each of our shells: its exec, then its exit, in that order.
    for (const pid of pids) {
      const kinds = recs.filter((r) => r.readUInt32LE(28) === pid).map((r) => r.readUInt32LE(24));
      assert.deepEqual(kinds, [0, 1], `pid ${pid}: exec then exit`);
    }
    // A take empties the staging buffer: what it handed over is not handed over again (the host's own execs may
    // come in between, so the next take is not asserted empty, only free of ours).
    const again = ringRecords(obj.takeRing('execsnoop_events'));
    assert.deepEqual(again.filter((r) => pids.includes(r.readUInt32LE(28))).length, 0, 'a take empties the staging buffer');
    const s = small.takeRing('execsnoop_events');
    assert.ok(s.dropped >= n, `every exec record turned away (${s.dropped})`);
    assert.ok(s.count <= 1, 'at most one exit record kept');
  } finally {
    obj.close();
    await small.closeAsync();
  }
  assert.throws(
    () => obj.takeRing('execsnoop_events'),
    (e: unknown) => e instanceof BpfError && e.code === 'EBADF',
  );
});

test("a take has every record submitted before it, however long the ring's thread waits (an idle ring waits longer)", async (t) => {
  if (!needsBpf(t)) return;
  const obj = await loadAddon().load(bpfObjectPath('execsnoop'), ['execsnoop_exec_btf', 'execsnoop_exit_btf']);
  try {
    obj.attach();
    // The longest period: the thread looks at the ring once at the start, then every 1 to 4 s.
    obj.openRing('execsnoop_events', { periodMs: 1000 });
    for (let round = 0; round < 3; round++) {
      const pids = Array.from({ length: 5 }, () => Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' })));
      const recs = ringRecords(obj.takeRing('execsnoop_events'));
      for (const pid of pids)
        assert.deepEqual(
          recs.filter((r) => r.readUInt32LE(28) === pid).map((r) => r.readUInt32LE(24)),
          [0, 1],
          `round ${round}, pid ${pid}: exec then exit, in the take right after`,
        );
    }
  } finally {
    obj.close();
  }
});

test('hash maps: batched read, and chosen keys taken (deleted with their last values)', async (t) => {
  if (!needsBpf(t)) return;
  const obj = await loadAddon().load(bpfObjectPath('tcptop'), []);
  try {
    assert.deepEqual(obj.readMap('tcptop_conns'), {
      keys: Buffer.alloc(0),
      values: Buffer.alloc(0),
      count: 0,
      keySize: 16,
      valueSize: 88,
      batched: true,
      cpus: 1,
    });
    assert.equal(obj.takeKeys('tcptop_conns', Buffer.alloc(32)).count, 0, 'taking keys that are not there takes nothing');
    assert.throws(() => obj.takeKeys('tcptop_conns', Buffer.alloc(5)), /not whole keys/);
    assert.throws(
      () => obj.takeKeys('tcptop_stats', Buffer.alloc(4)),
      (e: unknown) => e instanceof BpfError && e.op === 'takeKeys' && /per-CPU/.test(e.message),
    );
  } finally {
    obj.close();
  }
});

test('every record declared in src/records resolves against its compiled object, where the C ABI put it', async (t) => {
  if (!needsBpf(t)) return;
  assert.ok(BPF_SOURCES.length >= 2);
  const checked: string[] = [];
  for (const { source } of BPF_SOURCES) {
    const obj = await loadAddon().load(bpfObjectPath(source.stem), []);
    try {
      for (const decl of Object.values(source.records) as RecordDecl[]) {
        const resolved = resolveLayout(decl, obj.layout(decl.struct));
        // The unit tests' fixtures use the natural layout: it must be what the compiler did.
        assert.deepEqual(resolved, naturalLayout(decl), `struct ${decl.struct}`);
        checked.push(decl.struct);
      }
    } finally {
      obj.close();
    }
  }
  t.diagnostic(`checked: ${checked.join(', ')}`);
});

test('kernel BTF: function parameters, for fitting programs to signatures', (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  assert.equal(addon.kernelFunctionParams('tcp_sendmsg'), 3);
  assert.ok([4, 5, 6].includes(addon.kernelFunctionParams('tcp_recvmsg')));
  assert.equal(addon.kernelFunctionParams('no_such_function_in_any_kernel'), -1);
});

test("kernel BTF: an enum's values and names, as the running kernel numbers them", (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  const states = new Map(addon.kernelEnum('bpf_prog_type'));
  // UAPI values, the same on every kernel: a check that values and names are paired, not just listed.
  assert.equal(states.get(0), 'BPF_PROG_TYPE_UNSPEC');
  assert.equal(states.get(2), 'BPF_PROG_TYPE_KPROBE');
  assert.equal(states.get(5), 'BPF_PROG_TYPE_TRACEPOINT');
  assert.equal(addon.kernelEnum('no_such_enum_in_any_kernel'), null);
});

test('const volatile globals are set by name between open and load; unknown names are refused', async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  const obj = await addon.load(bpfObjectPath('tcptop'), [], { rodata: { tcp_recvmsg_nargs: 6 } });
  obj.close();
  await assert.rejects(
    addon.load(bpfObjectPath('tcptop'), [], { rodata: { no_such_knob: 1 } }),
    (e: unknown) => e instanceof BpfError && e.op === 'open' && e.code === 'ENOENT',
  );
});

test('every tier whose programs this kernel lets load passes the verifier (kprobe tiers load here, then fail to attach)', async (t) => {
  if (!needsBpf(t)) return;
  const addon = loadAddon();
  const kernel = { functionParams: (n: string) => addon.kernelFunctionParams(n) };
  const loaded: string[] = [];
  for (const { id, source } of BPF_SOURCES) {
    for (const tier of source.tiers) {
      if (tier.types.some((ty) => ty === 'fentry' || ty === 'fexit')) continue; // trampolines: EPERM on this kernel's class
      if (tier.types.includes('tracepoint')) continue; // needs tracefs; covered by the kernel tier tests
      const rodata = tier.rodata?.(kernel);
      const obj = await addon.load(bpfObjectPath(source.stem), [...tier.programs], rodata ? { rodata } : {});
      assert.deepEqual(
        obj
          .programs()
          .filter((p) => p.loaded)
          .map((p) => p.name)
          .sort(),
        [...tier.programs].sort(),
      );
      obj.close();
      loaded.push(`${id}:${tier.name}`);
    }
  }
  t.diagnostic(`verified: ${loaded.join(', ')}`);
  assert.ok(loaded.includes('tcptop:kprobe'));
});

test('an environment that ends with objects still open (a worker thread) detaches them (cleanup hook, then finalizers)', async (t) => {
  if (!needsBpf(t)) return;
  const { Worker } = await import('node:worker_threads');
  const { kernelBpf, until } = await import('../helpers/kernel.js');
  // The worker stays alive until told to go, so "attached while it lives" does not depend on how soon it would exit.
  const code = `
    const { createRequire } = require('node:module');
    const { parentPort } = require('node:worker_threads');
    const addon = createRequire(${JSON.stringify(ADDON_PATH)})(${JSON.stringify(ADDON_PATH)});
    addon.load(${JSON.stringify(bpfObjectPath('softirqs'))}, ['softirqs_entry_btf', 'softirqs_exit_btf']).then((obj) => {
      obj.attach();
      parentPort.postMessage(obj.programs().filter((p) => p.loaded).map((p) => p.id));
      // Then it waits for 'exit' and leaves without close(): the environment's cleanup must detach.
      parentPort.once('message', () => parentPort.close());
    });
  `;
  const worker = new Worker(code, { eval: true });
  const exited = new Promise((r) => worker.once('exit', r));
  const ids = await new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.equal(ids.length, 2);
  assert.ok(
    ids.every((id) => kernelBpf().progs.has(id)),
    'attached while the worker lives',
  );
  worker.postMessage('exit');
  await exited;
  await until(() => ids.every((id) => !kernelBpf().progs.has(id)), "the worker's programs to be freed", 10_000);
});

test('closeAsync: closed for JavaScript at once; detached and unloaded off the JavaScript thread; close after it is harmless', async (t) => {
  if (!needsBpf(t)) return;
  const { kernelBpf, until } = await import('../helpers/kernel.js');
  const addon = loadAddon();
  const obj = await addon.load(bpfObjectPath('softirqs'), ['softirqs_entry_btf', 'softirqs_exit_btf']);
  obj.attach();
  const ids = obj
    .programs()
    .filter((p) => p.loaded)
    .map((p) => p.id!);
  assert.equal(ids.length, 2);
  assert.ok(ids.every((id) => kernelBpf().progs.has(id)));
  const done = obj.closeAsync();
  assert.throws(
    () => obj.readMap('softirqs_stats'),
    (e: unknown) => e instanceof BpfError && e.code === 'EBADF',
    'closed for JavaScript before the kernel is done',
  );
  obj.close();
  assert.equal(await obj.closeAsync(), undefined, 'again: nothing left to close');
  await done;
  // The links and descriptors are closed now; the kernel frees the programs after a grace period.
  await until(() => ids.every((id) => !kernelBpf().progs.has(id)), 'the programs to be freed', 10_000);
});

test('symbolizeFile: functions by file offset, whether each keeps its frame pointer there, C++ demangled; errors as errnos', async () => {
  const { fixtureBinary } = await import('../helpers/ground-truth.js');
  const addon = loadAddon();
  const bin = fixtureBinary('burn', { name: 'fp', flags: ['-O0', '-fno-omit-frame-pointer'] });
  // A PIE's text: its file offsets are its virtual addresses (nm's).
  const nm = execFileSync('nm', [bin], { encoding: 'utf8' });
  const at = (name: string): number => parseInt(new RegExp(`^([0-9a-f]+) [Tt] ${name}$`, 'm').exec(nm)![1]!, 16);
  // An unsized symbol (_init) ends with its section: the PLT after it is nobody's.
  const init = at('_init');
  const plt = parseInt(/^\s*\[\s*\d+\] \.plt\s+PROGBITS\s+([0-9a-f]+)/m.exec(execFileSync('readelf', ['-SW', bin], { encoding: 'utf8' }))![1]!, 16);
  assert.deepEqual(addon.symbolizeFile(bin, [init, plt + 4]).names, ['_init', null]);
  const r = addon.symbolizeFile(bin, [at('work70'), at('work70') + 8, at('main') + 8, 0x7fffffff]);
  assert.equal(r.ok, true);
  assert.match(r.buildId, /^[0-9a-f]{40}$/);
  assert.deepEqual(r.names, ['work70', 'work70', 'main', null]);
  // At its first instruction a function has not pushed its frame pointer (it never touched it); past its prologue it
  // keeps one (-O0 -fno-omit-frame-pointer); an offset in no segment is unknown.
  assert.deepEqual(r.framePointer, [2, 1, 1, -1]);
  // The C library without frame pointers: a system call's wrapper never touches it.
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  if (process.arch === 'x64' && existsSync(libc)) {
    const dyn = execFileSync('nm', ['-D', libc], { encoding: 'utf8' });
    const read = parseInt(/^([0-9a-f]+) [TW] read@@/m.exec(dyn)![1]!, 16);
    const l = addon.symbolizeFile(libc, [read + 4]);
    assert.deepEqual([l.names[0], l.framePointer[0]], ['read', 2], 'the version (read@@GLIBC_2.2.5) is not part of the name');
  }
  assert.deepEqual(addon.symbolizeFile('/nonexistent/x', [0]), { ok: false, err: 2, buildId: '', names: [null], framePointer: [-1] });
  assert.equal(addon.symbolizeFile('/etc/hostname', [0]).err, 8, 'not ELF: ENOEXEC');
  // C++ names as their source spells them.
  const dir = mkdtempSync(join(tmpdir(), 'sixty-cxx-'));
  try {
    writeFileSync(join(dir, 'x.cc'), 'namespace sixty { int twice(int x) { return 2 * x; } }\n');
    execFileSync('g++', ['-shared', '-fPIC', '-O0', '-o', join(dir, 'x.so'), join(dir, 'x.cc')]);
    const off = parseInt(/^([0-9a-f]+) T _ZN5sixty5twiceEi$/m.exec(execFileSync('nm', [join(dir, 'x.so')], { encoding: 'utf8' }))![1]!, 16);
    assert.equal(addon.symbolizeFile(join(dir, 'x.so'), [off + 1]).names[0], 'sixty::twice(int)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
