/**
 * The 60-second checklist without a machine: the /proc parsers on fixture text, each step's figures over a known
 * interval (as vmstat, mpstat, pidstat, iostat, free, sar and top compute them), the verdicts at their thresholds, the
 * drill-down targets, and the keys that go home, to a step and into its panel.
 */
import { test } from 'node:test';
import { biotopPanel } from '../../src/panels/biotop.js';
import { cachetopPanel } from '../../src/panels/cachetop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { execsnoopPanel } from '../../src/panels/execsnoop.js';
import { biolatencyPanel } from '../../src/panels/biolatency.js';
import { tcplifePanel } from '../../src/panels/tcplife.js';
import { tcpretransPanel } from '../../src/panels/tcpretrans.js';
import { fsslowerPanel } from '../../src/panels/fsslower.js';
import { cachestatPanel } from '../../src/panels/cachestat.js';
import { runqlenPanel } from '../../src/panels/runqlen.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { deriveChecklist, type ChecklistRow } from '../../src/models/checklist.js';
import { profilePanel } from '../../src/panels/profile.js';
import { procsPanel } from '../../src/panels/procs.js';
import { runqlatPanel } from '../../src/panels/runqlat.js';
import { homePanel, homeStats } from '../../src/panels/home.js';
import { freeOf, KMSG_ERRORS, kmsgEvents, parseKmsgRecord, parseMeminfo, parsePidStat, type KmsgRecord } from '../../src/records/procfs.js';
import { escapeControl, escapeRawControls } from '../../src/format.js';
import { reduce, reduceInput, initialUiState, panelUi } from '../../views/state.js';
import { checklistSample, MEMINFO, task } from '../helpers/checklist.js';
import { CHECKLIST_FIELDS } from '../../src/models/checklist.js';
import { csvHeader, csvRows } from '../../src/persist/csv.js';

const byId = (rows: ChecklistRow[], id: string): ChecklistRow => rows.find((r) => r.id === id)!;

