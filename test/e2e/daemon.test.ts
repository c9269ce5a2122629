/**
 * The always-on sixty, run as scripts/sixty.service sets it up. This machine has no systemd (its PID 1 is not
 * systemd, so neither systemctl nor systemd-run can start a unit), so the test reads the unit file and applies what it
 * says with the tools systemd itself would use underneath: ExecStart as written (the checkout for /opt/sixty, a
 * scratch state directory for /var/lib/sixty, a free port), a user of its own (DynamicUser), exactly the ambient and
 * bounding capabilities it names, no new privileges, its locked-memory limit, a private /tmp and a read-only file
 * system but for the state directory (ProtectSystem=strict), with tracefs mounted as systemd mounts it at boot. Then: /metrics serves every panel with none refused, a
 * recording is written into the state directory, SIGTERM ends it, and `--replay DIR --at` opens what it recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from '../../src/paths.js';
import { RecordingReader } from '../../src/persist/recording.js';
import { CATALOG } from '../../src/panels/registry.js';
import { needsBpf, scaled, sleep, spawnCli, lines, freePort, ringsHeldBy, sixtyBelow } from '../helpers/kernel.js';
import { DAEMON_RING_BYTES } from '../../src/panels/events.js';

const UNIT = join(ROOT, 'scripts', 'sixty.service');
/** What the issue allows the daemon beyond an unprivileged user's rights, and CAP_SYSLOG for the dmesg step. */
const ALLOWED_CAPS = new Set(['CAP_BPF', 'CAP_PERFMON', 'CAP_SYS_RESOURCE', 'CAP_DAC_READ_SEARCH', 'CAP_SYSLOG']);
const CAP_BITS: Record<string, number> = { CAP_DAC_READ_SEARCH: 2, CAP_SYS_RESOURCE: 24, CAP_SYSLOG: 34, CAP_PERFMON: 38, CAP_BPF: 39 };

/** The unit's [Service] settings (a key given twice keeps its last value, as systemd's lists do not here). */
function serviceSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv, `a line of ${UNIT} that is not KEY=VALUE: ${line}`);
    if (section === 'Service') out.set(kv[1]!, kv[2]!);
  }
  return out;
}

/** A uid no account has (DynamicUser's range, 61184–65519), as systemd would allocate one. */
function dynamicUid(): number {
  const taken = new Set(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => Number(l.split(':')[2])),
  );
  for (let uid = 61184 + (process.pid % 1000); uid < 65519; uid++) if (!taken.has(uid)) return uid;
  throw new Error('no free uid');
}

test('the unit file: hardened as docs/daemon.md says, and no capability beyond what the daemon is allowed', () => {
  const s = serviceSettings(readFileSync(UNIT, 'utf8'));
  for (const [k, v] of [
    ['DynamicUser', 'yes'],
    ['NoNewPrivileges', 'yes'],
    ['PrivateTmp', 'yes'],
    ['ProtectSystem', 'strict'],
    ['StateDirectory', 'sixty'],
    ['Restart', 'on-failure'],
    ['LimitMEMLOCK', 'infinity'],
  ])
    assert.equal(s.get(k!), v, k);
  const bounding = s.get('CapabilityBoundingSet')!.split(/\s+/);
  const ambient = s.get('AmbientCapabilities')!.split(/\s+/);
  assert.deepEqual([...ambient].sort(), [...bounding].sort(), 'the ambient capabilities are the bounding set');
  for (const c of bounding) assert.ok(ALLOWED_CAPS.has(c), `${c} is more than the daemon is allowed`);
  assert.match(
    s.get('ExecStart')!,
    /^\/opt\/sixty\/scripts\/sixty --serve --record \/var\/lib\/sixty\/ --retain \S+ --retain-size \S+ --metrics-listen 127\.0\.0\.1:\d+$/,
  );
});

