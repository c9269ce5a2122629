// Recordings: their size per hour at a 1 s interval with every panel attached, and how fast a day of them replays.
//  1. sixty --batch --record with all panels (filetop and cachetop attached too) for SECONDS at 1 s, on this host as it
//     is, then while a workload runs (TCP between 40 connection pairs, a 1 MB file written and read 20 times a second, a
//     busy loop), then with a fork storm added (a shell running `true` as fast as it can: hundreds of new processes a
//     second, each a new row in filetop, cachetop and pidstat): bytes per frame, MB per hour, MB per 10-hour night.
//  2. A 24-hour recording (86,400 frames, built from the busy run's frames with their times moved on), then: the
//     time from `sixty --replay FILE --batch --count 1` starting to its first frame printed (median of 5), its peak
//     RSS, and in-process the time to open (index scan) and to step: ] one frame, } a minute, a jump to mid-day.
// Usage (root, after npm run build): node bench/recording.mjs [SECONDS=120] [size]   (size: part 1 only)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const sixty = path.join(root, 'scripts', 'sixty');
const SECONDS = Number(process.argv[2] ?? 120);
const { RecordingReader, RecordingWriter } = await import(path.join(root, 'build/js/src/persist/recording.js'));
const { CATALOG, PANELS, panelById } = await import(path.join(root, 'build/js/src/panels/registry.js'));
const { ReplayStore } = await import(path.join(root, 'build/js/src/replay.js'));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y),
    m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const dir = mkdtempSync(path.join(tmpdir(), 'sixty-bench-rec-'));
const all = PANELS.map((p) => p.id).join(',');

