/**
 * execsnoop's ground truth: a workload of known execs (argv, exit statuses) and known failures (ENOENT, EACCES), made
 * by a small Python driver, found event by event in the panel's recent execs and counted in its rows, within one
 * interval. The driver's children are the workload (by their parent pid, which the driver reports), and each carries
 * a token of the test's in its argv, so execs of anything else on the host do not count.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src/engine.js';
import type { ExecEvent, ExecsnoopRow } from '../../src/models/execsnoop.js';
import { sleep } from './kernel.js';
import { fixtureBinary } from './ground-truth.js';

/** Execs of /bin/sh that exit with i % 4, and failed execs of each kind. */
export const EXEC_RUNS = 60;
export const EXEC_FAILS = 10;

const DRIVER = `
import os, sys
token, runs, fails, missing, noexec = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def child(path, argv):
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(path, argv)
        except OSError as e:
            os._exit(100 + e.errno)
    return os.waitpid(pid, 0)[1]
for i in range(runs):
    st = child('/bin/sh', ['/bin/sh', '-c', 'exit %d' % (i % 4), 'sixty-' + token, 'arg %d' % i])
    assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == i % 4, st
for i in range(fails):
    assert os.WEXITSTATUS(child(missing, [missing, token])) == 102
    assert os.WEXITSTATUS(child(noexec, [noexec, token])) == 113
print(os.getpid())
`;

