/**
 * Ground-truth workloads for tcptop and biotop, run against an open engine whose one panel is under test: known
 * bytes over TCP loopback, known block I/O on a loop device. Each returns a report line, and fails the test on a
 * mismatch. Used for the default tier (test/kernel/<panel>.test.ts) and for every tier (test/kernel/tiers.test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Engine } from '../../src/engine.js';
import type { BiotopRow } from '../../src/models/biotop.js';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { loadAddon } from '../../src/native.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export interface TcpRun {
  family: 'IPv4' | 'IPv6';
  client_port: number;
  server_port: number;
  up: number;
  down: number;
  client_rx: number;
  server_rx: number;
  peeked: number;
  sendfile: boolean;
}

/** Before 6.5, sendfile to a TCP socket goes through tcp_sendpage, which no tier hooks (a documented blind spot). */
export function sendfileSeen(): boolean {
  return loadAddon().kernelFunctionParams('tcp_sendpage') < 0;
}

export function tcpWorkload(): { pid: number; runs: TcpRun[] } {
  return JSON.parse(execFileSync('python3', [join(FIXTURES, 'tcp_workload.py')], { encoding: 'utf8' })) as { pid: number; runs: TcpRun[] };
}

/**
 * Checks the bytes of every run on both ends: exact, MSG_PEEK left out; sendfile's sent bytes exact where the kernel
 * routes sendfile through sendmsg (6.5+), and 0 where it does not (the blind spot, as documented).
 */
export function checkTcpRuns(totals: (lport: number, rport: number) => { rx: number; tx: number } | undefined, runs: readonly TcpRun[]): string[] {
  const seen = sendfileSeen();
  const report: string[] = [];
  for (const run of runs) {
    assert.equal(run.server_rx, run.up);
    assert.equal(run.client_rx, run.down);
    const name = `${run.family}${run.sendfile ? ' sendfile' : ''}${run.peeked ? ' peek' : ''}`;
    const client = totals(run.client_port, run.server_port) ?? { rx: 0, tx: 0 };
    const server = totals(run.server_port, run.client_port) ?? { rx: 0, tx: 0 };
    const sent = run.sendfile && !seen ? 0 : run.up;
    report.push(`${name}: client tx ${client.tx}/${sent} rx ${client.rx}/${run.down}, server rx ${server.rx}/${run.up} tx ${server.tx}/${run.down}`);
    assert.deepEqual({ tx: client.tx, rx: client.rx }, { tx: sent, rx: run.down }, `${name}: client`);
    assert.deepEqual({ tx: server.tx, rx: server.rx }, { tx: run.down, rx: run.up }, `${name}: server`);
  }
  return report;
}

/** The TCP workload between two ticks of an engine running tcptop: exact bytes per connection and direction. */
export function tcptopGroundTruth(engine: Engine): string[] {
  const workload = tcpWorkload();
  const rows = engine.tick().panels[0]!.rows as TcptopRow[];
  const totals = (l: number, r: number) => {
    const row = rows.find((x) => x.pid === workload.pid && x.lport === l && x.rport === r);
    return row ? { rx: row.rx_bytes ?? Number.NaN, tx: row.tx_bytes ?? Number.NaN } : undefined;
  };
  return checkTcpRuns(totals, workload.runs);
}

interface Disk {
  reads: number;
  readMs: number;
  writes: number;
  writeMs: number;
}

function diskstats(dev: string): Disk {
  const line = readFileSync('/proc/diskstats', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[2] === dev)!;
  const f = line.trim().split(/\s+/).map(Number);
  return { reads: f[3]!, readMs: f[6]!, writes: f[7]!, writeMs: f[10]! };
}

/** Runs a command to its end; its pid. */
function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? resolve(c.pid!) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/**
 * A loop device backed by a file in /dev/shm, for the duration of `f`. `scheduler` sets its I/O scheduler: the legacy
 * tier takes the submitter at block_rq_insert, which the `none` scheduler skips.
 */
