/**
 * profile and offcputime without a kernel: the records on the C layouts, the symbol tables' parsers (kallsyms,
 * /proc/PID/maps, perf maps), the user stacks' names and where a frame-pointer walk stops being trustworthy, the model's
 * rows (counters whose stacks name the same are one row), the top functions, folded stacks, and the reader's upkeep
 * of both maps over a fake object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, naturalLayout } from '../../src/records/layout.js';
import {
  decodeStackCounts,
  decodeStacks,
  EFAULT,
  STACK_RECORDS,
  STACKS_ENOSPC,
  STACKS_NONE,
  stackIdKeys,
  type StackLayouts,
} from '../../src/records/stacks.js';
import { kernelName, KernelSymbols, parseKallsyms } from '../../src/symbols/kernel.js';
import { mappingOf, parseMaps, parsePerfMap, perfMapName } from '../../src/symbols/maps.js';
import { UNSEEN_CALLER, UserSymbols, type SymbolizeFile } from '../../src/symbols/user.js';
import {
  CUT_FRAME,
  deriveStacks,
  foldedStacks,
  joinStack,
  rowId,
  topFunctions,
  type StackEntry,
  type StackRow,
  type StackSample,
} from '../../src/models/stacks.js';
import { createStackReader, lostWords, stackText, stateName } from '../../src/panels/stacks.js';
import { nextRate, PROFILE_RATES } from '../../src/panels/profile.js';
import type { BpfObject, MapRead } from '../../src/native.js';
import type { HostInfo } from '../../src/panels/types.js';

const L: StackLayouts = { key: naturalLayout(STACK_RECORDS.key), val: naturalLayout(STACK_RECORDS.val), stat: naturalLayout(STACK_RECORDS.stat) };

test('the stack key is the C struct: 80 bytes, the stacks by their 64-bit keys, the comm and the waker comm last', () => {
  assert.equal(L.key.size, 80);
  assert.equal(L.key.fields.user_stack!.offset, 16);
  assert.equal(L.key.fields.comm!.offset, 48);
  assert.equal(L.key.fields.waker_comm!.offset, 64);
  assert.equal(L.val.size, 16);
});

/** A counter's key: a stack by its key (>0), or none with its error (≤0). */
function keyOf(o: { tgid: number; user: number; kernel: number; comm: string; flags?: number; state?: number; cgroup?: number }): Buffer {
  return encode(L.key, {
    tgid: o.tgid,
    user_stack: o.user > 0 ? BigInt(o.user) : 0n,
    kernel_stack: o.kernel > 0 ? BigInt(o.kernel) : 0n,
    user_err: o.user > 0 ? 0 : o.user >>> 0,
    kernel_err: o.kernel > 0 ? 0 : o.kernel >>> 0,
    state: o.state ?? 0,
    cgroup: o.cgroup ?? 0,
    waker_tgid: 0,
    flags: o.flags ?? 0,
    comm: Buffer.from(o.comm),
    waker_comm: Buffer.alloc(0),
  });
}
const valOf = (count: number, ns = 0): Buffer => encode(L.val, { count, ns });
const read = (keys: Buffer[], values: Buffer[], keySize: number, valueSize: number): MapRead => ({
  keys: Buffer.concat(keys),
  values: Buffer.concat(values),
  count: keys.length,
  keySize,
  valueSize,
  batched: true,
  cpus: 1,
});

test('counters decode with negative stack ids (errors) and the kernel-thread flag', () => {
  const r = read(
    [keyOf({ tgid: 7, user: -EFAULT, kernel: 3, comm: 'a' }), keyOf({ tgid: 2, user: STACKS_NONE, kernel: 4, comm: 'kworker/0:1', flags: 1 })],
    [valOf(5), valOf(1)],
    L.key.size,
    16,
  );
  const [a, b] = decodeStackCounts(r, L, 'counts');
  assert.equal(a!.userStack, null);
  assert.equal(a!.userErr, -EFAULT);
  assert.equal(a!.kernelStack, '0000000000000003');
  assert.equal(a!.count, 5);
  assert.equal(a!.kthread, false);
  assert.equal(b!.comm, 'kworker/0:1');
  assert.equal(b!.kthread, true);
  assert.equal(b!.userErr, STACKS_NONE);
});

