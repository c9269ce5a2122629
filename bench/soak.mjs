// Soak: the console (scripts/sixty in tmux at 120×40) at -i 0.2 on tcptop, beside 20 steady connections and a new
// short one every 0.3 s, for MINUTES; prints sixty's RSS every minute, so growth (a leak) shows.
// Usage (root, after npm run build): node bench/soak.mjs [minutes=30]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { below } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const MINUTES = Number(process.argv[2] ?? 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const traffic = spawn(
  'python3',
  [
    '-c',
    `
import socket, threading, time
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(128)
def serve():
    while True:
        c, _ = srv.accept()
        threading.Thread(target=lambda c=c: [c.sendall(d) for d in iter(lambda: c.recv(4096), b'')], daemon=True).start()
threading.Thread(target=serve, daemon=True).start()
steady = [socket.create_connection(srv.getsockname()) for _ in range(20)]
t = 0
while True:
    for s in steady:
        s.sendall(b'x' * 512); s.recv(4096)
    t += 1
    if t % 3 == 0:
        s = socket.create_connection(srv.getsockname()); s.sendall(b'y' * 100); s.recv(4096); s.close()
    time.sleep(0.1)
`,
  ],
  { stdio: 'ignore' },
);
const sock = `sixty-soak-${process.pid}`;
const tmux = (...a) => execFileSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
// Stopped early (Ctrl-C, kill): the console and the traffic go too.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    try {
      tmux('kill-server');
    } catch {
      /* gone */
    }
    traffic.kill('SIGKILL');
    process.exit(130);
  });
}
tmux('new-session', '-d', '-s', 's', '-x', '120', '-y', '40', `env -u CI ${path.join(here, '..', 'scripts', 'sixty')} -i 0.2 --panels tcptop`);
try {
  let pid = 0;
  for (let i = 0; i < 100 && !pid; i++) {
    await sleep(100);
    pid = below(Number(tmux('display-message', '-p', '-t', 's', '#{pane_pid}').trim()), 'node');
  }
  const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  const series = [];
  for (let m = 0; m <= MINUTES; m++) {
    if (m > 0) await sleep(60_000);
    series.push(Math.round(rss()));
    console.log(`minute ${m}: RSS ${series.at(-1)} MB`);
  }
  const half = series.slice(Math.floor(series.length / 2));
  console.log(
    `RSS over ${MINUTES} min: start ${series[0]} MB, end ${series.at(-1)} MB, max ${Math.max(...series)} MB; second half ${Math.min(...half)}–${Math.max(...half)} MB`,
  );
  console.log(JSON.stringify({ bench: 'soak', minutes: MINUTES, rssMb: series }));
} finally {
  try {
    tmux('kill-server');
  } catch {
    /* gone */
  }
  traffic.kill('SIGKILL');
}
