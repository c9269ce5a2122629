/**
 * tcplife's ground truth: a Python driver opens TCP sessions to a server of its own on the loopback (IPv4 and IPv6),
 * each with its own bytes each way and its own lifetime, some closed by the client first and some by the server: each
 * session is found twice (the client's end: out, the server's: in), with its bytes exact (the SYN and FIN that the
 * kernel's counters include taken out), its lifetime at least the driver's sleep and within 0.5 s of it, and the
 * client's connect latency; the rows count them. The driver's own ports and pid tell its sessions from the host's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Engine } from '../../src/engine.js';
import type { SessionEvent, TcplifeRow } from '../../src/models/tcplife.js';
import { sleep } from './kernel.js';
import { CountedMisses } from './misses.js';

const DRIVER = `
import socket, threading, time, json, sys
def run(family, host, sessions):
    srv = socket.socket(family); srv.bind((host, 0)); srv.listen(64)
    port = srv.getsockname()[1]
    out = []
    def serve(n):
        for _ in range(n):
            c, _ = srv.accept()
            head = b''
            while len(head) < 64:
                head += c.recv(64 - len(head))
            want, back, server_first = json.loads(head.split(b'\\n')[0])
            got = 0
            while got < want:
                d = c.recv(65536)
                if not d: break
                got += len(d)
            c.sendall(b'y' * back)
            if server_first:
                c.close()
            else:
                while c.recv(65536): pass
                c.close()
    t = threading.Thread(target=serve, args=(len(sessions),)); t.start()
    for (send, back, life, server_first) in sessions:
        s = socket.socket(family); t0 = time.monotonic(); s.connect((host, port))
        head = (json.dumps([send, back, server_first]) + '\\n').encode().ljust(64, b' ')
        s.sendall(head + b'x' * send)
        got = 0
        while got < back:
            d = s.recv(65536)
            if not d: break
            got += len(d)
        time.sleep(life)
        if server_first:
            while s.recv(65536): pass
        out.append({'cport': s.getsockname()[1], 'sport': port, 'send': send + 64, 'back': back, 'sleep': life, 'life': time.monotonic() - t0, 'v6': family == socket.AF_INET6})
        s.close()
    t.join(); srv.close()
    return out
res = run(socket.AF_INET, '127.0.0.1', [(1000, 5000, 0.05, False), (100000, 10, 0.1, True), (0, 70000, 0.02, False), (12345, 54321, 0.2, True)])
res += run(socket.AF_INET6, '::1', [(4096, 4096, 0.03, False), (1, 1, 0.01, True)])
time.sleep(0.3)
print(json.dumps({'pid': __import__('os').getpid(), 'sessions': res}))
`;

interface Made {
  cport: number;
  sport: number;
  send: number;
  back: number;
  /** what the client slept between its exchange and its close (s), and the driver's time from connect to close (s) */
  sleep: number;
  life: number;
  v6: boolean;
}

export async function tcplifeGroundTruth(engine: Engine): Promise<string> {
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  engine.tick();
  const { pid, sessions } = JSON.parse(execFileSync(python, ['-c', DRIVER], { encoding: 'utf8' })) as { pid: number; sessions: Made[] };
  await sleep(200);
  const f = engine.tick();
  const p = f.panels[0]!;
  assert.equal(p.status, 'ok', p.reason ?? '');
  assert.equal((p.stats.ring_full_drops ?? 0) + (p.stats.rate_drops ?? 0), 0, 'no event lost');
  const events = (p.events ?? []) as SessionEvent[];
  // Each end of each session exactly, but for those the kernel skipped and counted (CountedMisses: a state change in
  // a softirq, a packet's receipt, can interrupt another process's map syscall): such an end is not listed.
  const misses = new CountedMisses(p.stats.bpf_missed_drops ?? 0);
  let lifeErr = 0;
  const seen: Made[] = [];
  for (const m of sessions) {
    const out = events.filter((e) => e.kind === 'connect' && e.lport === m.cport && e.rport === m.sport);
    const inn = events.filter((e) => e.kind === 'accept' && e.lport === m.sport && e.rport === m.cport);
    assert.ok(out.length <= 1 && inn.length <= 1, `${m.cport} → ${m.sport}: each end once`);
    misses.allow(1 - out.length, `the client's end of ${m.cport} → ${m.sport}`);
    misses.allow(1 - inn.length, `the server's end of ${m.cport} → ${m.sport}`);
    const i = inn[0];
    if (i)
      assert.deepEqual(
        [i.pid, i.tx_bytes, i.rx_bytes, i.connect_ns],
        [pid, m.back, m.send, null],
        `server end of ${m.cport}: bytes out and in, no connect of its own`,
      );
    const o = out[0];
    if (!o) continue;
    seen.push(m);
    assert.deepEqual([o.pid, o.comm, o.tx_bytes, o.rx_bytes], [pid, 'python3', m.send, m.back], `client ${m.cport}: bytes out and in`);
    assert.equal(o.raddr, m.v6 ? '::1' : '127.0.0.1');
    // The client's life runs from its SYN to its close: at least its sleep, and within 0.5 s of what the driver timed
    // from before connect to its close.
    assert.ok(o.life_ns >= m.sleep * 1e9 && o.life_ns <= (m.life + 0.5) * 1e9, `client ${m.cport}: life ${o.life_ns} ns, driver ${m.life} s`);
    lifeErr = Math.max(lifeErr, Math.abs(o.life_ns / 1e9 - m.life));
    assert.ok(o.connect_ns !== null && o.connect_ns > 0 && o.connect_ns < o.life_ns, `client ${m.cport}: a connect latency`);
  }
  const rows = (p.rows as TcplifeRow[]).filter((r) => r.pid === pid && r.kind === 'connect');
  const n = rows.reduce((a, r) => a + r.sessions, 0);
  assert.equal(n, seen.length, 'the rows count every session the driver opened');
  assert.equal(
    rows.reduce((a, r) => a + r.tx_bytes, 0),
    seen.reduce((a, m) => a + m.send, 0),
    'and their bytes',
  );
  const skipped = misses.used > 0 ? ` (${misses.used} ends skipped by the kernel and counted, of ${misses.counted} misses)` : '';
  return `${sessions.length} sessions${skipped} (IPv4 and IPv6, either end closing first), both ends each: bytes exact, lifetimes within ${(lifeErr * 1000).toFixed(1)} ms of the driver's, connect latency on the client's end`;
}