test('a counter that has not moved since the read before is that read’s object; one that moved is decoded again', () => {
  const k1 = keyOf({ tgid: 7, user: -EFAULT, kernel: 3, comm: 'a' });
  const k2 = keyOf({ tgid: 8, user: -EFAULT, kernel: 4, comm: 'b' });
  const first = decodeStackCounts(read([k1, k2], [valOf(5, 50), valOf(1, 10)], L.key.size, 16), L, 'counts');
  const byKey = new Map(first.map((c) => [c.key, c]));
  // k1 stood still; k2 moved in its time only; a third is new.
  const k3 = keyOf({ tgid: 9, user: -EFAULT, kernel: 5, comm: 'c' });
  const second = decodeStackCounts(read([k1, k2, k3], [valOf(5, 50), valOf(1, 11), valOf(2, 20)], L.key.size, 16), L, 'counts', (k) => byKey.get(k));
  assert.equal(second[0], first[0]);
  assert.notEqual(second[1], first[1]);
  assert.deepEqual({ ...second[1], ns: 10 }, first[1]);
  assert.equal(second[1]!.ns, 11);
  assert.equal(second[2]!.tgid, 9);
  assert.equal(second[2]!.comm, 'c');
  // What a fresh decode gives, field for field.
  assert.deepEqual(second, decodeStackCounts(read([k1, k2, k3], [valOf(5, 50), valOf(1, 11), valOf(2, 20)], L.key.size, 16), L, 'counts'));
});

test('a stacks map value ends at its first zero address; keys are 64-bit hashes', () => {
  const v = Buffer.alloc(127 * 8);
  v.writeBigUInt64LE(0xffffffff81000010n, 0);
  v.writeBigUInt64LE(0xffffffff81000100n, 8);
  const k = Buffer.alloc(8);
  k.writeBigUInt64LE(0x9abcdef012345678n);
  const stacks = decodeStacks(read([k], [v], 8, 127 * 8));
  assert.deepEqual(stacks.get('9abcdef012345678'), [0xffffffff81000010n, 0xffffffff81000100n]);
  assert.deepEqual(stackIdKeys(['9abcdef012345678']), k);
});

const KALLSYMS = [
  '0000000000000000 A fixed_percpu_data',
  'ffffffff81000000 T _stext',
  'ffffffff81000100 T do_syscall_64',
  'ffffffff81000200 t vfs_read',
  'ffffffff81000300 D some_data',
  'ffffffffc0000000 t mod_fn\t[ext4]',
].join('\n');

test('kallsyms: each address in the text symbol at or below it, modules named, data left out', () => {
  const t = parseKallsyms(KALLSYMS);
  assert.equal(kernelName(t, 0xffffffff81000150n), 'do_syscall_64');
  assert.equal(kernelName(t, 0xffffffff81000200n), 'vfs_read');
  assert.equal(kernelName(t, 0xffffffff81000380n), 'vfs_read', 'a data symbol does not end a function');
  assert.equal(kernelName(t, 0xffffffffc0000010n), 'mod_fn [ext4]');
  assert.equal(kernelName(t, 0xffffffff80000000n), null);
  assert.equal(kernelName(t, 0xffffffffc0200000n), null, 'too far past the last symbol');
});

test('kallsyms hidden (kptr_restrict): addresses stay hex, and the file is not read again for each', () => {
  let reads = 0;
  const k = new KernelSymbols(() => {
    reads++;
    return '0000000000000000 T _stext\n0000000000000000 T vfs_read\n';
  });
  assert.equal(k.name(0xffffffff81000150n), '0xffffffff81000150');
  assert.equal(k.name(0xffffffff81000250n), '0xffffffff81000250');
  assert.equal(reads, 1);
});

const MAPS = [
  '55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 100 /usr/bin/burn',
  '55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 100 /usr/bin/burn',
  '7f0000000000-7f0000100000 r-xp 00028000 fd:01 200 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f1000000000-7f1000010000 rwxp 00000000 00:00 0 ',
  '7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]',
].join('\n');

test('maps: the executable mappings only, found by address', () => {
  const m = parseMaps(MAPS);
  assert.equal(m.length, 4);
  assert.equal(mappingOf(m, 0x55d0c0a01010)?.path, '/usr/bin/burn');
  assert.equal(mappingOf(m, 0x55d0c0a00010), undefined, 'not executable');
  assert.equal(mappingOf(m, 0x7f1000000100)?.path, '');
  assert.equal(mappingOf(m, 0x7ffd00000010)?.path, '[vdso]');
});