export async function withLoopDevice<T>(scheduler: string, f: (loop: string) => Promise<T>): Promise<T> {
  const image = `/dev/shm/sixty-biotop-${process.pid}.img`;
  writeFileSync(image, '');
  execFileSync('truncate', ['-s', '64M', image]);
  const loop = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
  try {
    writeFileSync(`/sys/block/${basename(loop)}/queue/scheduler`, scheduler);
    return await f(loop);
  } finally {
    execFileSync('losetup', ['-d', loop]);
    rmSync(image, { force: true });
  }
}

/**
 * Block I/O between two ticks of an engine running biotop on `loop`: 2000 O_DIRECT writes of 4 KiB and 1000 reads of
 * 8 KiB by dd, and a 16 MiB discard: exact requests and bytes per process and operation, and the average await
 * (start → completion) against /proc/diskstats for each dd's window.
 */
export async function biotopGroundTruth(engine: Engine, loop: string, queued: boolean): Promise<string> {
  const dev = basename(loop);
  engine.tick();
  const before = diskstats(dev);
  const writer = await run('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', 'count=2000', 'oflag=direct']);
  const mid = diskstats(dev);
  const reader = await run('dd', [`if=${loop}`, 'of=/dev/null', 'bs=8192', 'count=1000', 'iflag=direct']);
  const after = diskstats(dev);
  const discarder = await run('blkdiscard', ['-o', '0', '-l', String(16 << 20), loop]);
  const f = engine.tick();
  const rows = (f.panels[0]!.rows as BiotopRow[]).filter((r) => r.disk === dev);
  const row = (pid: number, op: string): BiotopRow | undefined => rows.find((r) => r.pid === pid && r.op === op);
  const w = row(writer, 'write');
  const r = row(reader, 'read');
  const d = row(discarder, 'discard');
  assert.ok(w && r && d, `rows for dd (write), dd (read) and blkdiscard (discard): ${JSON.stringify(rows.map((x) => [x.pid, x.comm, x.op, x.io]))}`);
  assert.deepEqual([w.io, w.bytes, w.comm, w.major], [2000, 2000 * 4096, 'dd', 7]);
  assert.deepEqual([r.io, r.bytes, r.comm], [1000, 1000 * 8192, 'dd']);
  assert.equal(d.bytes, 16 << 20, 'a discard is its own operation, with its length');
  const dw = mid.writes - before.writes;
  const dr = after.reads - mid.reads;
  assert.equal(dw, 2000);
  assert.equal(dr, 1000);
  const diskWrite = ((mid.writeMs - before.writeMs) * 1e6) / dw;
  const diskRead = ((after.readMs - mid.readMs) * 1e6) / dr;
  for (const [row, theirs, what, n] of [[w, diskWrite, 'write', dw], [r, diskRead, 'read', dr]] as const) {
    // AWAIT counts from the request's start, as diskstats does, so the two agree within 10 % whatever the scheduler
    // (diskstats keeps whole ms in total: `slack`). AVG counts from the issue to the device: never more than AWAIT,
    // and with a scheduler that queues (`queued`) less by the time queued.
    const slack = 1e6 / n;
    assert.ok(Math.abs(row.await_ns! - theirs) <= 0.1 * theirs + slack, `${what}: await ${row.await_ns} vs diskstats ${theirs}`);
    assert.ok(row.avg_lat_ns! <= row.await_ns! * 1.001, `${what}: issue → completion ${row.avg_lat_ns} is within start → completion ${row.await_ns}`);
    if (!queued) assert.ok(row.avg_lat_ns! >= row.await_ns! * 0.5, `${what}: with no scheduler, issue is soon after start`);
  }
  assert.ok(w.p99_lat_ns! >= w.avg_lat_ns!, 'p99 is at least the average');
  assert.equal(w.lat_hist.reduce((s, x) => s + x, 0), 2000, 'every request in the histogram');
  const ns = (x: number | null): string => (x ?? Number.NaN).toFixed(0);
  return `write await ${ns(w.await_ns)} ns (diskstats ${ns(diskWrite)}), device ${ns(w.avg_lat_ns)} ns; read await ${ns(r.await_ns)} ns (diskstats ${ns(diskRead)}), device ${ns(r.avg_lat_ns)} ns; lost ${f.panels[0]!.stats.lost_completions_total}`;
}
