/**
 * Every way sixty can end leaves no program or link of its own (bpftool against a baseline), and, on a terminal,
 * the terminal as it was: q, Ctrl-C, SIGTERM, SIGINT, SIGHUP (an SSH drop), SIGKILL and an uncaught exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { AS_NOBODY, bpfIds, CLI, LAUNCHER, lines, needsBpf, panelProgs, scaled, sleep, spawnCli, waitForBaseline, type BpfIds } from '../helpers/kernel.js';
import { Tmux } from '../helpers/tmux.js';
import { PANELS } from '../../src/panels/registry.js';

async function assertBaseline(base: BpfIds, what: string): Promise<void> {
  const left = await waitForBaseline(base);
  assert.deepEqual(left, { progs: [], links: [] }, `${what}: programs or links left behind`);
}

function sixtyPids(): string {
  try {
    return execFileSync('pgrep', ['-f', CLI], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

/** Waits until sixty has its panels' programs attached (not only the probe's, loaded and freed while tiers are tried). */
async function attached(base: BpfIds): Promise<void> {
  const deadline = Date.now() + scaled(10_000);
  while (Date.now() < deadline) {
    if ([...panelProgs()].filter((id) => !base.progs.has(id)).length >= 4) return;
    await sleep(50);
  }
  throw new Error('sixty never attached');
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const) {
  test(`batch: ${sig} detaches everything`, async (t) => {
    if (!needsBpf(t)) return;
    const base = bpfIds();
    const child = spawnCli(['--batch', '--format', 'json', '--interval', '0.2']);
    const out = lines(child);
    await out.first;
    child.kill(sig);
    const { signal } = await out.exit;
    assert.equal(signal, sig, 'sixty re-raises the signal, so its exit status says which it was');
    assert.doesNotMatch(out.stderr(), /\n\s+at /, 'no stack trace');
    await assertBaseline(base, sig);
  });
}

test('batch: an uncaught exception detaches, prints one line, exits 70', async (t) => {
  if (!needsBpf(t)) return;
  const base = bpfIds();
  const child = spawnCli(['--batch', '--format', 'json', '--interval', '0.2'], { SIXTY_INJECT_FAULT: 'uncaught' });
  const out = lines(child);
  const { code } = await out.exit;
  assert.equal(code, 70);
  assert.equal(out.stderr(), 'sixty: internal error: injected fault\n');
  await assertBaseline(base, 'uncaught exception');
});

test('batch: a closed pipe ends the run quietly', async (t) => {
  if (!needsBpf(t)) return;
  const base = bpfIds();
  const child = spawnCli(['--batch', '--format', 'json', '--interval', '0.1']);
  const out = lines(child);
  await out.first;
  child.stdout!.destroy();
  const { code } = await out.exit;
  assert.equal(code, 0);
  assert.equal(out.stderr(), '');
  await assertBaseline(base, 'EPIPE');
});

test('without privileges: /proc panels run, BPF panels say why in one line, nothing is loaded', (t) => {
  if (!needsBpf(t)) return;
  const base = bpfIds();
  const asNobody = AS_NOBODY;
  // Root with every capability dropped.
  const noCaps = ['--inh-caps=-all', '--bounding-set=-all'];
  const why = 'BPF panels need root, or CAP_BPF + CAP_PERFMON; missing CAP_BPF, CAP_PERFMON: run sudo sixty';
  for (const opts of [asNobody, noCaps]) {
    const run = (args: string[]) => spawnSync('setpriv', [...opts, process.execPath, CLI, ...args], { encoding: 'utf8' });
    // Only BPF panels asked for: nothing can run, so one line and exit 77.
    const bpfOnly = run(['--batch', '--count', '1', '--panels', 'softirqs,tcptop']);
    assert.equal(bpfOnly.status, 77, opts.join(' '));
    assert.equal(bpfOnly.stderr, `sixty: ${why}\n`);
    assert.equal(bpfOnly.stdout, '');
    // Every panel: mpstat reads /proc; the BPF panels are off with the reason, and the exit status says so.
    const all = run(['--batch', '--count', '1', '--format', 'json', '--interval', '0.2']);
    assert.equal(all.status, 77);
    const bpfPanels = PANELS.filter((p) => p.source.kind === 'bpf').map((p) => p.id);
    assert.ok(bpfPanels.length >= 3);
    assert.equal(all.stderr, `sixty: ${bpfPanels.join(', ')} are unavailable: ${why}\n`);
    const f = JSON.parse(all.stdout) as { panels: Record<string, { status: string; reason?: string; rows: unknown[] }> };
    assert.equal(f.panels.mpstat!.status, 'ok');
    assert.ok(f.panels.mpstat!.rows.length >= 2);
    assert.deepEqual([f.panels.softirqs!.status, f.panels.tcptop!.reason], ['off', why]);
  }
  assert.deepEqual(bpfIds(), base, 'nothing was loaded');
});