test('perf maps: a JIT function by address, the newest listing of a region kept', () => {
  const pm = parsePerfMap('7f1000000100 40 LazyCompile:~fib /app/x.js:3\n7f1000000100 20 JS:*fib /app/x.js:3\nnot a line\n7f1000000200 10 Builtin:Call');
  assert.equal(perfMapName(pm, 0x7f1000000110), 'JS:*fib /app/x.js:3');
  assert.equal(perfMapName(pm, 0x7f1000000130), 'LazyCompile:~fib /app/x.js:3');
  assert.equal(perfMapName(pm, 0x7f1000000205), 'Builtin:Call');
  assert.equal(perfMapName(pm, 0x7f1000000300), null);
});

/** A process with burn's and libc's mappings, its files named by a table of (path, offset) → (name, frame pointer). */
function userSymbols(table: Record<string, [string, number]>, perfMap = '', calls: string[] = []): UserSymbols {
  const sym: SymbolizeFile = (path, offsets) => {
    calls.push(path);
    return {
      ok: true,
      names: offsets.map((o) => table[`${path.replace(/^\/proc\/\d+\/root/, '')}:${o.toString(16)}`]?.[0] ?? null),
      framePointer: offsets.map((o) => table[`${path.replace(/^\/proc\/\d+\/root/, '')}:${o.toString(16)}`]?.[1] ?? -1),
    };
  };
  return new UserSymbols(
    sym,
    {
      readText: (p) => (p.endsWith('/maps') ? MAPS : p.endsWith('/status') ? 'Name:\tburn\nNSpid:\t42\n' : p.endsWith('perf-42.map') ? perfMap : null),
      stat: (p) => (p.endsWith('perf-42.map') && perfMap ? { size: perfMap.length, mtimeMs: 1 } : null),
    },
    () => 0,
  );
}

test('user stacks: a frame-pointer program from its leaf to main and libc’s start, one call per file', () => {
  const calls: string[] = [];
  const u = userSymbols(
    {
      // The leaf by its sampled address; callers by their return address less one.
      '/usr/bin/burn:1010': ['work70', 1],
      '/usr/bin/burn:1050': ['main', 1],
      '/usr/lib/x86_64-linux-gnu/libc.so.6:28100': ['__libc_start_call_main', 0],
    },
    '',
    calls,
  );
  const [s] = u.resolve(42, [[0x55d0c0a01010n, 0x55d0c0a01051n, 0x7f0000000101n]]);
  assert.deepEqual(
    s!.frames.map((f) => f.name),
    ['work70', 'main', '__libc_start_call_main'],
  );
  assert.equal(s!.astray, false);
  assert.equal(calls.length, 2);
  const j = joinStack(s!, null, 0, -EFAULT, false);
  assert.deepEqual(j.stack, ['__libc_start_call_main', 'main', 'work70']);
  assert.equal(j.kinds, 'uuu');
  assert.equal(j.cut, null);
});

test('user stacks: past a function that keeps no frame pointer the walk is cut, never named', () => {
  const u = userSymbols({ '/usr/bin/burn:1010': ['work70', 0], '/usr/bin/burn:1050': ['main', 1] });
  const [s] = u.resolve(42, [[0x55d0c0a01010n, 0x55d0c0a01051n]]);
  assert.deepEqual(
    s!.frames.map((f) => f.name),
    ['work70'],
  );
  assert.equal(s!.astray, true);
  const j = joinStack(s!, null, 0, -EFAULT, false);
  assert.equal(j.cut, 'astray');
  assert.deepEqual(j.stack, [CUT_FRAME, 'work70']);
});

test('user stacks: a leaf that never touched its frame pointer has its caller marked unseen', () => {
  const u = userSymbols({ '/usr/bin/burn:1010': ['work70', 2], '/usr/lib/x86_64-linux-gnu/libc.so.6:28100': ['__libc_start_call_main', 0] });
  const [s] = u.resolve(42, [[0x55d0c0a01010n, 0x7f0000000101n]]);
  assert.deepEqual(
    s!.frames.map((f) => f.name),
    ['work70', UNSEEN_CALLER, '__libc_start_call_main'],
  );
  assert.equal(joinStack(s!, null, 0, -EFAULT, false).cut, null);
});