export async function execsnoopGroundTruth(engine: Engine, tier: string): Promise<string> {
  const successesOnly = tier === 'tp_btf';
  const dir = mkdtempSync('/tmp/sixty-exec-');
  const token = `t${process.pid}x${Date.now()}`;
  const missing = join(dir, 'missing');
  const noexec = join(dir, 'noexec');
  writeFileSync(noexec, '#!/bin/sh\n');
  chmodSync(noexec, 0o644);
  try {
    // The interpreter itself, not a wrapper (pyenv's shims run programs of their own before they exec it).
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    engine.tick();
    const driverPid = Number(execFileSync(python, ['-c', DRIVER, token, String(EXEC_RUNS), String(EXEC_FAILS), missing, noexec], { encoding: 'utf8' }).trim());
    // The ring is drained every 25 ms: the workload's last events are staged well within this.
    await sleep(200);
    const frame = engine.tick();
    const p = frame.panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    const events = (p.events ?? []) as ExecEvent[];
    const rows = p.rows as ExecsnoopRow[];
    const lost = (p.stats.ring_full_drops ?? 0) + (p.stats.rate_drops ?? 0);
    assert.equal(lost, 0, 'no event lost');
    const mine = events.filter((e) => e.ppid === driverPid);
    for (const e of mine) assert.ok(e.args.includes(token), `an exec of the driver's carries its token: ${e.args}`);
    const runs = mine.filter((e) => e.filename === '/bin/sh');
    assert.equal(runs.length, EXEC_RUNS, `every exec of /bin/sh, once (${runs.length})`);
    for (const e of runs) {
      const i = Number(/'arg (\d+)'/.exec(e.args)?.[1]);
      assert.equal(e.args, `/bin/sh -c 'exit ${i % 4}' sixty-${token} 'arg ${i}'`);
      assert.equal(e.argc, 5);
      assert.equal(e.truncated, false);
      assert.equal(e.comm, 'sh');
      assert.equal(e.ppid, driverPid, 'its parent is the driver');
      assert.equal(e.pcomm, 'python3');
      assert.equal(e.ret, successesOnly ? null : 0);
      assert.equal(e.exit_status, (i % 4) << 8, `run ${i} exited ${i % 4}`);
      assert.equal(e.exit, `exit ${i % 4}`);
      assert.ok(e.life_ns !== null && e.life_ns > 0 && e.life_ns < 5e9, `a lifetime: ${e.life_ns}`);
    }
    assert.equal(new Set(runs.map((e) => e.pid)).size, EXEC_RUNS, 'each run its own pid');
    const failed = mine.filter((e) => e.filename !== '/bin/sh');
    const enoent = failed.filter((e) => e.filename === missing);
    const eacces = failed.filter((e) => e.filename === noexec);
    if (successesOnly) {
      assert.deepEqual(
        failed.map((e) => [e.filename, e.ret]),
        [],
        'this tier sees successes only',
      );
    } else {
      assert.equal(enoent.length, EXEC_FAILS, 'every exec of a missing file');
      assert.equal(eacces.length, EXEC_FAILS, 'every exec of a file without x');
      for (const e of enoent) assert.deepEqual([e.ret, e.error, e.comm, e.ppid, e.exit_status], [-2, 'ENOENT', 'python3', driverPid, null]);
      for (const e of eacces) assert.deepEqual([e.ret, e.error, e.comm, e.ppid, e.exit_status], [-13, 'EACCES', 'python3', driverPid, null]);
    }
    // The rows: the driver's execs of sh, and its failures.
    const sh = rows.find((r) => r.ppid === driverPid && r.comm === 'sh');
    assert.ok(sh, 'a row for the driver → sh');
    const errors = Array.from({ length: EXEC_RUNS }, (_, i) => i % 4).filter((s) => s !== 0).length;
    assert.deepEqual([sh.execs, sh.failed, sh.exits, sh.exit_errors], [EXEC_RUNS, 0, EXEC_RUNS, errors], 'the driver → sh row');
    const fails = rows.find((r) => r.ppid === driverPid && r.comm === 'python3');
    if (successesOnly) assert.equal(fails, undefined);
    else assert.deepEqual([fails?.execs, fails?.failed], [2 * EXEC_FAILS, 2 * EXEC_FAILS], 'the failed execs row');
    // The hard case: a C program's execs with constant strings (pages a forked child has not mapped in). Successes
    // carry the kernel's copies, exact; failures carry the call's strings or say that they could not be read.
    engine.tick();
    const cPid = Number(execFileSync(fixtureBinary('execs'), [String(EXEC_FAILS)], { encoding: 'utf8' }).trim());
    await sleep(200);
    const c = ((engine.tick().panels[0]!.events ?? []) as ExecEvent[]).filter((e) => e.ppid === cPid);
    const cOk = c.filter((e) => e.filename === '/bin/true');
    assert.equal(cOk.length, EXEC_FAILS, 'every exec of /bin/true');
    for (const e of cOk) assert.deepEqual([e.args, e.comm, e.unread, e.exit], ['true sixty-const-arg', 'true', false, 'exit 0']);
    const cFailed = c.filter((e) => e.filename !== '/bin/true');
    assert.equal(cFailed.length, successesOnly ? 0 : EXEC_FAILS, 'every failed exec');
    let unread = 0;
    for (const e of cFailed) {
      assert.equal(e.error, 'ENOENT');
      if (e.unread) unread++;
      else assert.deepEqual([e.filename, e.args], ['/nonexistent/sixty-missing', 'sixty-missing sixty-const-arg'], 'read: exact');
    }
    const lives = runs.map((e) => e.life_ns!).sort((a, b) => a - b);
    return (
      `${runs.length} execs of sh with exact argv and exit statuses (${errors} non-zero), ` +
      (successesOnly ? 'failures not seen on this tier' : `${enoent.length} ENOENT and ${eacces.length} EACCES`) +
      `; lifetimes ${(lives[0]! / 1e6).toFixed(2)}–${(lives[lives.length - 1]! / 1e6).toFixed(2)} ms; the row: ${sh.execs} execs, ${sh.exits} ended, ${sh.exit_errors} with an error` +
      `; a C program's constant argv: ${cOk.length} successes exact` +
      (successesOnly ? '' : `, ${cFailed.length} failures (${unread} with strings not mapped in, said so)`)
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