test('the daemon under the unit file: serves every panel, records into its state directory, stops on SIGTERM', async (t) => {
  if (!needsBpf(t)) return;
  const s = serviceSettings(readFileSync(UNIT, 'utf8'));
  t.diagnostic('no systemd on this machine (PID 1 is not systemd): the unit is applied with unshare, prlimit and setpriv');
  const uid = dynamicUid();
  // ProtectSystem=strict makes /var read-only but the state directory: a scratch one under /var/tmp, bound writable.
  const scratch = mkdtempSync('/var/tmp/sixty-daemon-');
  const state = join(scratch, 'sixty');
  mkdirSync(state, { mode: 0o700 });
  chownSync(state, uid, uid);
  const port = await freePort();
  const exec = s
    .get('ExecStart')!
    .replace('/opt/sixty/', `${ROOT}/`)
    .replace('/var/lib/sixty/', `${state}/`)
    .replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`)
    .split(' ');
  // Capabilities: the unit's, as far as this machine's bounding set has them (a container may hold some back).
  const bnd = BigInt(`0x${/^CapBnd:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const caps = s.get('AmbientCapabilities')!.split(/\s+/);
  const here = caps.filter((c) => (bnd >> BigInt(CAP_BITS[c]!)) & 1n);
  if (here.length < caps.length) t.diagnostic(`this machine's bounding set lacks ${caps.filter((c) => !here.includes(c)).join(', ')}`);
  // LimitMEMLOCK: raising the hard limit takes CAP_SYS_RESOURCE, which systemd has; where this machine's root has not,
  // the limit stays as it is (BPF maps count against it only before 5.11, so on this kernel it does not matter).
  const canRaise = ((bnd >> BigInt(CAP_BITS.CAP_SYS_RESOURCE!)) & 1n) === 1n;
  if (!canRaise) t.diagnostic("this machine's root lacks CAP_SYS_RESOURCE: LimitMEMLOCK is left at the current limit");
  const capList = here.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
  const setpriv = [
    `--reuid=${uid}`,
    `--regid=${uid}`,
    '--clear-groups',
    `--inh-caps=-all,${capList}`,
    `--ambient-caps=-all,${capList}`,
    `--bounding-set=-all,${capList}`,
    ...(s.get('NoNewPrivileges') === 'yes' ? ['--no-new-privs'] : []),
  ];
  // In a mount namespace of its own: / read-only but the state directory, and a /tmp of its own.
  const script = [
    'set -e',
    'mount --make-rprivate /',
    // What systemd does at boot (sys-kernel-tracing.mount): the classic tracepoint tiers read their ids there.
    'mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing',
    `mount --bind "${state}" "${state}"`,
    'mount -o remount,bind,ro /',
    ...(s.get('PrivateTmp') === 'yes' ? ['mount -t tmpfs -o mode=1777 tmpfs /tmp'] : []),
    `exec ${canRaise ? `prlimit --memlock=${s.get('LimitMEMLOCK') === 'infinity' ? 'unlimited' : s.get('LimitMEMLOCK')} ` : ''}setpriv ${setpriv.join(' ')} "$@"`,
  ].join('\n');
  const child = spawn('unshare', ['--mount', 'sh', '-c', script, 'sh', ...exec], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  try {
    // Served: frames, and every panel either running or on standby (none off or failed).
    const deadline = Date.now() + scaled(30_000);
    let text = '';
    while (Date.now() < deadline) {
      try {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        if (/^sixty_frames_total [3-9]/m.test(text)) break;
      } catch {
        /* not listening yet */
      }
      if (child.exitCode !== null) break;
      await sleep(250);
    }
    assert.match(text, /^sixty_frames_total [3-9]/m, `three frames served; sixty said: ${stderr}`);
    const refused = [...text.matchAll(/^sixty_panel_info\{panel="([^"]+)",status="(off|error)"/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(refused, [], 'no panel is refused under the unit');
    // Its event rings are the daemon's 1 MiB, not the console's 1 to 8 MiB (fdinfo of the maps it holds).
    const daemon = sixtyBelow(child.pid!);
    assert.ok(daemon, 'the daemon runs under the unit');
    const rings = [...ringsHeldBy(daemon).values()];
    assert.ok(rings.length >= 1, "it holds its event panels' rings");
    assert.deepEqual(
      rings,
      rings.map(() => DAEMON_RING_BYTES),
      `every ring 1 MiB: ${rings.join(', ')}`,
    );
    assert.match(stderr, /^sixty: recording to /m);
    // The checklist's dmesg step reads the kernel log with CAP_SYSLOG.
    if (here.includes('CAP_SYSLOG')) assert.doesNotMatch(text, /needs root or CAP_SYSLOG/);
    // Recorded: one file named by its start, the daemon's own, mode 0600.
    const files = readdirSync(state);
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, /^sixty-\d{8}T\d{6}Z\.sixtyrec$/);
    const st = statSync(join(state, files[0]!));
    assert.equal(st.uid, uid);
    assert.equal(st.mode & 0o777, 0o600);
    child.kill('SIGTERM');
    const end = await Promise.race([exited, sleep(scaled(10_000)).then(() => null)]);
    assert.ok(end, 'sixty ended on SIGTERM');
    assert.ok(end.signal === 'SIGTERM' || end.code === 0, `ended by ${JSON.stringify(end)}: ${stderr}`);
    // What it recorded opens; --replay DIR --at finds the last frame recorded.
    const r = new RecordingReader(join(state, files[0]!), CATALOG);
    assert.ok(r.frames >= 3, `${r.frames} frames`);
    const last = r.timeOf(r.frames - 1);
    r.close();
    const replay = spawnCli(['--replay', state, '--at', new Date(last).toISOString(), '--batch', '--format', 'json', '--count', '1']);
    const out = lines(replay);
    const done = await out.exit;
    assert.equal(done.code, 0, out.stderr());
    assert.equal(Date.parse((JSON.parse(out.all[0]!) as { time: string }).time), last);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('sixty diff of recordings before and during a known workload ranks its connection first', async (t) => {
  if (!needsBpf(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'sixty-diff-'));
  const comm = `sxdiff${process.pid % 100000}`;
  // A sender over loopback as fast as it goes, under a name of its own, for as long as the test needs it.
  const py = `import socket, threading
open('/proc/self/comm', 'w').write(${JSON.stringify(comm)})
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
def sink():
    while a.recv(1 << 20): pass
threading.Thread(target=sink, daemon=True).start()
buf = bytes(1 << 20)
while True: c.sendall(buf)`;
  const record = async (file: string): Promise<void> => {
    const out = lines(spawnCli(['--batch', '--record', file, '--count', '2', '--panels', 'home,tcptop', '--interval', '1']));
    const { code } = await out.exit;
    assert.equal(code, 0, out.stderr());
  };
  let workload: ReturnType<typeof spawn> | undefined;
  try {
    await record(join(dir, 'before.sixtyrec'));
    workload = spawn('python3', ['-c', py], { stdio: 'ignore' });
    await sleep(scaled(1000));
    await record(join(dir, 'during.sixtyrec'));
    const out = lines(spawnCli(['diff', join(dir, 'before.sixtyrec'), join(dir, 'during.sixtyrec'), '--format', 'json', '--panels', 'tcptop']));
    const { code } = await out.exit;
    assert.equal(code, 0, out.stderr());
    const d = JSON.parse(out.all.join('\n')) as { panels: { panel: string; rows: { label: string; change: string; a: number; b: number }[] }[] };
    const rows = d.panels.find((p) => p.panel === 'tcptop')?.rows ?? [];
    assert.ok(rows.length > 0, 'tcptop changed');
    assert.match(rows[0]!.label, new RegExp(comm), `first: ${JSON.stringify(rows.slice(0, 3))}`);
    assert.equal(rows[0]!.change, 'new');
    t.diagnostic(
      `first row ${rows[0]!.label}: ${(rows[0]!.b / 1e6).toFixed(0)} MB in the interval; next ${rows[1] ? `${rows[1].label} ${rows[1].b}` : 'none'}`,
    );
  } finally {
    workload?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