test('user stacks: past code nothing describes (no perf map, the vDSO) the walk is not followed', () => {
  const u = userSymbols({ '/usr/bin/burn:1050': ['main', 1] });
  const [s] = u.resolve(42, [[0x7ffd00000010n, 0x55d0c0a01051n]]);
  assert.deepEqual(
    s!.frames.map((f) => `${f.kind}:${f.name}`),
    ['?:[vdso]+0x10'],
  );
  assert.equal(s!.astray, true);
});

test('user stacks: an address in no mapping ends the stack (astray); JIT code is named by the perf map', () => {
  const u = userSymbols({ '/usr/bin/burn:1010': ['main', 1] }, '7f1000000000 100 JS:*hot /app/x.js:1\n');
  const [jit, lost] = u.resolve(42, [
    [0x7f1000000010n, 0x55d0c0a01011n],
    [0x55d0c0a01010n, 0x1234n],
  ]);
  assert.deepEqual(
    jit!.frames.map((f) => `${f.kind}:${f.name}`),
    ['j:JS:*hot /app/x.js:1', 'u:main'],
  );
  assert.deepEqual(
    lost!.frames.map((f) => f.name),
    ['main'],
  );
  assert.equal(lost!.astray, true);
});

test('a stack that ends short of main says so; a stack the map had no room for says that', () => {
  const short = joinStack({ frames: [{ name: 'work70', kind: 'u' }], astray: false }, null, 0, -EFAULT, false);
  assert.equal(short.cut, 'frame pointers');
  assert.equal(joinStack(null, null, STACKS_NONE, -EFAULT, true).cut, null, 'a kernel thread with no kernel frames: nothing lost');
  const lost = joinStack(null, [{ name: 'vfs_read', kind: 'k' }], STACKS_ENOSPC, 0, false);
  assert.equal(lost.cut, 'user lost');
  assert.deepEqual(lost.stack, [CUT_FRAME, 'vfs_read']);
  const kthread = joinStack(
    null,
    [
      { name: 'worker_thread', kind: 'k' },
      { name: 'kthread', kind: 'k' },
    ],
    STACKS_NONE,
    0,
    true,
  );
  assert.equal(kthread.cut, null);
  assert.deepEqual(kthread.stack, ['kthread', 'worker_thread']);
});

function entry(o: Partial<StackEntry> & { key: string; count: number; stack: string[] }): StackEntry {
  return {
    tgid: 10,
    comm: 'burn',
    cgroup: '',
    workload: '',
    kthread: false,
    ns: 0,
    state: null,
    waker: null,
    kinds: o.stack.map(() => 'u').join(''),
    cut: null,
    ...o,
  };
}
const sample = (entries: StackEntry[]): StackSample => ({ entries, stats: {}, hz: 49, cpus: 2, kthreads: false });

test('rows: the interval’s samples per stack of functions, counters that name the same merged, % of a CPU', () => {
  const prev = sample([entry({ key: 'a', count: 10, stack: ['main', 'work70'] }), entry({ key: 'b', count: 5, stack: ['main', 'work70'] })]);
  const cur = sample([
    entry({ key: 'a', count: 40, stack: ['main', 'work70'] }),
    entry({ key: 'b', count: 10, stack: ['main', 'work70'] }),
    entry({ key: 'c', count: 14, stack: ['main', 'work30'] }),
    entry({ key: 'd', count: 3, stack: ['main', 'idle'] }),
  ]);
  const d = cur.entries[3]!;
  (cur.entries as StackEntry[])[3] = { ...d, count: 3 };
  const prevD = sample([...prev.entries, entry({ key: 'd', count: 3, stack: ['main', 'idle'] })]);
  const rows = deriveStacks('cpu')(cur, prevD, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.leaf, r.samples]),
    [
      ['work70', 35],
      ['work30', 14],
    ],
  );
  assert.equal(rows[0]!.pct!.toFixed(1), ((35 / 49) * 100).toFixed(1));
  assert.equal(rows[0]!.id, rowId([10, 'burn', '', '', '', 'uu', 'main', 'work70'].join('\u0000')));
  assert.deepEqual(deriveStacks('cpu')(cur, undefined, 1e9), [], 'no interval before a second reading');
});

