/**
 * Cgroups against ground truth, in cgroups the test makes (test/helpers/cgroups.ts) on whatever layout the machine has
 * (this host: hybrid, the limits in v1; the guests: cgroup2):
 * - three cgroups, each with its own workload (known TCP bytes, known O_DIRECT writes, a busy loop): bytes and writes
 *   land in their cgroup exactly, CPU within 3 points of the loop's schedstat, nothing of theirs in another cgroup;
 * - --cgroup of one of them (in the kernel for tcptop and biotop): the others' events absent, its totals equal to the
 *   unfiltered panel's rows for it;
 * - a cgroup limited to a quarter of a CPU running a busy loop: throttled periods counted, CPU ≈ 25 %;
 * - a cgroup whose memory limit is below its working set: its memory pressure above zero, its limit events rising,
 *   and the checklist's free step naming it where the host's pressure makes it a culprit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { release } from 'node:os';
import { Engine } from '../../src/engine.js';
import type { Frame } from '../../src/frame.js';
import type { BiotopRow } from '../../src/models/biotop.js';
import type { CgroupRow } from '../../src/models/cgroup.js';
import type { ChecklistRow } from '../../src/models/checklist.js';
import type { ProcsRow } from '../../src/models/procs.js';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { cgroupsPanel } from '../../src/panels/cgroups.js';
import { homePanel } from '../../src/panels/home.js';
import { procsPanel } from '../../src/panels/procs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { ROOT } from '../../src/paths.js';
import { biotopSettled, checkTcpRuns, withLoopDevice, type TcpRun } from '../helpers/ground-truth.js';
import { makeCgroups, output } from '../helpers/cgroups.js';
import { needsBpf, scaled, settled, sleep, until } from '../helpers/kernel.js';

const FIXTURES = join(ROOT, 'test', 'fixtures');
const rowsOf = <R>(f: Frame, id: string): R[] => (f.panels.find((p) => p.id === id)?.rows ?? []) as R[];
const oncpuNs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/)[0]);

test('three cgroups, three workloads: bytes, writes and CPU land in their own cgroup; --cgroup counts one in the kernel', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const { groups, remove } = makeCgroups(['net', 'io', 'cpu']);
  const net = groups.get('net')!;
  const io = groups.get('io')!;
  const cpu = groups.get('cpu')!;
  const all = new Engine({ panels: [tcptopPanel, biotopPanel, procsPanel, cgroupsPanel], intervalMs: 1000, requested: new Set([cgroupsPanel.id]) });
  const one = new Engine({ panels: [tcptopPanel, biotopPanel, procsPanel], intervalMs: 1000, cgroup: net.filter });
  const loop = cpu.run('sh', ['-c', 'while :; do :; done']);
  try {
    await all.open();
    await one.open();
    for (const e of [all, one]) for (const p of e.store.getSnapshot().panels) assert.equal(p.status, 'ok', `${p.id}: ${p.reason ?? ''}`);
    await withLoopDevice('mq-deadline', async (dev) => {
      const disk = basename(dev);
      all.tick();
      one.tick();
      // The TCP workload in `net`, O_DIRECT writes in `io`, at once.
      const tcp = output(net.run('python3', [join(FIXTURES, 'tcp_workload.py')]));
      const writer = io.run('dd', ['if=/dev/zero', `of=${dev}`, 'bs=4096', 'count=1000', 'oflag=direct', 'status=none']);
      const wrote = output(writer);
      const workload = JSON.parse(await tcp) as { pid: number; runs: TcpRun[] };
      await wrote;
      const a = await biotopSettled(all, all.tick(), [disk]);
      const b = await biotopSettled(one, one.tick(), [disk]);
      const tcpAll = a.frames.flatMap((f) => rowsOf<TcptopRow>(f, tcptopPanel.id));
      const tcpOne = b.frames.flatMap((f) => rowsOf<TcptopRow>(f, tcptopPanel.id));
      const sum = (rows: readonly TcptopRow[], l: number, r: number) => {
        const mine = rows.filter((x) => x.pid === workload.pid && x.lport === l && x.rport === r);
        return mine.length ? { rx: mine.reduce((s, x) => s + (x.rx_bytes ?? NaN), 0), tx: mine.reduce((s, x) => s + (x.tx_bytes ?? NaN), 0) } : undefined;
      };
      // Exact bytes, in `net`, unfiltered and filtered.
      t.diagnostic(`unfiltered: ${checkTcpRuns((l, r) => sum(tcpAll, l, r), workload.runs).join('; ')}`);
      t.diagnostic(`--cgroup ${net.path}: ${checkTcpRuns((l, r) => sum(tcpOne, l, r), workload.runs).join('; ')}`);
      const theirs = tcpAll.filter((x) => x.pid === workload.pid);
      assert.ok(theirs.length > 0);
      for (const x of theirs) assert.equal(x.cgroup, net.path, `tcptop row ${x.lport}→${x.rport}: its cgroup`);
      // Filtered in the kernel: every row is the cgroup's.
      for (const x of tcpOne) assert.equal(x.cgroup, net.path, `--cgroup ${net.path}: a row of ${x.pid} ${x.comm} in ${x.cgroup}`);
      // biotop: dd's writes, exact, in `io`; none of them when filtered to `net`.
      const w = a.rows.filter((r) => r.pid === writer.pid && r.op === 'write');
      assert.deepEqual(
        [w.reduce((s, r) => s + r.io, 0), w.reduce((s, r) => s + r.bytes, 0), [...new Set(w.map((r) => r.cgroup))]],
        [1000, 1000 * 4096, [io.path]],
        `dd's writes: ${JSON.stringify(a.rows.map((r) => [r.pid, r.comm, r.op, r.io, r.cgroup]))}`,
      );
      assert.deepEqual(
        b.rows.map((r: BiotopRow) => [r.pid, r.comm, r.op, r.io, r.cgroup]),
        [],
        `--cgroup ${net.path}: no I/O on ${disk} counted`,
      );
      t.diagnostic(`biotop: dd ${writer.pid} wrote 1000 × 4 KiB in ${io.path}; filtered to ${net.path}: none`);
    });
    // CPU: the loop's, in `cpu`, against its own schedstat (± 3 points). The panel reads its cgroup once in each tick:
    // its window holds [t1, t2] and lies within [t0, t3], and the loop's CPU in it lies between c2 − c1 and c3 − c0.
    const c0 = oncpuNs(loop.pid!);
    const t0 = process.hrtime.bigint();
    all.tick();
    const c1 = oncpuNs(loop.pid!);
    const t1 = process.hrtime.bigint();
    await sleep(2000);
    const t2 = process.hrtime.bigint();
    const c2 = oncpuNs(loop.pid!);
    const f = all.tick();
    const c3 = oncpuNs(loop.pid!);
    const window = Number(process.hrtime.bigint() - t0) / 1e9;
    const inner = Number(t2 - t1) / 1e9;
    const row = rowsOf<CgroupRow>(f, cgroupsPanel.id).find((r) => r.path === cpu.path);
    const proc = rowsOf<ProcsRow>(f, procsPanel.id).find((r) => r.pid === loop.pid);
    assert.ok(row && proc, `rows for ${cpu.path} and its loop ${loop.pid}`);
    assert.equal(proc.cgroup, cpu.path);
    assert.equal(proc.workload, 'cpu');
    const lo = ((c2 - c1) / 1e9 / window) * 100;
    const hi = ((c3 - c0) / 1e9 / inner) * 100;
    t.diagnostic(`cpu: ${cpu.path} ${row.cpu_pct?.toFixed(1)} %, its loop by schedstat ${lo.toFixed(1)}..${hi.toFixed(1)} %`);
    assert.ok(row.cpu_pct! >= lo - 3 && row.cpu_pct! <= hi + 3, `${cpu.path}: ${row.cpu_pct} % against ${lo}..${hi}`);
    // Nothing of the loop's elsewhere: the other cgroups used next to no CPU.
    for (const other of [net, io]) {
      const r = rowsOf<CgroupRow>(f, cgroupsPanel.id).find((x) => x.path === other.path);
      assert.ok(r && (r.cpu_pct ?? 0) < 3, `${other.path}: ${r?.cpu_pct} %`);
    }
    // The filtered process panel lists only `net`'s processes (none are left): never the loop.
    const filtered = rowsOf<ProcsRow>(one.tick(), procsPanel.id);
    assert.deepEqual(
      filtered.filter((r) => !r.exited && r.cgroup !== net.path).map((r) => [r.pid, r.comm, r.cgroup]),
      [],
    );
  } finally {
    loop.kill('SIGKILL');
    all.close();
    one.close();
    await remove();
  }
});

test('a quarter of a CPU: throttled periods counted, CPU ≈ 25 %', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const { groups, remove } = makeCgroups(['quota']);
  const g = groups.get('quota')!;
  g.cpuLimit(0.25);
  const engine = new Engine({ panels: [cgroupsPanel], intervalMs: 1000, requested: new Set([cgroupsPanel.id]) });
  const loop = g.run('sh', ['-c', 'while :; do :; done']);
  try {
    await engine.open();
    await sleep(scaled(300));
    engine.tick();
    await sleep(2000);
    const rows = rowsOf<CgroupRow>(engine.tick(), cgroupsPanel.id);
    const row = rows.find((r) => r.path === g.path);
    assert.ok(row, `a row for ${g.path}`);
    t.diagnostic(
      `${g.how.join(', ')}: CPU ${row.cpu_pct?.toFixed(1)} %, throttled ${row.throttled} of ${row.periods} periods (${row.throttled_pct?.toFixed(1)} % of the time), limit ${row.quota_cpus} CPUs`,
    );
    assert.equal(row.quota_cpus, 0.25);
    assert.ok((row.throttled ?? 0) > 0, 'throttled periods counted');
    assert.ok(Math.abs(row.cpu_pct! - 25) <= 3, `CPU ${row.cpu_pct} % ≈ 25 %`);
  } finally {
    loop.kill('SIGKILL');
    engine.close();
    await remove();
  }
});

test('memory below its working set: pressure above zero, its limit events rising, and the checklist names it', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const { groups, remove } = makeCgroups(['mem']);
  const g = groups.get('mem')!;
  g.memoryLimit(16 << 20);
  // Over the limit all the time. Under cgroup2's memory.high (6.x): anonymous memory allocated again and again, which
  // the kernel throttles (high is not max: no OOM kill), the task asleep in a memory stall: full pressure. Under v1's
  // limit (this host), and on 5.10 (whose throttling of anonymous memory counted no stall here): a file four times the
  // limit, on a file system with a page cache (this host's disk; the guests' 9p checkout, cached), read again and
  // again, every read faulting back pages the limit just pushed out.
  const high = g.how.includes('memory.high');
  const old = Number(release().split('.')[0]) < 6;
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const file = join(ROOT, 'tmp', `cgroup-mem-${process.pid}.dat`);
  if (!high || old) {
    execFileSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', 'count=64', 'conv=fsync', 'status=none']);
    // Out of the page cache (written here, its pages would be charged to the test's own cgroup).
    execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
  const engine = new Engine({ panels: [homePanel, cgroupsPanel], intervalMs: 1000, requested: new Set([cgroupsPanel.id]) });
  const reader =
    high && !old
      ? g.run('python3', ['-c', 'while True:\n    b = bytearray(64 << 20)\n    del b'])
      : g.run('sh', ['-c', `while :; do cat ${file} > /dev/null; done`]);
  try {
    await engine.open();
    // The window starts once the workload is over its limit (a Python starting under emulation takes seconds).
    await until(() => g.memoryEvents() > 0, `the workload in ${g.path} over its limit`, scaled(30_000));
    await sleep(scaled(300));
    engine.tick();
    await sleep(2000);
    const f = engine.tick();
    const row = rowsOf<CgroupRow>(f, cgroupsPanel.id).find((r) => r.path === g.path);
    assert.ok(row, `a row for ${g.path}`);
    const events = (row.mem_high_events ?? 0) + (row.mem_max_events ?? 0);
    const free = rowsOf<ChecklistRow>(f, homePanel.id).find((r) => r.id === 'free')!;
    t.diagnostic(
      `${g.how.join(', ')} 16 MiB: memory ${row.mem_bytes} B, pressure some ${row.mem_some_pct?.toFixed(1)} full ${row.mem_full_pct?.toFixed(1)} %, limit events ${events}; free: ${free.verdict} ${free.reading}`,
    );
    assert.ok(events > 0, 'its limit events rose');
    assert.ok((row.mem_some_pct ?? 0) > 0, `memory pressure (some) above zero: ${row.mem_some_pct}`);
    // On 5.10 the file workload's stalls are reclaim while it runs (some, 1.4 % in the guest): full, and enough of it
    // for the checklist, only where the workload sleeps in its stalls.
    if (!old) {
      assert.ok((row.mem_full_pct ?? 0) > 0, `memory pressure (full) above zero: ${row.mem_full_pct}`);
      // The checklist's free step: under memory pressure, naming this cgroup (Enter opens it in the cgroup panel).
      assert.equal(free.fields.pressure_cgroup, g.path, free.reading);
      assert.equal(free.explains.split(',')[0], cgroupsPanel.id);
    }
  } finally {
    reader.kill('SIGKILL');
    engine.close();
    rmSync(file, { force: true });
    await remove();
  }
});
