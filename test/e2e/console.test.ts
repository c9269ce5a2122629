/** The whole app in a real pseudo-terminal (tmux): keys in, screen out, clean exit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeldBpf, heldOf, LAUNCHER, needsBpf, sixtyBelow, sleep, until } from '../helpers/kernel.js';
import { Tmux } from '../helpers/tmux.js';

test('console: panels, sort, pause, help, resize and quit in a real terminal', async (t) => {
  if (!needsBpf(t)) return;
  const held = new HeldBpf();
  const tm = new Tmux();
  let app: number | undefined;
  const watching = held.watch(() => (app ??= sixtyBelow(tm.panePid())));
  try {
    // The bytes it writes are kept from its first: sixty starts once the recording does (Enter).
    const raw = join(tmpdir(), `sixty-console-${process.pid}.raw`);
    rmSync(raw, { force: true });
    tm.start(`sh -c 'read _; ${LAUNCHER} --interval 0.5; echo EXIT=$?; sleep 60'`, 100, 30);
    tm.record(raw);
    tm.keys('Enter');
    // Home: the 60-second checklist, the host's meters above it.
    let s = await tm.waitFor((x) => /^ 3 vmstat\s+(ok|look|bad)\s/m.test(x) && /^0\[/m.test(x));
    // From "starting…" to the first frame, the screen is never cleared: the frame draws over it (no blank screen).
    const stream = readFileSync(raw, 'latin1');
    const from = stream.indexOf('starting');
    const title = stream.indexOf('interval 0.5s', from);
    assert.ok(from >= 0 && title > from, 'the starting line, then the title');
    assert.equal(stream.slice(from, title).includes('\x1b[2J'), false, 'no clear between them');
    rmSync(raw, { force: true });
    let lines = s.trimEnd().split('\n');
    app ??= sixtyBelow(tm.panePid());
    assert.ok(app !== undefined, "sixty's process below the pane");
    assert.equal(readFileSync(`/proc/${app}/comm`, 'utf8'), 'sixty\n', 'named sixty in ps, top and its own panels, not node');
    // The title: host, kernel, clock, interval, sixty's own CPU and RSS, and its BPF programs' estimated cost (stats off).
    assert.match(lines[0]!, /^sixty {2}\S+ {2}\S+ {2}\d\d:\d\d:\d\d {2}interval 0\.5s {2}sixty \d+\.\d% CPU \d+M {2}bpf ~(<0\.01|\d+\.\d\d)% est$/);
    assert.match(lines[1]!, /^load \d+\.\d\d \d+\.\d\d \d+\.\d\d on \d+ CPUs {2}(psi cpu [<\d]+% mem [<\d]+\/[<\d]+% io [<\d]+\/[<\d]+% {2}|no PSI {2})?mem /);
    assert.match(s, /#▲ CHECK\s+VERDICT\s+NEXT\s+READING/);
    for (const step of ['uptime', 'dmesg', 'vmstat', 'mpstat', 'pidstat', 'iostat', 'free', 'sar DEV', 'sar TCP', 'top'])
      assert.match(s, new RegExp(`^\\s*\\d+ ${step}\\s`, 'm'));
    // Step 4 (mpstat), then Enter: the panel that explains it, the processes by CPU.
    tm.keys('4');
    tm.keys('Enter');
    await tm.waitFor((x) => /procs( in kernel [^[]*)? \[tp_btf sched_wakeup/.test(x) && /^\s+PID\s.*CPU%▼/m.test(x));
    tm.keys('h');
    await tm.waitFor((x) => /^ 1 uptime /m.test(x));

    // Tab: the process panel first, sixty itself among its rows.
    tm.keys('Tab');
    await tm.waitFor((x) => /procs( in kernel [^[]*)? \[tp_btf/.test(x) && /^\s+\d+ [RS]\s.* sixty\s/m.test(x));
    // F9 on a process of this test's (found by its pid with /): the prompt names it, ← → picks SIGINT, y sends it.
    const target = spawn('sleep', ['600']);
    const ended = new Promise<NodeJS.Signals | null>((r) => target.once('exit', (_c, sig) => r(sig)));
    const pid = String(target.pid);
    tm.keys('/', ...pid.split(''), 'Enter');
    await tm.waitFor((x) => new RegExp(`^\\s+${pid} .* sleep\\s`, 'm').test(x) && /^filter \/\d+\/ 1 of \d+ rows/m.test(x));
    tm.keys('F9');
    await tm.waitFor((x) => x.includes(`send SIGTERM to ${pid} (sleep)? y sends`));
    tm.keys('Right', 'Right');
    await tm.waitFor((x) => x.includes(`send SIGINT to ${pid} (sleep)?`));
    tm.keys('y');
    await tm.waitFor((x) => x.includes(`sent SIGINT to ${pid}`));
    assert.equal(await ended, 'SIGINT', 'the process got the signal the prompt named');
    tm.keys('Escape');
    await tm.waitFor((x) => !x.includes('filter /'));
    // The cgroup panel, the root pinned on top; Enter lists its processes in the process panel; c shows every cgroup.
    tm.keys('Tab');
    await tm.waitFor((x) => /^CGROUP\s+(WORKLOAD\s+)?PROCS\s+CPU%▼/m.test(x) && /^\/\s/m.test(x));
    tm.keys('Enter');
    await tm.waitFor((x) => /^cgroup \/ and below: \d+ rows \(c: every cgroup\)/m.test(x) && /^\s+PID\s/m.test(x));
    tm.keys('c');
    await tm.waitFor((x) => !x.includes('and below:') && /^\s+PID\s/m.test(x));
    tm.keys('Tab', 'Tab');
    s = await tm.waitFor((x) => /softirqs( in kernel [^[]*)? \[tp_btf/.test(x) && /^hrtimer\s/m.test(x));
    lines = s.trimEnd().split('\n');
    assert.match(s, /VECTOR\s+COUNT\/s\s+TIME\/s▼\s+AVG\s+%CPU\s+MAX\s+BUSIEST\s+TREND/);
    for (const v of ['net_rx', 'timer', 'sched', 'rcu', 'hrtimer']) assert.match(s, new RegExp(`^${v}\\s`, 'm'));
    assert.ok(lines.length <= 30);

    tm.keys('Tab');
    s = await tm.waitFor((x) => x.includes('tcptop ['));
    assert.match(s, /PID\s+COMM\s+FAM\s+LADDR\s+LPORT\s+RADDR\s+RPORT\s+RX\/s\s+TX\/s\s+TOTAL\/s▼/);

    // filetop is attached only while on screen: not loaded until shown, loaded while shown, unloaded when left.
    // (Followed in this sixty's own process: another sixty on the host may have its own filetop.)
    const filetopProgs = (): number => (app === undefined ? 0 : heldOf('filetop', app).size);
    assert.equal(filetopProgs(), 0, 'filetop is not attached before it is shown');
    tm.keys('Tab', 'Tab');
    s = await tm.waitFor(
      (x) =>
        /^filetop attached \d\d:\d\d:\d\d( in kernel [^[]*)? \[/m.test(x) &&
        /^\s+PID\s+COMM\s+(READS\/s\s+WRITES\/s\s+)?RBYTES\/s\s+WBYTES\/s\s+TOTAL\/s▼\s+T\s+PATH/m.test(x),
    );
    assert.ok(filetopProgs() > 0, 'attached while on screen');
    // sixty's own reads (the checklist's /proc files, every interval) show with their full paths.
    await tm.waitFor((x) => / R +\/\S+/.test(x));
    // t: one row per process, its files summed; t again: by cgroup; then back to single rows.
    tm.keys('t');
    await tm.waitFor(
      (x) =>
        /^grouped by process: \d+ groups? of \d+ rows? \(t: by cgroup\)/m.test(x) &&
        /^\s+PID\s+COMM\s+ROWS\s+(READS\/s\s+WRITES\/s\s+)?RBYTES\/s\s+WBYTES\/s\s+TOTAL\/s▼/m.test(x) &&
        !/PATH/.test(x),
    );
    tm.keys('t');
    await tm.waitFor((x) => /^grouped by cgroup: \d+ groups? of \d+ rows? \(t: single rows\)/m.test(x) && /^\s*CGROUP\s+WORKLOAD\s+ROWS\s/m.test(x));
    tm.keys('t');
    await tm.waitFor((x) => !x.includes('grouped by') && /TOTAL\/s▼\s+T\s+PATH/.test(x));
    tm.keys('BTab', 'BTab', 'BTab');
    await tm.waitFor((x) => x.includes('TIME/s▼'));
    await until(() => filetopProgs() === 0, 'filetop to detach when it left the screen', 10_000);
    tm.keys('>');
    await tm.waitFor((x) => x.includes('AVG▼'));
    tm.keys('r');
    await tm.waitFor((x) => x.includes('AVG▲'));
    // / filters by a regular expression over the rows' text; Esc clears it. F6 lists the columns to sort by.
    tm.keys('/', 'n', 'e', 't', '_', 'Enter');
    await tm.waitFor((x) => /^filter \/net_\/ 2 of \d+ rows/m.test(x) && /^net_rx\s/m.test(x) && !/^timer\s/m.test(x));
    tm.keys('Escape');
    await tm.waitFor((x) => !x.includes('filter /') && /^timer\s/m.test(x));
    tm.keys('F6');
    await tm.waitFor((x) => x.includes('softirqs: sort by') && /^▶ AVG▲/m.test(x));
    // A column chosen starts in its own direction: %CPU biggest first, then AVG biggest first.
    tm.keys('Down', 'Enter');
    await tm.waitFor((x) => x.includes('%CPU▼') && !x.includes('sort by'));
    tm.keys('<');
    await tm.waitFor((x) => x.includes('AVG▼'));

    tm.keys('p');
    await tm.waitFor((x) => x.includes('[PAUSED]'));
    tm.keys('Space');
    await tm.waitFor((x) => !x.includes('[PAUSED]'));

    tm.keys('?');
    // The help scrolls: the panel's columns first, then the keys, and (End) its hooks and blind spots.
    await tm.waitFor((x) => /^keys$/m.test(x) && x.includes('more lines'));
    tm.keys('End');
    await tm.waitFor((x) => x.includes('softirqs: blind spots') && /\* tp_btf/.test(x));
    tm.keys('Escape');
    await tm.waitFor((x) => x.includes('AVG▼'));

    execFileSync('tmux', ['-L', tm.socket, 'resize-window', '-t', tm.session, '-x', '50', '-y', '20']);
    await tm.waitFor((x) => x.includes('terminal too small: 50×20'));
    execFileSync('tmux', ['-L', tm.socket, 'resize-window', '-t', tm.session, '-x', '80', '-y', '24']);
    s = await tm.waitFor((x) => x.includes('AVG▼') && !x.includes('too small'));
    assert.ok(s.split('\n').every((l) => [...l].length <= 80));

    assert.ok(app !== undefined && held.sample(app) > 0, "sixty's programs are attached");
    tm.keys('q');
    s = await tm.waitFor((x) => x.includes('EXIT='));
    assert.match(s, /EXIT=0/);
    watching.stop();
    assert.deepEqual(await held.gone(), { progs: [], links: [] }, "sixty's programs and links are freed");
  } finally {
    watching.stop();
    tm.kill();
  }
});

/**
 * A screen's shape, without its values: each line's first word, numbers as 0, meters and sparklines left out, verdicts
 * as V (and home's verdict line, "look: uptime, vmstat" or "every step looks ok", as V too). Two screens of the same panel at the same size have the same shape whatever the host is doing.
 */