test('offcputime rows: time blocked and waits, kernel threads left out unless asked', () => {
  const prev = sample([entry({ key: 'a', count: 1, ns: 1e6, stack: ['nanosleep'] }), entry({ key: 'k', count: 1, ns: 0, stack: ['worker'], kthread: true })]);
  const cur = {
    ...sample([entry({ key: 'a', count: 3, ns: 201e6, stack: ['nanosleep'] }), entry({ key: 'k', count: 5, ns: 9e8, stack: ['worker'], kthread: true })]),
  };
  const rows = deriveStacks('offcpu')(cur, prev, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.leaf, r.samples, r.ns, r.pct]),
    [['nanosleep', 2, 200e6, 20]],
  );
  assert.equal(deriveStacks('offcpu')({ ...cur, kthreads: true }, prev, 1e9).length, 2);
});

const row = (stack: string[], ns: number, kinds = stack.map(() => 'u').join(''), comm = 'burn', pid = 1): StackRow => ({
  id: stack.join(';'),
  pid,
  comm,
  cgroup: '',
  workload: '',
  samples: ns,
  ns,
  pct: null,
  leaf: stack[stack.length - 1]!,
  stack,
  kinds,
  cut: null,
  state: null,
  waker: null,
  kthread: false,
});

test('top functions: self where innermost, total once per stack (recursion counted once)', () => {
  const fns = topFunctions([row(['main', 'work70'], 70), row(['main', 'work30'], 20), row(['main', 'f', 'f'], 10)]);
  const by = Object.fromEntries(fns.map((f) => [f.name, f]));
  assert.equal(by.work70!.self, 70);
  assert.equal(by.work70!.self_pct, 70);
  assert.equal(by.main!.self, 0);
  assert.equal(by.main!.total, 100);
  assert.equal(by.f!.total, 10);
  assert.equal(by.f!.self, 10);
  assert.equal(fns[0]!.name, 'work70');
});

test('folded stacks: comm first, kernel and JIT frames annotated, separators out of names, heaviest first', () => {
  const lines = foldedStacks(
    [row(['main', 'read', 'vfs_read'], 3, 'uuk'), row(['JS:*fib /a b.js:1'], 5, 'j', 'node'), row(['main', 'read', 'vfs_read'], 2, 'uuk')],
    (r) => r.samples,
  );
  assert.deepEqual(
    lines,
    ['burn;main;read;vfs_read_[k] 5', 'node;JS:*fib_/a_b.js:1_[j] 5'].sort((a, b) => (a < b ? -1 : 1)),
  );
});

test('the stack column reads innermost first and says where it was cut', () => {
  assert.equal(stackText({ stack: ['main', 'work70'], cut: null }), 'work70 ← main');
  assert.equal(stackText({ stack: [CUT_FRAME, 'work70'], cut: 'astray' }), 'work70 ← [cut]');
});

test('state letters as ps writes them', () => {
  assert.equal(stateName(1), 'S');
  assert.equal(stateName(2), 'D');
  assert.equal(stateName(0x402), 'I', 'TASK_IDLE: uninterruptible without load');
});

test('sampling rates step through the ladder and stop at its ends', () => {
  assert.equal(nextRate(49, 1), 99);
  assert.equal(nextRate(49, -1), 19);
  assert.equal(nextRate(19, -1), 19);
  assert.equal(nextRate(999, 1), 999);
  assert.equal(nextRate(75, 1), 99);
  assert.equal(nextRate(75, -1), 49);
  assert.deepEqual([...PROFILE_RATES], [19, 49, 99, 199, 499, 999]);
});

