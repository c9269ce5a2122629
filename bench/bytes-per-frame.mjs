// Bytes written to the terminal per second (and per frame, at a 1 s interval) by sixty and by htop, each in the same
// tmux pane size for the same time, recorded with script(1). sixty is measured on home and on softirqs (keys sent after
// start). Usage (root, after npm run build; htop installed): node bench/bytes-per-frame.mjs [seconds=20] [cols=120] [rows=40]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECS = Number(process.argv[2] ?? 20);
const COLS = Number(process.argv[3] ?? 120);
const ROWS = Number(process.argv[4] ?? 40);
const sixty = path.join(here, '..', 'scripts', 'sixty');
const sock = `bytes-${process.pid}`;
const tmux = (...a) => spawnSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `cmd` in a COLS×ROWS pane under script(1) for SECS seconds (after `warm` s and the keys), returns its bytes. */
function measure(cmd, keys = [], warm = 3) {
  const out = `/tmp/sixty-bytes-${process.pid}.out`;
  rmSync(out, { force: true });
  tmux('new-session', '-d', '-s', 'b', '-x', String(COLS), '-y', String(ROWS), `script -q -f -c '${cmd}' ${out}; sleep 60`);
  sleep(warm * 1000);
  for (const k of keys) tmux('send-keys', '-t', 'b', k);
  sleep(1000);
  const before = readFileSync(out).length;
  sleep(SECS * 1000);
  const after = readFileSync(out).length;
  tmux('send-keys', '-t', 'b', 'q');
  sleep(1000);
  tmux('kill-server');
  rmSync(out, { force: true });
  return (after - before) / SECS;
}

execFileSync('which', ['htop']);
const results = {
  htop: measure('htop -d 10'),
  sixtyHome: measure(sixty),
  sixtySoftirqs: measure(sixty, ['Tab']),
};
for (const [k, v] of Object.entries(results)) console.log(`${k}: ${v.toFixed(0)} bytes/s (${(v / results.htop).toFixed(2)}× htop)`);
console.log(JSON.stringify({ bench: 'bytes-per-frame', cols: COLS, rows: ROWS, seconds: SECS, bytesPerSecond: results }));
