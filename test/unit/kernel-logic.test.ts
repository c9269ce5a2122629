import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingBpfPrivileges, parseCapEff, readPrivileges } from '../../src/kernel/privileges.js';
import { parseCpuList } from '../../src/kernel/cpus.js';
import { tracefsMounted } from '../../src/kernel/tracefs.js';
import { History } from '../../src/store.js';
import { BpfStatsSwitch } from '../../src/kernel/bpf-stats.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One history tick from id → value pairs. */
const rec = (h: History, pairs: [string, number][]): void =>
  h.record(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );

const status = (capEff: string): string => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

test('capabilities are read from CapEff', () => {
  assert.equal(parseCapEff(status('000001ffffffffff')), 0x1ffffffffffn);
  const none = readPrivileges(status('0000000000000000'), 1000);
  assert.deepEqual(none, { uid: 1000, capBpf: false, capPerfmon: false, capSysAdmin: false });
  const bpfOnly = readPrivileges(status((1n << 39n).toString(16).padStart(16, '0')), 1000);
  assert.equal(bpfOnly.capBpf && !bpfOnly.capPerfmon, true);
});

test('missing privileges: one line naming exactly what BPF lacks (tracefs is checked per tier)', () => {
  assert.equal(missingBpfPrivileges(readPrivileges(status('000001ffffffffff'), 0)), null);
  const none = missingBpfPrivileges(readPrivileges(status('0000000000000000'), 1000));
  assert.equal(none, 'BPF panels need root, or CAP_BPF + CAP_PERFMON; missing CAP_BPF, CAP_PERFMON: run sudo sixty');
  const bpfOnly = (1n << 39n).toString(16).padStart(16, '0');
  assert.match(missingBpfPrivileges(readPrivileges(status(bpfOnly), 1000))!, /missing CAP_PERFMON:/);
  const caps = ((1n << 39n) | (1n << 38n)).toString(16).padStart(16, '0');
  assert.equal(missingBpfPrivileges(readPrivileges(status(caps), 1000)), null);
});

test('tracefs is found in the mount table, not by a stat that a non-root user cannot make', () => {
  const mounts = 'sysfs /sys sysfs rw 0 0\nnodev /sys/kernel/tracing tracefs rw,relatime 0 0\n';
  assert.equal(tracefsMounted('/sys/kernel/tracing', mounts), true);
  assert.equal(tracefsMounted('/sys/kernel/tracing', 'sysfs /sys sysfs rw 0 0\n'), false);
  assert.equal(tracefsMounted('/sys/kernel/debug/tracing', mounts), false);
});

test("online CPUs from the kernel's CPU list", () => {
  assert.equal(parseCpuList('0-1\n'), 2);
  assert.equal(parseCpuList('0-3,6,8-9'), 7);
  assert.equal(parseCpuList('0'), 1);
  assert.throws(() => parseCpuList('x'), /bad CPU list/);
});

test('history: series are plain frozen arrays that a later tick never changes', () => {
  const h = new History();
  rec(h, [['a', 5]]);
  const first = h.get('a')!;
  rec(h, []);
  assert.deepEqual(first, [5]);
  assert.ok(Object.isFrozen(first));
  assert.deepEqual(h.get('a'), [5, 0]);
  assert.deepEqual(h.forRows(['a', 'zz']), { a: [5, 0] });
  for (let i = 0; i < 70; i++) rec(h, [['b', i]]);
  assert.equal(h.get('b')!.length, 60, 'bounded to the window');
  assert.equal(h.get('b')![59], 69);
});

test('no kernel BTF: one line that says what the kernel lacks', async () => {
  const { missingBtf } = await import('../../src/sources/bpf.js');
  assert.equal(missingBtf('/proc/self/status'), null);
  assert.equal(
    missingBtf('/nonexistent/vmlinux'),
    "this kernel has no BTF (/nonexistent/vmlinux): sixty's BPF panels need a kernel built with CONFIG_DEBUG_INFO_BTF=y",
  );
});

test('history keeps at most its maximum of series; the least important give way, never the top talker', () => {
  const h = new History(100);
  rec(h, [
    ['big', 1e9],
    ['old', 1],
  ]);
  for (let t = 0; t < 5; t++) {
    // Each tick 150 new small rows, and the big one moving on.
    rec(h, [['big', 1e9], ...Array.from({ length: 150 }, (_, i) => [`t${t}s${i}`, 10 + i] as [string, number])]);
    assert.ok(h.size <= 100);
    assert.equal(h.get('big')!.length, t + 2, 'the top talker keeps its whole series');
  }
  assert.equal(h.get('old'), undefined, 'a series that barely moved gave way');
  assert.notEqual(h.get('t4s149'), undefined, 'the biggest newcomer got in');
  assert.equal(h.get('t4s0'), undefined, 'the smallest did not');
  const full = new History(3);
  rec(full, [
    ['a', 5],
    ['b', 5],
    ['c', 5],
  ]);
  rec(full, [
    ['a', 5],
    ['b', 5],
    ['c', 5],
    ['d', 1],
  ]);
  assert.equal(full.get('d'), undefined, 'a newcomer smaller than every series stays out');
});

test('B: BPF stats put back at the end; after a SIGKILL, the next sixty puts them back and says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixty-bpfstats-'));
  try {
    const sysctl = join(dir, 'bpf_stats_enabled');
    writeFileSync(sysctl, '0\n');
    const alive = new Map<number, string>([[100, 't100']]);
    const places = (self: number) => ({ sysctl, noteDir: join(dir, 'run'), startOf: (pid: number) => alive.get(pid) ?? null, self });
    const first = new BpfStatsSwitch(places(100));
    assert.equal(first.toggle().error, false);
    assert.equal(readFileSync(sysctl, 'utf8'), '1');
    assert.ok(existsSync(join(dir, 'run', 'bpf-stats-enabled.json')), 'a note while it is on');
    // A second sixty starting while the first runs leaves it alone.
    assert.equal(new BpfStatsSwitch(places(200)).recoverAbandoned(), null);
    assert.equal(readFileSync(sysctl, 'utf8'), '1');
    // The first ends cleanly: put back, note gone.
    first.restore();
    assert.equal(readFileSync(sysctl, 'utf8'), '0');
    assert.ok(!existsSync(join(dir, 'run', 'bpf-stats-enabled.json')));
    // On again, then killed with SIGKILL (no restore): the next sixty finds the note of a process that is gone.
    const killed = new BpfStatsSwitch(places(100));
    killed.toggle();
    alive.delete(100);
    const next = new BpfStatsSwitch(places(300));
    assert.match(
      next.recoverAbandoned() ?? '',
      /kernel\.bpf_stats_enabled was left on by a sixty that ended without cleaning up \(pid 100\): turned off again/,
    );
    assert.equal(readFileSync(sysctl, 'utf8'), '0');
    assert.equal(next.recoverAbandoned(), null, 'once');
    // A pid used again by another process (another start time) is not that sixty.
    alive.set(100, 't100');
    new BpfStatsSwitch(places(100)).toggle();
    alive.set(100, 'other');
    assert.notEqual(new BpfStatsSwitch(places(300)).recoverAbandoned(), null);
    // On already when sixty came: B off then on leaves no note, and the end leaves it on.
    writeFileSync(sysctl, '1');
    const user = new BpfStatsSwitch(places(400));
    user.toggle();
    user.toggle();
    assert.ok(!existsSync(join(dir, 'run', 'bpf-stats-enabled.json')));
    user.restore();
    assert.equal(readFileSync(sysctl, 'utf8'), '1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