/** A fake stack object: a counters map, a stack map, a stats array; takeKeys and lookupKeys as the addon's. */
function fakeObject(capacity: number, stackCapacity: number) {
  const counts = new Map<string, Buffer>();
  const stacks = new Map<number, Buffer>();
  const taken: string[] = [];
  const deletedStacks: number[] = [];
  const obj = {
    mapInfo: (name: string) => ({ maxEntries: name.endsWith('counts') ? capacity : stackCapacity }),
    readMap: (name: string): MapRead => {
      if (name.endsWith('stats')) return read([], [], 4, 8);
      const keys = [...counts.keys()].map((k) => Buffer.from(k, 'hex'));
      return read(keys, [...counts.values()], L.key.size, 16);
    },
    lookupKeys: (_name: string, keys: Buffer): MapRead => {
      const ids: Buffer[] = [];
      const vals: Buffer[] = [];
      for (let i = 0; i < keys.length; i += 8) {
        const v = stacks.get(Number(keys.readBigUInt64LE(i)));
        if (v) {
          ids.push(keys.subarray(i, i + 8));
          vals.push(v);
        }
      }
      return read(ids, vals, 8, 127 * 8);
    },
    takeKeys: (name: string, keys: Buffer): MapRead => {
      if (name.endsWith('stack_map')) {
        for (let i = 0; i < keys.length; i += 8) {
          deletedStacks.push(Number(keys.readBigUInt64LE(i)));
          stacks.delete(Number(keys.readBigUInt64LE(i)));
        }
        return read([], [], 4, 8);
      }
      const ks: Buffer[] = [];
      const vs: Buffer[] = [];
      for (let i = 0; i < keys.length; i += L.key.size) {
        const hex = keys.subarray(i, i + L.key.size).toString('hex');
        const v = counts.get(hex);
        if (v) {
          ks.push(keys.subarray(i, i + L.key.size));
          vs.push(v);
          counts.delete(hex);
          taken.push(hex);
        }
      }
      return read(ks, vs, L.key.size, 16);
    },
  };
  const kstack = (id: number, addr: bigint): void => {
    const v = Buffer.alloc(127 * 8);
    v.writeBigUInt64LE(addr, 0);
    stacks.set(id, v);
  };
  return { obj: obj as unknown as BpfObject<string>, counts, stacks, taken, deletedStacks, kstack };
}

test('the reader: counts stay cumulative across counters taken out, and unused stacks are deleted', () => {
  const f = fakeObject(4, 4);
  let now = 0;
  const host = { nowNs: () => now, onlineCpus: () => 2, readText: () => '' } as unknown as HostInfo;
  const kernel = new KernelSymbols(() => KALLSYMS);
  const reader = createStackReader(f.obj, L, host, {
    kind: 'cpu',
    maps: { counts: 'p_counts', stacks: 'p_stack_map', stats: 'p_stats' },
    hz: () => 49,
    kernel,
    user: userSymbols({}),
  });
  const k1 = keyOf({ tgid: 0, user: STACKS_NONE, kernel: 1, comm: 'kworker', flags: 1 });
  const k2 = keyOf({ tgid: 0, user: STACKS_NONE, kernel: 2, comm: 'kworker', flags: 1 });
  const k3 = keyOf({ tgid: 0, user: STACKS_NONE, kernel: 3, comm: 'kworker', flags: 1 });
  f.kstack(1, 0xffffffff81000150n);
  f.kstack(2, 0xffffffff81000250n);
  f.kstack(3, 0xffffffffc0000010n);
  f.counts.set(k1.toString('hex'), valOf(5));
  f.counts.set(k2.toString('hex'), valOf(1));
  f.counts.set(k3.toString('hex'), valOf(1));
  const s1 = reader();
  assert.deepEqual(
    s1.entries.map((e) => e.stack.join('/')),
    ['do_syscall_64', 'vfs_read', 'mod_fn [ext4]'],
  );
  // 31 s later k2 and k3 have not moved and the map is over half full: they are taken out, their counts kept.
  now = 31e9;
  f.counts.set(k1.toString('hex'), valOf(9));
  const s2 = reader();
  assert.equal(f.taken.length, 2);
  assert.equal(f.counts.size, 1);
  // The stack map is over half full (3 of 4): the stacks no counter in the kernel refers to are deleted.
  assert.deepEqual(f.deletedStacks.sort(), [2, 3]);
  // k2 comes back: its cumulative count goes on from what was taken.
  f.counts.set(k2.toString('hex'), valOf(4));
  f.kstack(2, 0xffffffff81000250n);
  now = 32e9;
  const s3 = reader();
  const e2 = (s: StackSample): number | undefined => s.entries.find((e) => e.key === k2.toString('hex'))?.count;
  assert.equal(e2(s2), 1);
  assert.equal(e2(s3), 5);
  const rows = deriveStacks('cpu')(s3, s2, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.leaf, r.samples]),
    [['vfs_read', 4]],
  );
});

test('the summary says how many waits came back in unreported, one or many', () => {
  assert.equal(lostWords({}), '');
  assert.equal(lostWords({ unseen_in: 1 }), '; 1 wait whose switch back in went unreported (timed to its wake-up)');
  assert.equal(
    lostWords({ unseen_in: 3, start_full: 2 }),
    '; 2 waits not timed (start map full), 3 waits whose switch back in went unreported (timed to their wake-up)',
  );
});