test('terminal, without privileges: the checklist home and mpstat run, and each BPF panel says what to do in full at 80 columns', async (t) => {
  if (!needsBpf(t)) return;
  const tm = new Tmux();
  try {
    const nobody = `setpriv ${AS_NOBODY.join(' ')}`;
    tm.start(`${nobody} ${LAUNCHER} --interval 0.5; echo EXIT=$?; sleep 60`, 80, 24);
    // Home: the checklist from /proc, with its figures after the first interval, and the host's meters.
    const home = await tm.waitFor((s) => /^ 3 vmstat\s+(ok|look|bad)\s/m.test(s) && /^0\[/m.test(s), 10_000);
    assert.match(home, /^ 7 free\s+(ok|look|bad)\s+\S+\s+available /m);
    tm.keys('Tab');
    const why = 'softirqs: off: BPF panels need root, or CAP_BPF + CAP_PERFMON; missing CAP_BPF, CAP_PERFMON: run sudo sixty';
    const screen = await tm.waitFor((s) => s.replace(/\s+/g, ' ').includes(why));
    assert.ok(screen.split('\n').every((l) => l.length <= 80));
    tm.keys('h');
    tm.keys('BTab'); // Shift-Tab: from home, the last panel, mpstat
    await tm.waitFor((s) => /^ all\s+\d/m.test(s), 10_000);
    tm.keys('q');
    await tm.waitFor((s) => s.includes('EXIT=0'));
  } finally {
    tm.kill();
  }
});

test('terminal: a hostname that is an escape sequence is shown escaped and retitles nothing', async (t) => {
  if (!needsBpf(t)) return;
  const tm = new Tmux();
  try {
    // A UTS namespace of its own, so the machine's hostname is not touched (hostname(1) refuses such a name).
    const py = `import os, socket; socket.sethostname('evil\\x1b]2;pwned\\x07'); os.execv('${LAUNCHER}', ['sixty', '--interval', '0.5'])`;
    tm.start(`unshare --uts python3 -c "${py}"; sleep 60`, 100, 30);
    const screen = await tm.waitFor((s) => s.includes('home ['));
    assert.match(screen.split('\n')[0]!, /^sixty {2}evil\\x1b\]2;pwned\\x07 {2}/);
    const title = execFileSync('tmux', ['-L', tm.socket, 'display-message', '-p', '-t', tm.session, '#{pane_title}'], { encoding: 'utf8' }).trim();
    assert.notEqual(title, 'pwned');
    tm.keys('q');
  } finally {
    tm.kill();
  }
});

/** Terminal state of the pane after sixty ended: tmux knows the alternate screen; stty knows raw mode. */
async function terminalRestored(tm: Tmux): Promise<void> {
  const screen = await tm.waitFor((s) => s.includes('STTY='));
  assert.match(screen, /STTY= icanon echo/, 'cooked mode and echo are back');
  const alt = execFileSync('tmux', ['-L', tm.socket, 'display-message', '-p', '-t', tm.session, '#{alternate_on}:#{cursor_flag}'], { encoding: 'utf8' }).trim();
  assert.equal(alt, '0:1', 'main screen, cursor shown');
}

const TTY_COMMAND = `${LAUNCHER} --interval 0.5; rc=$?; echo; echo EXIT=$rc; echo "STTY=$(stty -a | grep -oE -- '(^| )-?icanon|(^| )-?echo( |$)' | tr -d '\\n')"; sleep 60`;

for (const how of ['q', 'Ctrl-C', 'SIGKILL', 'SIGINT to the launcher'] as const) {
  test(`terminal: ${how} detaches everything and restores the terminal`, async (t) => {
    if (!needsBpf(t)) return;
    const base = bpfIds();
    const tm = new Tmux();
    try {
      tm.start(TTY_COMMAND, 100, 30);
      await tm.waitFor((s) => /^ 1 uptime /m.test(s));
      await attached(base);
      if (how === 'q') tm.keys('q');
      else if (how === 'Ctrl-C') tm.keys('C-c');
      else if (how === 'SIGKILL') execFileSync('pkill', ['-KILL', '-f', CLI]);
      else execFileSync('pkill', ['-INT', '-f', `^bash ${LAUNCHER}`]);
      await terminalRestored(tm);
      if (how === 'SIGINT to the launcher') assert.match(tm.screen(), /^EXIT=130$/m, 'sixty ended by the forwarded SIGINT');
      await assertBaseline(base, how);
    } finally {
      tm.kill();
    }
  });
}

test('terminal: a hang-up (the SSH connection drops) detaches everything', async (t) => {
  if (!needsBpf(t)) return;
  const base = bpfIds();
  const tm = new Tmux();
  try {
    tm.start(`${LAUNCHER} --interval 0.5`, 100, 30);
    await tm.waitFor((s) => /^ 1 uptime /m.test(s));
    await attached(base);
  } finally {
    tm.kill(); // closes the pty: the kernel sends SIGHUP
  }
  await assertBaseline(base, 'hang-up');
  for (let i = 0; i < scaled(40) && sixtyPids(); i++) await sleep(50);
  assert.equal(sixtyPids(), '', 'sixty has exited');
});