/** The kind of error a kernel message is, by the table kmsgEvents reads. */
const kmsgErrorKind = (message: string): string | null => KMSG_ERRORS.find((e) => e.re.test(message))?.kind ?? null;
test('parsers: /proc/PID/stat with a comm that holds spaces and parentheses; kmsg records; free as procps computes it', () => {
  assert.deepEqual(parsePidStat(task(42, 'spin (x) y', 'R', 7)), { pid: 42, comm: 'spin (x) y', state: 'R', ticks: 7, threads: 1, rss: 0 });
  // A real line (sixty reads only state, utime, stime and num_threads out of it) and any comm: as splitting it would.
  fc.assert(
    fc.property(
      fc.string({ maxLength: 16 }),
      fc.integer({ min: 1, max: 4194304 }),
      fc.nat(),
      fc.nat(),
      fc.integer({ min: 1, max: 9999 }),
      (comm, pid, ut, st, th) => {
        const line = `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 9 0 0 0 ${ut} ${st} 0 0 20 0 ${th} 0 345 12345678 456 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
        const rest = line.slice(line.lastIndexOf(')') + 2).split(' ');
        assert.deepEqual(parsePidStat(line), { pid, comm, state: rest[0], ticks: ut + st, threads: th, rss: Number(rest[21]) || 0 });
      },
    ),
  );
  assert.equal(parsePidStat('42 (x) R 1 2'), null, 'a line cut short: no utime');
  assert.deepEqual(parseKmsgRecord('3,1234,5000000,-;EXT4-fs error (device sda1): bad block\n SUBSYSTEM=block'), {
    level: 3,
    seq: 1234,
    usec: 5_000_000,
    message: 'EXT4-fs error (device sda1): bad block',
  });
  assert.equal(kmsgErrorKind('Out of memory: Killed process 1234 (java)'), 'OOM kill');
  assert.equal(kmsgErrorKind('blk_update_request: I/O error, dev sda, sector 5'), 'I/O error');
  assert.equal(kmsgErrorKind('node[23180]: segfault at a0 ip 00007f64'), 'segfault');
  assert.equal(kmsgErrorKind('INFO: task kworker:1 blocked for more than 120 seconds.'), 'hung task');
  assert.equal(kmsgErrorKind('TCP: request_sock_TCP: Possible SYN flooding on port 80'), 'TCP drop');
  assert.equal(kmsgErrorKind('eth0: link up'), null);
  // free (procps 4): used = total − available; buff/cache = Buffers + Cached + SReclaimable.
  assert.deepEqual(freeOf(parseMeminfo(MEMINFO)), {
    total: 16e6,
    used: 16e6 - 6e6,
    free: 2e6,
    buffCache: 3.5e6,
    available: 6e6,
    swapTotal: 1e6,
    swapUsed: 250000,
  });
  const old = freeOf(parseMeminfo(MEMINFO.replace(/^MemAvailable.*\n/m, '')));
  assert.deepEqual([old.used, old.available], [16e6 - 2e6 - 3.5e6, 2e6 + 3.5e6], 'kernels before 3.14: no MemAvailable');
});

test('each step over a known interval: the figures the tools would print', () => {
  const rows = deriveChecklist(checklistSample(1), checklistSample(0), 2e9, escapeControl);
  assert.deepEqual(
    rows.map((r) => r.step),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  // The step is not ok: its reading names the busiest process of the interval, and its fields carry it (Enter selects it).
  assert.deepEqual(byId(rows, 'uptime').fields, {
    load1: 3,
    load5: 1.5,
    load15: 1,
    cpus: 2,
    load1_per_cpu: 1.5,
    direction: 'rising',
    culprit_pid: 42,
    culprit_comm: 'spin (x) y',
  });
  assert.equal(byId(rows, 'uptime').verdict, 'look');
  assert.match(byId(rows, 'uptime').reading, /; top: spin \(x\) y 42 95 %$/);
  // vmstat: r is procs_running less vmstat itself; si/so in kB/s (4 KiB pages); us = 200/400 ticks.
  const vm = byId(rows, 'vmstat').fields;
  assert.deepEqual([vm.r, vm.b, vm.si_kb_s, vm.so_kb_s, vm.us, vm.sy, vm.id, vm.wa], [3, 1, 20, 60, 50, 12, 35, 3]);
  assert.equal(byId(rows, 'vmstat').verdict, 'look', 'r 3 on 2 CPUs, and swapping');
  // mpstat: cpu1 ran 200 of its 200 ticks.
  const mp = byId(rows, 'mpstat').fields;
  assert.equal(mp.busiest_cpu, 1);
  assert.equal(mp.busiest_pct, 100);
  assert.equal(byId(rows, 'mpstat').verdict, 'look');
  assert.match(byId(rows, 'mpstat').why, /cpu1 is 100 % busy/);
  // pidstat: 190 ticks in 2 s at 100 Hz = 95 % of a CPU; the comm as it is (escaped).
  assert.deepEqual([byId(rows, 'pidstat').fields.top_pid, byId(rows, 'pidstat').fields.top_pct], [42, 95]);
  assert.match(byId(rows, 'pidstat').reading, /^spin \(x\) y 42 95 %/);
  // iostat -x: 100 r/s, 50 w/s, 400 rkB/s, 400 wkB/s, r_await 2 ms, w_await 3 ms, aqu-sz 0.7, %util 50; sda1 left out.
  const io = byId(rows, 'iostat').fields;
  assert.deepEqual(
    [io.disk, io.r_s, io.w_s, io.rkb_s, io.wkb_s, io.r_await_ms, io.w_await_ms, io.aqu_sz, io.util_pct],
    ['sda', 100, 50, 400, 400, 2, 3, 0.7, 50],
  );
  assert.equal(byId(rows, 'free').fields.available_pct, 37.5);
  assert.deepEqual([byId(rows, 'sar-dev').fields.iface, byId(rows, 'sar-dev').fields.rx_kb_s], ['eth0', 2_000_000 / 1024 / 2]);
  const tcp = byId(rows, 'sar-tcp').fields;
  assert.deepEqual([tcp.active_s, tcp.passive_s, tcp.retrans_s, tcp.retrans_pct], [2, 5, 10, 2]);
  assert.equal(byId(rows, 'sar-tcp').verdict, 'look');
  assert.deepEqual([byId(rows, 'top').fields.tasks, byId(rows, 'top').fields.zombie, byId(rows, 'top').verdict], [3, 1, 'look']);
  // Which panels explain each step is home's to say, by the panels themselves.
  assert.ok(
    rows.every((r) => r.explains === ''),
    'the model names no panel',
  );
  const [runq, soft, file, bio, cache, tcp2, ps, lat, exec, biolat, life, retrans, fsslow, cstat, prof] = [
    runqlenPanel,
    softirqsPanel,
    filetopPanel,
    biotopPanel,
    cachetopPanel,
    tcptopPanel,
    procsPanel,
    runqlatPanel,
    execsnoopPanel,
    biolatencyPanel,
    tcplifePanel,
    tcpretransPanel,
    fsslowerPanel,
    cachestatPanel,
    profilePanel,
  ].map((p) => p.id);
  assert.deepEqual(
    homePanel.derive(checklistSample(1), checklistSample(0), 2e9).map((r) => r.explains),
    [
      `${ps},${lat},${runq}`,
      '',
      `${ps},${lat},${runq}`,
      `${ps},${prof},${lat},${runq},${soft}`,
      `${ps},${prof},${exec},${file}`,
      `${bio},${biolat},${fsslow},${ps},${file}`,
      `${ps},${cstat},${cache}`,
      `${tcp2},${soft}`,
      // It retransmits (10/s): the panel that names the connections first.
      `${retrans},${tcp2},${life}`,
      `${ps},${prof},${exec},${lat},${runq}`,
    ],
  );
  // With no retransmit in the interval, the connections' traffic first.
  const quiet = homePanel.derive(checklistSample(1), checklistSample(1), 2e9).find((r) => r.id === 'sar-tcp')!;
  assert.equal(quiet.fields.retrans_s, 0);
  assert.equal(quiet.explains, `${tcp2},${retrans},${life}`);
});

test('verdicts at their thresholds; steps that need an interval say so; an unreadable ring buffer says why', () => {
  const first = deriveChecklist(checklistSample(0), undefined, 0);
  assert.equal(byId(first, 'vmstat').reading, 'measuring…');
  assert.equal(byId(first, 'vmstat').verdict, '-');
  assert.equal(byId(first, 'free').verdict, 'ok', 'a gauge needs no interval');
  assert.equal(byId(deriveChecklist(checklistSample(0, { memAvail: 1_500_000 }), undefined, 0), 'free').verdict, 'look', '9.4 % available');
  assert.equal(byId(deriveChecklist(checklistSample(0, { memAvail: 700_000 }), undefined, 0), 'free').verdict, 'bad', '4.4 % available');
  // As /dev/kmsg gives it: the kernel escaped an ESC (\x1b) and a backslash (\x5c) itself; a raw control character
  // that reached sixty anyway is escaped, and the kernel's escapes are not escaped again.
  const oom: KmsgRecord = { level: 3, seq: 9, usec: 900e6, message: 'Out of memory: Killed process 77 (java) \\x1b[2J \\x5c \x07' };
  const old: KmsgRecord = { level: 3, seq: 1, usec: 100e6, message: 'Out of memory: Killed process 5 (old)' };
  const dm = byId(
    deriveChecklist(checklistSample(1, { kmsg: [old, oom] }), checklistSample(0, { kmsg: [old] }), 2e9, escapeControl, escapeRawControls),
    'dmesg',
  );
  assert.equal(dm.verdict, 'bad');
  assert.equal(
    dm.reading,
    '1 error in 10 min (OOM kill), 1 new; 102 s ago: Out of memory: Killed process 77 (java) \\x1b[2J \\x5c \\x07',
    'kernel text escaped once',
  );
  assert.equal(byId(deriveChecklist(checklistSample(1, { kmsg: [old] }), undefined, 0), 'dmesg').verdict, 'ok', 'an error older than 10 minutes');
  const closed = byId(deriveChecklist(checklistSample(1, { readable: false }), undefined, 0), 'dmesg');
  assert.deepEqual([closed.verdict, closed.reading], ['-', 'reading /dev/kmsg needs root or CAP_SYSLOG (kernel.dmesg_restrict)']);
});

test('the home panel: rows, the header figures in its stats, its drill targets', () => {
  const rows = homePanel.derive(checklistSample(1), checklistSample(0), 2e9);
  assert.deepEqual(homePanel.drill!(byId(rows, 'mpstat')), ['procs', 'profile', 'runqlat', 'runqlen', 'softirqs']);
  assert.deepEqual(homePanel.drill!(byId(rows, 'dmesg')), []);
  // The process panel opens sorted by what the step is about, with the step's culprit selected.
  assert.deepEqual(homePanel.drillView!(byId(rows, 'mpstat'), 'procs'), { sort: { key: 'cpu_pct', descending: true }, select: '42' });
  assert.deepEqual(homePanel.drillView!(byId(rows, 'free'), 'procs')?.sort, { key: 'rss_bytes', descending: true });
  assert.equal(homePanel.drillView!(byId(rows, 'mpstat'), 'runqlen'), undefined);
  // P: the busiest process's profile, its stacks only.
  assert.deepEqual(homePanel.drillView!(byId(rows, 'mpstat'), 'profile'), { pid: 42 });
  const st = homeStats(checklistSample(1), checklistSample(0));
  assert.deepEqual([st.load1, st.cpus, st.mem_total_kb, st.cpu1_busy_pct, st.cpu0_soft_pct], [3, 2, 16e6, 100, 4]);
  assert.match(homePanel.summarize(rows, {}, 2e9).text, /^look: uptime, vmstat, mpstat, pidstat, sar-tcp, top$/);
});

test('keys: a digit selects its step at home, Enter opens the panel that explains it, h and Esc go home', () => {
  const ctx = {
    panelIds: ['home', 'softirqs', 'runqlen'],
    rowIds: [],
    pageRows: 10,
    columnKeys: ['step'],
    defaultSort: { key: 'x', descending: true },
    homeId: 'home',
    homeSort: { key: 'step', descending: false },
    stepIds: ['uptime', 'dmesg', 'vmstat', 'mpstat'],
    homeDrill: { uptime: ['runqlen'], dmesg: [], vmstat: ['runqlen'], mpstat: ['softirqs', 'runqlen'] },
  };
  let s = reduce(initialUiState(ctx.panelIds), { type: 'nextPanel' }, ctx);
  assert.equal(s.active, 'softirqs');
  s = reduce(s, { type: 'gotoStep', step: 4 }, ctx);
  assert.equal(s.active, 'home');
  assert.deepEqual(panelUi(s, 'home', ctx.homeSort), { selected: 3, selectedId: 'mpstat', sort: ctx.homeSort });
  // Enter opens the first panel that explains the selected step and runs here.
  s = reduce(s, { type: 'drill' }, ctx);
  assert.equal(s.active, 'softirqs');
  // A drill that says how its panel opens: sorted so, its row selected (by id, wherever the sort puts it).
  const viewing = { ...ctx, homeDrillView: { mpstat: { softirqs: { sort: { key: 'time_ns', descending: true }, select: 'net_rx' } } } };
  const opened = reduce(reduce(initialUiState(ctx.panelIds), { type: 'gotoStep', step: 4 }, viewing), { type: 'drill' }, viewing);
  assert.deepEqual(panelUi(opened, 'softirqs', ctx.defaultSort), { selected: 0, selectedId: 'net_rx', sort: { key: 'time_ns', descending: true } });
  const noSoftirqs = { ...ctx, panelIds: ['home', 'runqlen'] };
  assert.equal(
    reduce(reduce(s, { type: 'goHome' }, noSoftirqs), { type: 'drill' }, noSoftirqs).active,
    'runqlen',
    'the next one when the first is not in this run',
  );
  assert.equal(reduce(reduce(s, { type: 'gotoStep', step: 2 }, ctx), { type: 'drill' }, ctx).active, 'home', 'dmesg: nowhere to go');
  // A digit and Enter in one read: the drill starts from the step the digit selected, whatever the screen showed.
  const stale = { ...ctx, rowIds: ['x'], columnKeys: ['a'] };
  s = reduce(reduce(reduce(s, { type: 'nextPanel' }, stale), { type: 'gotoStep', step: 1 }, stale), { type: 'drill' }, stale);
  assert.equal(s.active, 'runqlen');
  assert.equal(reduce(s, { type: 'goHome' }, ctx).active, 'home');
  const helping = reduce(s, { type: 'toggleHelp' }, ctx);
  assert.deepEqual(
    [reduce(helping, { type: 'escape' }, ctx).help, reduce(helping, { type: 'escape' }, ctx).active],
    [false, 'runqlen'],
    'Esc closes help first',
  );
  assert.equal(reduce(s, { type: 'escape' }, ctx).active, 'home');
  assert.equal(reduce(s, { type: 'gotoStep', step: 9 }, ctx).active, s.active, 'no such step');
});

test('keys: + and - ask the engine for another interval, counted, so the same step twice is two requests', () => {
  const ctx = { panelIds: ['p'], rowIds: [], pageRows: 10, columnKeys: [], defaultSort: { key: 'x', descending: true } };
  let s = initialUiState(['p']);
  s = reduceInput(reduceInput(s, { key: '+' }, ctx), { key: '+' }, ctx);
  assert.deepEqual(s.commands, [
    { seq: 1, cmd: { type: 'interval', step: 1 } },
    { seq: 2, cmd: { type: 'interval', step: 1 } },
  ]);
  s = reduceInput(s, { key: '/' }, ctx);
  s = reduceInput(s, { key: '+' }, ctx);
  assert.deepEqual([s.commands.length, panelUi(s, 'p', ctx.defaultSort).filter], [2, '+'], 'while typing a filter, + is text');
});

test('sar DEV: lo counts, as sar lists it: 150 MB/s between local processes is the busiest interface', () => {
  const rows = deriveChecklist(checklistSample(1, { loBytes: 999999 + 150e6 }), checklistSample(0), 2e9, escapeControl, escapeRawControls);
  const dev = byId(rows, 'sar-dev');
  assert.equal(dev.fields.iface, 'lo');
  assert.match(dev.reading, /^lo rx 73242\.2 tx 73242\.2 kB\/s, rx 0 tx 0 pkt\/s; eth0 1464\.8 kB\/s$/);
  // Nothing moving: a real interface before lo.
  const idle = byId(deriveChecklist(checklistSample(0), checklistSample(0), 2e9, escapeControl, escapeRawControls), 'sar-dev');
  assert.equal(idle.fields.iface, 'eth0');
});

test('dmesg counts events, not lines: an OOM report is one OOM kill; a call trace is part of its report, never a kernel bug', () => {
  const at = (sec: number, message: string, level = 4): KmsgRecord => ({ level, seq: Math.round(sec * 1000), usec: sec * 1e6, message });
  const oomReport = [
    at(900.001, 'python3 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0'),
    at(900.002, 'CPU: 1 PID: 4242 Comm: python3 Not tainted 6.18.0 #1'),
    at(900.002, 'Call Trace:'),
    at(900.003, 'Mem-Info:'),
    at(900.004, 'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=python3,pid=4242,uid=0', 6),
    at(900.004, 'Out of memory: Killed process 4242 (python3) total-vm:4300000kB, anon-rss:4100000kB', 3),
    at(900.05, 'oom_reaper: reaped process 4242 (python3), now anon-rss:0kB', 6),
  ];
  const warning = [at(950, 'WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 bar+0x1/0x2'), at(950.001, 'Call Trace:'), at(950.002, ' <TASK>')];
  const events = kmsgEvents([...oomReport, ...warning, at(990, 'Call Trace:')]);
  assert.deepEqual(
    events.map((e) => [e.kind, e.lines, e.telling.message.slice(0, 36)]),
    [
      ['OOM kill', 4, 'Out of memory: Killed process 4242 ('],
      ['kernel bug', 1, 'WARNING: CPU: 0 PID: 1 at kernel/foo'],
    ],
  );
  // Two OOM kills a second apart are two.
  assert.equal(kmsgEvents([...oomReport, ...oomReport.map((r) => ({ ...r, usec: r.usec + 1e6 }))]).length, 2);
  // The checklist step: one error, the kill named.
  const dm = byId(
    deriveChecklist(checklistSample(1, { kmsg: [...oomReport, ...warning] }), checklistSample(0), 2e9, escapeControl, escapeRawControls),
    'dmesg',
  );
  assert.match(dm.reading, /^2 errors in 10 min \(OOM kill, kernel bug\), \d+ new; 52 s ago: WARNING: CPU: 0/);
  assert.equal(dm.fields.errors_10min, 2);
});

test('dmesg: a message from before the interval is not new, and its age says so (1.4 s ago, not "1 s ago" beside "0 new")', () => {
  const msg = (sec: number): KmsgRecord => ({ level: 6, seq: Math.round(sec * 10), usec: sec * 1e6, message: `m${sec}` });
  // Uptime 1002 at the second sample; the first (1000) had seen the message of 1000.6 s: not new.
  const before = [msg(1000.6)];
  const old = byId(deriveChecklist(checklistSample(1, { kmsg: before }), checklistSample(0, { kmsg: before }), 2e9, escapeControl, escapeRawControls), 'dmesg');
  assert.equal(old.reading, '0 errors in 10 min, 0 new; 1.4 s ago: m1000.6');
  const fresh = byId(
    deriveChecklist(checklistSample(1, { kmsg: [...before, msg(1001.5)] }), checklistSample(0, { kmsg: before }), 2e9, escapeControl, escapeRawControls),
    'dmesg',
  );
  assert.equal(fresh.reading, '0 errors in 10 min, 1 new; 0.5 s ago: m1001.5');
  // From 10 s, whole seconds.
  const older = byId(
    deriveChecklist(checklistSample(1, { kmsg: [msg(950.3)] }), checklistSample(0, { kmsg: [msg(950.3)] }), 2e9, escapeControl, escapeRawControls),
    'dmesg',
  );
  assert.match(older.reading, /; 52 s ago: m950\.3$/);
});

test("home's CSV: the step's figure and every field as columns of their own; the steps give no field CSV does not list", () => {
  const rows = deriveChecklist(
    checklistSample(1, { kmsg: [{ level: 3, seq: 1, usec: 900e6, message: 'Out of memory: Killed process 1 (x)' }] }),
    checklistSample(0),
    2e9,
    escapeControl,
    escapeRawControls,
  );
  for (const r of rows) for (const k of Object.keys(r.fields)) assert.ok(CHECKLIST_FIELDS.includes(k), `${r.id}: field ${k} is not in CHECKLIST_FIELDS`);
  const spec = homePanel;
  const header = csvHeader(spec).trim().split(',');
  assert.ok(header.includes('value') && header.includes('load1') && header.includes('util_pct'));
  const lines = csvRows(
    spec,
    {
      id: 'home',
      status: 'ok',
      tier: 'proc',
      hooks: null,
      reason: null,
      attempts: [],
      attachedAt: null,
      rows,
      summary: { text: '', values: {} },
      stats: {},
      history: {},
    },
    '2026-12-06T00:00:00Z',
    2e9,
  )
    .trim()
    .split('\r\n');
  const uptime = lines[0]!.split(',');
  assert.equal(uptime[header.indexOf('load1')], '3');
  assert.equal(uptime[header.indexOf('value')], '3');
});
