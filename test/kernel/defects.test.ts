/**
 * Defects found by trying sixty, each checked against the running kernel: a stopped sender stays listed, SIGUSR1
 * opens no debugger, write errors and failed panels give an exit status and a line, hostile arguments come back
 * escaped and short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine.js';
import type { TcptopRow } from '../../src/models/tcptop.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { CLI, LAUNCHER, lines, needsBpf, scaled, settled, sleep, spawnCli } from '../helpers/kernel.js';

test('a sender stopped with SIGSTOP stays listed, quiet, with 0 B/s', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [tcptopPanel], intervalMs: 200 });
  const child = spawn('python3', [join(import.meta.dirname, '..', 'fixtures', 'tcp_stall.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await engine.open();
    const info = await new Promise<{ pid: number; client_port: number }>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()))),
    );
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

/** The TCP sockets in LISTEN state that process `pid` holds (its descriptors' inodes in /proc/net/tcp and tcp6). */
function listeningOf(pid: number): string[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
        } catch {
          return [];
        }
      }),
    );
  } catch {
    return []; // it ended
  }
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) out.push(cols[1]!);
    }
  }
  return out;
}

test('SIGUSR1 from the first millisecond on opens no debugger: nothing listens, and sixty runs on', async (t) => {
  if (!needsBpf(t)) return;
  // Through the launcher, as people start it; without a terminal it execs node, so the pid stays the same from the
  // launcher's first line to sixty's frames.
  const child = spawn(LAUNCHER, ['--batch', '--format', 'json', '--interval', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = lines(child);
  let signals = 0;
  const seen: string[] = [];
  try {
    const deadline = Date.now() + scaled(20_000);
    // From the launcher's first line (SIGUSR1 ignored: before it, the signal's default would only end bash, as it ends
    // any script) through node's start-up to sixty's frames, as fast as the event loop turns.
    const ignoresUsr1 = (): boolean => {
      try {
        return (BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? '0'}`) & (1n << 9n)) !== 0n;
      } catch {
        return false;
      }
    };
    while (!ignoresUsr1() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    while (out.all.length < 3 && child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
      try {
        process.kill(child.pid!, 'SIGUSR1');
        signals++;
      } catch {
        break;
      }
      seen.push(...listeningOf(child.pid!));
      await new Promise((r) => setImmediate(r));
    }
    t.diagnostic(`${signals} SIGUSR1 sent before the third frame`);
    assert.ok(signals > 50, `signalled throughout start-up (${signals})`);
    assert.deepEqual(seen, [], 'no socket was ever listening in sixty');
    assert.doesNotMatch(out.stderr(), /Debugger listening/);
    assert.equal(out.all.length >= 3, true, `sixty ran on (${out.all.length} frames; exit ${child.exitCode} ${child.signalCode}; ${out.stderr()})`);
    assert.deepEqual(listeningOf(child.pid!), []);
  } finally {
    child.kill('SIGKILL');
    await out.exit;
  }
});

test('a write error is said in one line with exit 74 (sixty -b -c 2 > /dev/full)', (t) => {
  if (!needsBpf(t)) return;
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" -b -c 2 -i 0.1 > /dev/full`], { encoding: 'utf8' });
  assert.equal(r.status, 74);
  assert.equal(r.stderr, 'sixty: cannot write the output: no space left on the device\n');
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