function recordFor(name) {
  const file = path.join(dir, `${name}.sixtyrec`);
  const r = spawnSync(sixty, ['--batch', '--count', String(SECONDS), '--interval', '1', '--format', 'json', '--panels', all, '--record', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`sixty exited ${r.status}`);
  const rd = new RecordingReader(file, CATALOG);
  const frames = rd.frames;
  rd.close();
  const bytes = statSync(file).size;
  const perFrame = bytes / frames;
  console.log(
    `${name}: ${frames} frames, ${bytes} bytes, ${perFrame.toFixed(0)} bytes per frame: ${((perFrame * 3600) / 1048576).toFixed(1)} MB per hour, ${((perFrame * 36000) / 1048576).toFixed(0)} MB per 10-hour night`,
  );
  return { file, perFrame };
}

/** Each workload is its own process group: the group goes, the shell's background loop with it. */
const killAll = (ps) => {
  for (const p of ps) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
};

const quiet = recordFor('quiet');
// The workload: TCP between 40 pairs over 127.0.0.1, a file written and read back, a busy loop.
const py = `
import socket, threading, time, os
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(('127.0.0.1', 0)); srv.listen(64)
port = srv.getsockname()[1]
def sink(c):
    while c.recv(65536): pass
def accept():
    while True:
        c, _ = srv.accept(); threading.Thread(target=sink, args=(c,), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
cs = [socket.create_connection(('127.0.0.1', port)) for _ in range(40)]
end = time.time() + ${SECONDS + 15}
f = '${dir}/work.bin'
while time.time() < end:
    for i, c in enumerate(cs): c.send(b'x' * (1000 * (i + 1)))
    with open(f, 'wb') as w: w.write(os.urandom(1 << 20))
    with open(f, 'rb') as r: r.read()
    time.sleep(0.05)
`;
const loop = `end=$(($(date +%s)+${SECONDS + 15})); while :; do :; done & p=$!; sleep $((end - $(date +%s))); kill $p`;
let load = [spawn('python3', ['-c', py], { stdio: 'ignore', detached: true }), spawn('sh', ['-c', loop], { stdio: 'ignore', detached: true })];
await new Promise((r) => setTimeout(r, 2000));
const busy = recordFor('busy');
killAll(load);
load = [
  spawn('python3', ['-c', py], { stdio: 'ignore', detached: true }),
  spawn('sh', ['-c', `end=$(($(date +%s)+${SECONDS + 15})); while [ $(date +%s) -lt $end ]; do true; done`], { stdio: 'ignore', detached: true }),
];
await new Promise((r) => setTimeout(r, 2000));
const forks = recordFor('busy-forks');
killAll(load);
if (process.argv[3] === 'size') {
  console.log(
    JSON.stringify({
      bench: 'recording-size',
      seconds: SECONDS,
      quietBytesPerFrame: quiet.perFrame,
      busyBytesPerFrame: busy.perFrame,
      forksBytesPerFrame: forks.perFrame,
    }),
  );
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

// A day at 1 s from the busy frames, their times moved on one second each.
const day = path.join(dir, 'day.sixtyrec');
const src = new RecordingReader(busy.file, CATALOG);
const t0 = Date.parse(src.frame(0).time);
const w = new RecordingWriter(
  day,
  {
    format: 'sixty-recording',
    schemaVersion: 1,
    sixty: 'bench',
    host: { hostname: 'bench', kernel: 'x', cpus: 2 },
    intervalS: 1,
    startedAt: new Date(t0).toISOString(),
    rowsPerPanel: 200,
  },
  { catalog: CATALOG, sync: false },
);
const N = 86_400;
for (let i = 0; i < N; i++) {
  const f = src.frame(i % src.frames);
  w.add({ ...f, time: new Date(t0 + i * 1000).toISOString() });
  if (i % 8 === 7) await w.drain();
}
await w.close();
src.close();
const daySize = statSync(day).size;
console.log(`24-hour recording: ${N} frames, ${(daySize / 1048576).toFixed(1)} MB`);

const starts = [];
let rss = 0;
for (let k = 0; k < 5; k++) {
  const s = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', sixty, '--replay', day, '--batch', '--count', '1', '--format', 'json'], { encoding: 'utf8' });
  starts.push(performance.now() - s);
  if (r.status !== 0) throw new Error(r.stderr);
  rss = Math.max(rss, Number(r.stderr.trim().split('\n').at(-1)));
}
const open = [];
const steps = { next: [], minute: [], jump: [] };
for (let k = 0; k < 5; k++) {
  let s = performance.now();
  const rd = new RecordingReader(day, CATALOG);
  const store = new ReplayStore(rd, panelById);
  open.push(performance.now() - s);
  for (let j = 0; j < 20; j++) {
    s = performance.now();
    store.step(1, 'interval');
    steps.next.push(performance.now() - s);
  }
  s = performance.now();
  store.step(1, 'minute');
  steps.minute.push(performance.now() - s);
  s = performance.now();
  store.go(43_200 + k * 997);
  steps.jump.push(performance.now() - s);
  rd.close();
}
console.log(
  `replay of the day: sixty --replay --batch --count 1 ${median(starts).toFixed(0)} ms start to exit (median of 5), peak RSS ${(rss / 1024).toFixed(0)} MB; in-process: open (index of ${N} frames, first frame) ${median(open).toFixed(0)} ms, ] ${median(steps.next).toFixed(2)} ms, } ${median(steps.minute).toFixed(1)} ms, a jump to mid-day ${median(steps.jump).toFixed(1)} ms`,
);
const result = {
  bench: 'recording',
  seconds: SECONDS,
  quietBytesPerFrame: quiet.perFrame,
  busyBytesPerFrame: busy.perFrame,
  forksBytesPerFrame: forks.perFrame,
  dayMB: daySize / 1048576,
  replayStartMs: median(starts),
  replayRssMB: rss / 1024,
  openMs: median(open),
  nextMs: median(steps.next),
  minuteMs: median(steps.minute),
  jumpMs: median(steps.jump),
};
console.log(JSON.stringify(result));
writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result));
rmSync(dir, { recursive: true, force: true });
