/**
 * Defects found by trying sixty, each checked against the running kernel: a stopped sender stays listed, SIGUSR1
 * opens no debugger, write errors and failed panels give an exit status and a line, hostile arguments come back
 * escaped and short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { CLI, lines, needsBpf, settled, sleep, spawnCli, until } from '../helpers/kernel.js';

test('a sender stopped with SIGSTOP stays listed, quiet, with 0 B/s', async (t) => {
  if (!needsBpf(t)) return;
  await settled(0);
  const engine = new Engine({ panels: [tcptopPanel], intervalMs: 200 });
  const child = spawn('python3', [join(import.meta.dirname, '..', 'fixtures', 'tcp_stall.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await engine.open();
    const info = await new Promise<{ pid: number; client_port: number }>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()))));
    const sender = (): TcptopRow | undefined => (engine.tick().panels[0]!.rows as TcptopRow[]).find((r) => r.pid === info.pid && r.lport === info.client_port);
    await sleep(200);
    assert.ok((sender()?.tx_bytes ?? 0) > 0, 'moving bytes');
    process.kill(child.pid!, 'SIGSTOP');
    await sleep(200);
    sender(); // the interval in which it stopped
    for (let i = 0; i < 5; i++) {
      await sleep(200);
      const row = sender();
      assert.ok(row, `still listed ${(i + 1) * 200} ms after it stopped`);
      assert.equal(row.tx_bytes, 0);
      assert.equal(row.tx_per_s, 0);
      assert.ok(row.quiet_ns > 0);
    }
  } finally {
    child.kill('SIGKILL');
    engine.close();
  }
});

/** Local TCP ports in LISTEN state (from /proc/net/tcp and tcp6). */
function listening(): number[] {
  const out: number[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') out.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return out;
}

test('SIGUSR1 does nothing: no inspector port opens, and sixty runs on', async (t) => {
  if (!needsBpf(t)) return;
  const child = spawnCli(['--batch', '--format', 'json', '--interval', '0.1']);
  const out = lines(child);
  try {
    await out.first;
    assert.ok(!listening().includes(9229), 'nothing on 9229 before');
    child.kill('SIGUSR1');
    const seen = out.all.length;
    await until(() => out.all.length >= seen + 3, 'three more frames'); // the signal has long been handled by then
    assert.ok(!listening().includes(9229), 'no debugger listening on 9229');
    assert.doesNotMatch(out.stderr(), /Debugger listening/);
    assert.equal(child.exitCode, null, 'still running');
  } finally {
    child.kill('SIGKILL');
    await out.exit;
  }
});

test('a write error is said in one line with exit 74 (sixty -b -c 2 > /dev/full)', (t) => {
  if (!needsBpf(t)) return;
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" -b -c 2 -i 0.1 > /dev/full`], { encoding: 'utf8' });
  assert.equal(r.status, 74);
  assert.equal(r.stderr, 'sixty: cannot write the output: ENOSPC: no space left on device, write\n');
});

test('a panel in error makes a batch run exit 1 after its frames; the others ran', async (t) => {
  if (!needsBpf(t)) return;
  const out = lines(spawnCli(['-b', '-c', '1', '-f', 'json', '-i', '0.1', '--panels', 'tcptop,softirqs'], { SIXTY_INJECT_FAULT: 'panel:tcptop' }));
  const { code } = await out.exit;
  const f = JSON.parse(out.all[0]!) as { panels: Record<string, { status: string; reason: string }> };
  assert.deepEqual([f.panels.tcptop!.status, f.panels.tcptop!.reason, f.panels.softirqs!.status], ['error', 'injected fault', 'ok']);
  assert.equal(out.stderr(), 'sixty: tcptop is unavailable: injected fault\n');
  assert.equal(code, 1);
});

test('arguments come back escaped and cut, never whole', async (t) => {
  if (!needsBpf(t)) return;
  const huge = `\x1b]0;pwned\x07${'A'.repeat(100_000)}`;
  const out = lines(spawnCli(['--interval', huge]));
  const { code } = await out.exit;
  assert.equal(code, 2);
  const msg = out.stderr();
  assert.ok(msg.length < 200, `${msg.length} bytes`);
  assert.match(msg, /^sixty: invalid interval '\\x1b\]0;pwned\\x07A+…': give seconds between 0\.1 and 3600\n$/);
});