function shape(screen: string): string[] {
  return screen
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) =>
      (l.trim().split(/\s+/)[0] ?? '')
        .replace(/^(\d+)\[.*$/, '0[')
        .replace(/[|█▁▂▃▄▅▆▇]+/g, '')
        .replace(/\d+(\.\d+)?%?/g, '0')
        .replace(/^(ok|look|bad|every)\b:?/, 'V'),
    );
}

test('console: shrinking and growing the terminal while it runs draws what a fresh start at that size draws; Ctrl-L redraws', async (t) => {
  if (!needsBpf(t)) return;
  const home = (x: string): boolean => /#▲ CHECK/.test(x) && /^ 1 uptime /m.test(x) && /^0\[/m.test(x) && /^Tab panel/m.test(x);
  const fresh = async (w: number, h: number): Promise<string[]> => {
    const tm = new Tmux();
    try {
      tm.start(`${LAUNCHER} --interval 0.5; sleep 60`, w, h);
      return shape(await tm.waitFor(home));
    } finally {
      tm.kill();
    }
  };
  const tm = new Tmux();
  try {
    tm.start(`${LAUNCHER} --interval 0.5; sleep 60`, 120, 40);
    await tm.waitFor(home);
    await sleep(2000); // a few frames drawn cell by cell at the old size
    for (const [w, h] of [
      [80, 24],
      [200, 50],
      [60, 10],
      [120, 40],
    ] as const) {
      execFileSync('tmux', ['-L', tm.socket, 'resize-window', '-t', tm.session, '-x', String(w), '-y', String(h)]);
      await sleep(1500); // frames drawn after the resize too
      const s = await tm.waitFor(home);
      const lines = s.replace(/\s+$/, '').split('\n');
      assert.ok(lines.length <= h && lines.every((l) => [...l].length <= w), `${w}×${h}: every line within the terminal`);
      assert.deepEqual(shape(s), await fresh(w, h), `${w}×${h} after resizing: the screen a fresh start draws`);
    }
    // Something else writes on the terminal (a wall message): Ctrl-L draws everything again.
    const pane = execFileSync('tmux', ['-L', tm.socket, 'display-message', '-p', '-t', tm.session, '#{pane_tty}'], { encoding: 'utf8' }).trim();
    writeFileSync(pane, '\x1b[5;1HBROADCAST FROM SOMEONE ELSE\x1b[20;1HMORE NOISE');
    await tm.waitFor((x) => x.includes('BROADCAST'));
    tm.keys('C-l');
    const s = await tm.waitFor((x) => !x.includes('BROADCAST') && !x.includes('MORE NOISE') && home(x));
    assert.deepEqual(shape(s), await fresh(120, 40));
  } finally {
    tm.kill();
  }
});

