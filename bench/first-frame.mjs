// Time to the first frame of the console (scripts/sixty in tmux at 120×40), from the start of the command: the first
// paint (the plain frame drawn before the console's modules load, values shown as –), the console drawn by Ink, and the
// first verdicts (the checklist's readings in). Load + attach of every panel is timed in-process by bench/startup.mjs.
// Usage (root, after npm run build): node bench/first-frame.mjs [runs=7]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.argv[2] ?? 7);
const median = (a) => {
  const s = [...a].sort((x, y) => x - y),
    m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = { paint: [], console: [], verdicts: [] };
for (let i = 0; i < RUNS; i++) {
  const sock = `sixty-ff-${process.pid}-${i}`;
  const tmux = (...a) => execFileSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 's', '-x', '120', '-y', '40', 'sleep 30');
  const t0 = performance.now();
  tmux('respawn-pane', '-k', '-t', 's', `env -u CI ${path.join(here, '..', 'scripts', 'sixty')}`);
  const seen = {};
  while (performance.now() - t0 < 10_000 && !seen.verdicts) {
    const s = tmux('capture-pane', '-p', '-t', 's');
    const t = performance.now() - t0;
    if (!seen.paint && /^sixty {2}/m.test(s)) seen.paint = t;
    if (!seen.console && /Tab panel/.test(s)) seen.console = t;
    if (!seen.verdicts && /^\s*1 uptime\s+(ok|warn|bad)\b/m.test(s)) seen.verdicts = t;
    await sleep(5);
  }
  tmux('kill-server');
  for (const k of Object.keys(results)) if (seen[k]) results[k].push(seen[k]);
  await sleep(300);
}
console.log(
  `time to the first frame, median of ${RUNS} (tmux polled every ~10 ms): first paint ${median(results.paint).toFixed(0)} ms, console drawn ${median(results.console).toFixed(0)} ms, first verdicts ${median(results.verdicts).toFixed(0)} ms`,
);
console.log(JSON.stringify({ bench: 'first-frame', paintMs: median(results.paint), consoleMs: median(results.console), verdictsMs: median(results.verdicts) }));