test('console: b opens the BCC tools checklist, Enter opens execsnoop; v lists the recent execs, / filters them (typed as a paste), Enter opens one', async (t) => {
  if (!needsBpf(t)) return;
  const tm = new Tmux();
  const token = `e2e${process.pid}`;
  try {
    tm.start(`${LAUNCHER} --interval 0.5; sleep 60`, 140, 40);
    await tm.waitFor((x) => /^ 1 uptime /m.test(x));
    tm.keys('b');
    await tm.waitFor((x) => x.includes('the BCC tools checklist') && /^ 1 execsnoop\s+(ok|look|bad)\s/m.test(x));
    tm.keys('Enter');
    await tm.waitFor((x) => /execsnoop( in kernel [^[]*)? \[tracepoint syscalls:sys_enter_execve/.test(x) && x.includes('LAST ARGS'));
    // Execs of our own, with a token in their argv: listed as events, each with its exit status.
    // By its path: a bare name is looked for along PATH, each miss a failed exec of its own.
    for (let i = 0; i < 3; i++) spawnSync('/bin/sh', ['-c', `exit ${i}`, token, `n${i}`], { argv0: 'sh' });
    tm.keys('v');
    await tm.waitFor((x) => /TIME▼\s+PID\s+PPID\s+COMM/.test(x) && x.includes('v counts'));
    // The filter (typed as one paste: the keys arrive in one read) keeps ours: this test's own tmux calls exec too,
    // each a few times along PATH, and would push them off the screen.
    tm.keys('/', ...token.split(''), 'Enter');
    const ours = await tm.waitFor((x) => /^filter \/.*\/ 3 of \d+ rows/m.test(x));
    for (let i = 0; i < 3; i++) assert.match(ours, new RegExp(`^.*\\s0 exit ${i}\\s.*sh -c 'exit ${i}' ${token} n${i}`, 'm'));
    // Newest first: Enter opens the last one.
    tm.keys('Enter');
    const detail = await tm.waitFor((x) => x.includes('Esc or q back'));
    assert.match(detail, new RegExp(`argv: sh -c 'exit 2' ${token} n2 \\(5 kept\\)`));
    assert.match(detail, /ended: exit 2 after /);
    tm.keys('q');
    tm.keys('v');
    await tm.waitFor((x) => x.includes('LAST ARGS'));
  } finally {
    tm.kill();
  }
});

test('console: P from home’s pidstat step opens its busiest process’s profile; f draws a flame graph, Enter zooms, e writes its folded stacks', async (t) => {
  if (!needsBpf(t)) return;
  const { fixtureBinary } = await import('../helpers/ground-truth.js');
  const { mkdtempSync, readdirSync } = await import('node:fs');
  const bin = fixtureBinary('burn', { name: 'fp', flags: ['-O0', '-fno-omit-frame-pointer'] });
  const burn = spawn(bin, ['60'], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'sixty-flame-'));
  const tm = new Tmux();
  try {
    tm.start(`${LAUNCHER} --interval 1 --export-dir ${dir}; sleep 60`, 120, 40);
    // pidstat names its busiest process ("comm pid N %"), whatever else this host runs; paused, the screen holds still.
    await tm.waitFor((x) => /^ 5 pidstat\s+\S+\s+\S+\s+\S+ \d+ \d+ %/m.test(x), 20000);
    tm.keys('p');
    const home = await tm.waitFor((x) => x.includes('[PAUSED]'));
    const culprit = Number(/^ 5 pidstat\s+\S+\s+\S+\s+\S+ (\d+) \d+ %/m.exec(home)![1]);
    tm.keys('5', 'P');
    const prof = await tm.waitFor((x) => /^process \d+ only: \d+ rows \(Esc: every process\)$/m.test(x));
    assert.equal(Number(/^process (\d+) only/m.exec(prof)![1]), culprit, 'the profile of the step’s busiest process');
    const rows = prof.split('\n').filter((l) => /^\s+\d+ \S/.test(l));
    assert.ok(
      rows.every((l) => Number(l.trim().split(/\s+/)[0]) === culprit),
      `its rows only:\n${rows.join('\n')}`,
    );
    // Every process again, going on, and only this test's program's stacks through main (a filter typed as one paste:
    // on a loaded host some of its samples land in the clock it reads, or are cut).
    const filter = 'burn-fp.*work[37]0 . main';
    tm.keys('p');
    await tm.waitFor((x) => !x.includes('[PAUSED]'));
    // Esc alone (an Esc and a key in one read is Alt and that key): every process's rows again.
    tm.keys('Escape');
    await tm.waitFor((x) => !/^process \d+ only/m.test(x) && /STACK \(innermost first\)/.test(x));
    tm.keys('/', ...filter.split(''), 'Enter');
    await tm.waitFor((x) => x.includes(`filter /${filter}/`) && /work70 ← main ← __libc_start_call_main/.test(x));
    // The flame graph of the rows shown: all → the program → the C library's start → main → the two functions.
    tm.keys('f');
    const flame = await tm.waitFor((x) => x.includes('flame graph of CPU samples: all') && /^▏main\s*$/m.test(x) && /^▏work70 +▏work30/m.test(x));
    assert.match(flame, /^▏burn-fp\s*$/m);
    // Down to main (the heaviest child each time), Enter zooms into it: main is the top line, the two functions below.
    tm.keys('Down', 'Down', 'Down');
    await tm.waitFor((x) => /flame graph of CPU samples: main —/.test(x));
    tm.keys('Enter');
    await tm.waitFor((x) => /zoomed into main/.test(x) && /zoomed into main.*\n▏main\s*\n▏work70 +▏work30/.test(x));
    tm.keys('e');
    await tm.waitFor((x) => /snapshot written: .*\.json \(and \.txt, \.profile\.folded\)/.test(x));
    const folded = readdirSync(dir).find((f) => f.endsWith('.profile.folded'));
    assert.ok(folded, readdirSync(dir).join(' '));
    assert.match(readFileSync(join(dir, folded), 'utf8'), /^burn-fp;__libc_start_call_main;main;work70 \d+$/m);
    // Esc zooms out a level at a time (main, the C library's start, the process: three), then leaves for the table.
    tm.keys('Escape', 'Escape', 'Escape');
    await tm.waitFor((x) => x.includes('flame graph of CPU samples:') && !x.includes('zoomed into'));
    tm.keys('Escape');
    await tm.waitFor((x) => /STACK \(innermost first\)/.test(x) && !x.includes('flame graph'));
  } finally {
    tm.kill();
    burn.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
