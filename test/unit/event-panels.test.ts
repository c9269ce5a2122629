/**
 * The event panels without a kernel (execsnoop, and opensnoop's paths at the end): ring records as the addon hands them over, the decoder on the C ABI's layout, the reader
 * over a fake ring (exits joined to their execs, the scrollback's bound, every lost event counted), the model's rows,
 * and the events through a recording and its replay (each event stored once, the scrollback rebuilt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExecsnoopReader, execsnoopPanel, RECENT_EXECS } from '../../src/panels/execsnoop.js';
import { argvText, deriveExecsnoop, exitText, type ExecEvent } from '../../src/models/execsnoop.js';
import { decodeExecsnoop, EXECSNOOP_RECORDS } from '../../src/records/execsnoop.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { errnoName, ringData, ringRecords } from '../../src/records/ring.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { checkFrame, COLUMNS_FROM, FormatError, storedFrame } from '../../src/persist/frames.js';
import { BLOCK, RecordingReader, RecordingWriter } from '../../src/persist/recording.js';
import { type Added, RefWriter, resolveRefs, type RefTables } from '../../src/persist/refs.js';
import { TrendRebuilder, type ReplaySource } from '../../src/replay.js';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { fakeAddon, fakeKernel, setMap } from '../helpers/fake-addon.js';
import { CATALOG, inScratch, RECORDING_META } from '../helpers/fixtures.js';
import { BIOSNOOP_RECORDS, biosnoopDecoder } from '../../src/records/biosnoop.js';
import { TCPLIFE_RECORDS, tcplifeDecoder } from '../../src/records/tcplife.js';
import { deriveTcplife, type SessionEvent } from '../../src/models/tcplife.js';
import { createOpensnoopReader, opensnoopPanel } from '../../src/panels/opensnoop.js';
import { deriveOpensnoop, OPENSNOOP_MAX_ROWS, type OpenEvent } from '../../src/models/opensnoop.js';
import { openFlagsText, OPENSNOOP_RECORDS } from '../../src/records/opensnoop.js';
import { execsnoopSamples } from '../panels/execsnoop.js';

const L = {
  exec: naturalLayout(EXECSNOOP_RECORDS.exec),
  exit: naturalLayout(EXECSNOOP_RECORDS.exit),
  stat: naturalLayout(EXECSNOOP_RECORDS.stat),
};

/** An exec record as the kernel sends it: up to the end of its arguments. */
function execRec(o: { pid: number; ppid?: number; comm?: string; ts?: number; ret?: number; argv?: string[]; flags?: number; filename?: string }): Buffer {
  const args = Buffer.from((o.argv ?? ['/bin/true']).map((a) => `${a}\0`).join(''));
  const full = encode(L.exec, {
    ts_ns: o.ts ?? 1e9,
    kind: 0,
    pid: o.pid,
    ppid: o.ppid ?? 1,
    retval: (o.ret ?? 0) >>> 0,
    flags: o.flags ?? 0,
    comm: o.comm ?? 'true',
    pcomm: 'bash',
    argc: (o.argv ?? ['/bin/true']).length,
    args_len: args.length,
    filename: o.filename ?? '/bin/true',
    args,
  });
  return full.subarray(0, L.exec.fields.args!.offset + args.length);
}

const exitRec = (pid: number, status: number, life: number): Buffer =>
  encode(L.exit, { kind: 1, pid, ppid: 1, retval: status, duration_ns: life, comm: 'true', pcomm: 'bash' });

test('ring records: lengths and padding walked; a length past the end drops the rest, not the process', () => {
  const a = Buffer.from('abcde');
  const b = Buffer.from('xy');
  const data = ringData([a, b]);
  assert.equal(data.length, 4 + 8 + 4 + 4);
  assert.deepEqual(
    ringRecords({ data }).map((r) => r.toString()),
    ['abcde', 'xy'],
  );
  const bad = Buffer.concat([ringData([a]), Buffer.from([200, 0, 0, 0, 1, 2])]);
  assert.deepEqual(
    ringRecords({ data: bad }).map((r) => r.toString()),
    ['abcde'],
  );
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(4095), 'E4095');
});

test('decoder: argv split and escaped, a cut argument kept, errors signed, short records dropped', () => {
  const e = decodeExecsnoop(execRec({ pid: 7, argv: ['sh', '-c', 'echo \x1b[31m'], ret: -13 }), L);
  assert.ok(e && e.kind === 'exec');
  assert.deepEqual(e.argv, ['sh', '-c', 'echo \\x1b[31m']);
  assert.equal(e.retval, -13);
  // The last argument without its NUL (the kernel side cut it at the buffer's end).
  const cut = execRec({ pid: 8, argv: ['abc'], flags: 1 });
  const d = decodeExecsnoop(cut.subarray(0, cut.length - 1), L);
  assert.ok(d && d.kind === 'exec');
  assert.deepEqual([d.argv, d.truncated], [['abc'], true]);
  assert.equal(decodeExecsnoop(Buffer.alloc(10), L), null);
  const x = decodeExecsnoop(exitRec(7, 0x8b, 5e6), L);
  assert.ok(x && x.kind === 'exit');
  assert.equal(
    exitText(x.status, (n) => (n === 11 ? 'SIGSEGV' : '?')),
    'SIGSEGV (core)',
  );
  assert.equal(exitText(3 << 8, String), 'exit 3');
  assert.equal(argvText(['sh', '-c', "it's here", '']), `sh -c 'it'\\''s here' ''`);
});

async function setup() {
  const kernel = fakeKernel();
  setMap(
    kernel,
    'execsnoop_stats',
    4,
    8,
    [0, 1].map((i) => [Buffer.from([i, 0, 0, 0]), encode(L.stat, { count: i === 0 ? 2 : 0 })]),
    2,
  );
  const obj = await fakeAddon(kernel).load('/x/execsnoop.bpf.o', []);
  const read = createExecsnoopReader(obj, L, { onlineCpus: () => 2, nowNs: () => 2e9, readText: () => '' });
  const ring = kernel.rings!.get('execsnoop_events')!;
  return { ring, read };
}

test('reader: an exit updates its exec (in the interval and in the scrollback), failures are not followed, losses counted', async () => {
  const t = await setup();
  t.ring.records.push(execRec({ pid: 10, argv: ['/bin/true', 'a b'] }), execRec({ pid: 11, ret: -2, filename: '/nope' }), exitRec(10, 0, 3e6));
  const s1 = t.read();
  assert.equal(s1.execs.length, 2);
  assert.deepEqual([s1.execs[0]!.exit, s1.execs[0]!.life_ns, s1.execs[0]!.args], ['exit 0', 3e6, "/bin/true 'a b'"]);
  assert.deepEqual([s1.execs[1]!.ret, s1.execs[1]!.error, s1.execs[1]!.exit], [-2, 'ENOENT', '']);
  assert.equal(s1.ringFull, 2, 'the ring-full counter from the stats map');
  // The next interval: a process exec'd in the last one ends; its event in the scrollback gets its end.
  t.ring.records.push(execRec({ pid: 12 }));
  const s2 = t.read();
  t.ring.records.push(exitRec(12, 1 << 8, 9e6), exitRec(11, 0, 1));
  t.ring.dropped = 5;
  const s3 = t.read();
  assert.equal(s3.execs.length, 0);
  assert.equal(s3.exits.length, 2, 'an exit whose exec sixty did not follow still counts, under its own names');
  assert.equal(s3.recent.find((e) => e.pid === 12)!.exit, 'exit 1');
  assert.equal(s3.recent.find((e) => e.pid === 11)!.exit, '', 'a failed exec has no end');
  assert.equal(s3.rateDropped, 5);
  assert.deepEqual(execsnoopPanel.stats(s3, s2), {
    execs: 0,
    failed: 0,
    path_searched: 0,
    exits: 2,
    ring_full_drops: 0,
    ring_full_drops_total: 2,
    rate_drops: 5,
    rate_drops_total: 5,
    map_full_drops: 0,
    map_full_drops_total: 0,
  });
  const rows = deriveExecsnoop(s3, s2, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.comm, r.execs, r.exits, r.exit_errors, r.life_avg_ns]),
    [['true', 0, 2, 1, (9e6 + 1) / 2]],
  );
  const summary = execsnoopPanel.summarize(rows, execsnoopPanel.stats(s3, s2), 1e9);
  assert.equal(summary.warning, true, 'lost events are a warning');
  assert.match(summary.text, /5 events lost/);
});

test("reader: a PATH search's failed steps are listed, marked, and neither execs nor failures; a command not found is a failure", async () => {
  const t = await setup();
  // execvp("ls"): ENOENT in /usr/local/sbin and /usr/local/bin, then /usr/bin/ls runs. Another process finds nothing.
  t.ring.records.push(
    execRec({ pid: 20, ret: -2, filename: '/usr/local/sbin/ls', comm: 'bash' }),
    execRec({ pid: 20, ret: -2, filename: '/usr/local/bin/ls', comm: 'bash' }),
    execRec({ pid: 20, filename: '/usr/bin/ls', comm: 'ls', argv: ['ls'] }),
    execRec({ pid: 21, ret: -2, filename: '/usr/local/bin/nosuch', comm: 'bash' }),
    execRec({ pid: 22, ret: -13, filename: '/usr/bin/ls', comm: 'bash' }),
  );
  const s = t.read();
  assert.deepEqual(
    s.execs.map((e) => [e.pid, e.searched, e.error]),
    [
      [20, true, 'ENOENT (PATH search)'],
      [20, true, 'ENOENT (PATH search)'],
      [20, false, ''],
      [21, false, 'ENOENT'],
      [22, false, 'EACCES'],
    ],
  );
  const stats = execsnoopPanel.stats(s, s);
  assert.deepEqual([stats.execs, stats.failed, stats.path_searched], [3, 2, 2]);
  const rows = deriveExecsnoop(s, s, 1e9);
  assert.equal(
    rows.reduce((a, r) => a + r.execs, 0),
    3,
  );
  assert.match(execsnoopPanel.summarize(rows, stats, 1e9).text, /\(2 failed\) and 2 PATH lookups that found their command/);
});

test('reader: the scrollback keeps the newest RECENT_EXECS, oldest first; ids are unique', async () => {
  const t = await setup();
  for (let i = 0; i < RECENT_EXECS + 50; i++) t.ring.records.push(execRec({ pid: 1000 + i }));
  const s = t.read();
  assert.equal(s.execs.length, RECENT_EXECS + 50, 'the rows count every exec');
  assert.equal(s.recent.length, RECENT_EXECS);
  assert.equal(s.recent[0]!.pid, 1050);
  assert.equal(new Set(s.recent.map((e) => e.id)).size, RECENT_EXECS);
});

function frameOf(events: readonly ExecEvent[], t: number): Frame {
  const panel: PanelFrame = {
    id: execsnoopPanel.id,
    status: 'ok',
    tier: 'tracepoint',
    hooks: '',
    reason: null,
    attempts: [],
    attachedAt: null,
    rows: [],
    summary: { text: '', values: {} },
    stats: {},
    history: {},
    events: [...events].reverse(),
  };
  return { time: new Date(Date.UTC(2026, 11, 6, 14, 0, t)).toISOString(), elapsedNs: 1e9, panels: [panel] };
}

type StoredPanel = { events?: unknown[]; eventColumns?: { cols: (unknown[] | { d: unknown[] })[] } };
/** Events in a stored panel: as a list, or by column (each column as long as the events). */
const storedEventCount = (p: StoredPanel): number => {
  const c = p.eventColumns?.cols[0];
  return p.events?.length ?? (Array.isArray(c) ? c.length : (c?.d.length ?? 0));
};

test('recordings: each event stored once, in the first frame that has it; replay builds the scrollback again', () => {
  const samples = execsnoopSamples();
  const frames = samples.map((s, i) => frameOf(s.recent, i));
  const after = new Map<string, number>();
  const stored = frames.map((f) => JSON.parse(JSON.stringify(storedFrame(f, CATALOG, 100, after))) as unknown);
  // Ten or more a frame: by column (storedEventCount).
  const counts = stored.map((f) => storedEventCount((f as { panels: StoredPanel[] }).panels[0]!));
  assert.deepEqual(
    counts,
    samples.map((s) => s.execs.length),
    'each frame stores its own interval’s events',
  );
  const checked = stored.map((f) => checkFrame(f, CATALOG, false));
  const source: ReplaySource = { frames: 3, frame: (i) => checked[i]!, timeOf: () => 0, seekTime: () => 0, withHistory: false };
  const rebuilt = new TrendRebuilder(source, (id) => (id === execsnoopPanel.id ? execsnoopPanel : undefined));
  rebuilt.at(0);
  rebuilt.at(1);
  const last = rebuilt.at(2).panels[0]!.events!;
  assert.deepEqual(
    last.map((e) => e.id),
    frames[2]!.panels[0]!.events!.map((e) => e.id),
    'the whole scrollback, newest first',
  );
  // A jump rebuilds it from the frames before.
  assert.deepEqual(new TrendRebuilder(source, () => execsnoopPanel).at(2).panels[0]!.events!.length, last.length);
});

test('a stored event that does not fit the panel is refused with one line', () => {
  const f = JSON.parse(JSON.stringify(storedFrame(frameOf(execsnoopSamples()[0]!.recent, 0), CATALOG, 100, new Map(), undefined, false))) as {
    panels: { events: unknown[] }[];
  };
  f.panels[0]!.events[0] = { id: 'e1', seq: 'x' };
  assert.throws(
    () => checkFrame(f, CATALOG, false),
    (e: unknown) => e instanceof Error && /event 0/.test(e.message) && !e.message.includes('\n'),
  );
});

const OL = { event: naturalLayout(OPENSNOOP_RECORDS.event), stat: naturalLayout(OPENSNOOP_RECORDS.stat) };

function openRec(o: { pid: number; path: string; ret: number; dfd?: number; flags?: number }): Buffer {
  const path = Buffer.from(`${o.path}\0`);
  const full = encode(OL.event, {
    pid: o.pid,
    tid: o.pid,
    ret: o.ret >>> 0,
    dfd: (o.dfd ?? -100) >>> 0,
    flags: o.flags ?? 0,
    path_len: path.length,
    comm: 'cat',
    path,
  });
  return full.subarray(0, OL.event.fields.path!.offset + path.length);
}

test('opensnoop: relative paths joined to the directory they were taken from, once per interval; flags named; failures by error', async () => {
  const kernel = fakeKernel();
  setMap(kernel, 'opensnoop_stats', 4, 8, [], 2);
  const obj = await fakeAddon(kernel).load('/x/opensnoop.bpf.o', []);
  const links: Record<string, string> = { '/proc/5/cwd': '/srv/a', '/proc/5/fd/7': '/data' };
  let reads = 0;
  const read = createOpensnoopReader(obj, OL, {
    onlineCpus: () => 2,
    nowNs: () => 2e9,
    readText: () => '',
    readLink: (p) => {
      reads++;
      return links[p] ?? null;
    },
  });
  kernel
    .rings!.get('opensnoop_events')!
    .records.push(
      openRec({ pid: 5, path: 'x/../y.txt', ret: 3, flags: 0o2000101 }),
      openRec({ pid: 5, path: 'z', ret: 4 }),
      openRec({ pid: 5, path: 'rel', ret: -2, dfd: 7 }),
      openRec({ pid: 6, path: 'gone', ret: -13 }),
      openRec({ pid: 5, path: '/abs\x1b', ret: 5 }),
    );
  const s = read();
  assert.deepEqual(
    s.opens.map((e) => [e.path, e.relative, e.ret, e.error]),
    [
      ['/srv/a/y.txt', false, 3, ''],
      ['/srv/a/z', false, 4, ''],
      ['/data/rel', false, -2, 'ENOENT'],
      ['gone', true, -13, 'EACCES'],
      ['/abs\\x1b', false, 5, ''],
    ],
  );
  assert.equal(reads, 3, "each process's directory read once in the interval");
  assert.equal(s.opens[0]!.flags_text, 'O_WRONLY|O_CREAT|O_CLOEXEC');
  assert.equal(openFlagsText(0o4010001), 'O_WRONLY|O_SYNC', 'O_SYNC takes O_DSYNC’s bit');
  const rows = deriveOpensnoop({ ...s, opens: [...s.opens, s.opens[2]!] }, s, 1e9);
  assert.deepEqual(rows.find((r) => r.path === '/data/rel')?.opens, 2);
  assert.equal(
    opensnoopPanel.summarize(deriveOpensnoop(s, s, 1e9), opensnoopPanel.stats(s, undefined), 1e9).text,
    '5 opens/s, most: cat 5/s; 2 failed/s, most: ENOENT /data/rel (cat) 1/s',
  );
});

test('biosnoop and tcplife: records decoded on their C layouts; rows per (process, disk, op) and per (process, direction, peer)', async () => {
  const BL = { event: naturalLayout(BIOSNOOP_RECORDS.event), stat: naturalLayout(BIOSNOOP_RECORDS.stat) };
  const io = biosnoopDecoder(BL.event)(
    encode(BL.event, {
      ts_ns: 5,
      lat_ns: 12000,
      sector: 4096,
      bytes: 8192,
      pid: 9,
      dev: (7 << 20) | 3,
      op: 1,
      error: (-5 >>> 0) as number,
      comm: 'dd',
      disk: 'loop3',
    }),
  );
  assert.deepEqual([io?.op, io?.major, io?.minor, io?.error, io?.disk, io?.sector], ['write', 7, 3, -5, 'loop3', 4096]);
  const TL = naturalLayout(TCPLIFE_RECORDS.event);
  const v6 = Buffer.alloc(16);
  v6[15] = 1;
  const s = tcplifeDecoder(TL)(
    encode(TL, { family: 10, kind: 1, lport: 5000, rport: 443, laddr: v6, raddr: v6, rx_bytes: 7, tx_bytes: 9, comm: 'curl', pid: 3 }),
  );
  assert.deepEqual([s?.kind, s?.laddr, s?.rport, s?.rx, s?.tx], ['connect', '::1', 443, 7, 9]);
  const ev = (over: Partial<SessionEvent>): SessionEvent => ({
    id: 'x',
    seq: 1,
    time_ms: 0,
    pid: 1,
    comm: 'nginx',
    kind: 'accept',
    laddr: '10.0.0.1',
    lport: 443,
    raddr: '10.0.0.2',
    rport: 50000,
    rx_bytes: 10,
    tx_bytes: 100,
    life_ns: 1e6,
    connect_ns: null,
    cgroup: '',
    workload: '',
    ...over,
  });
  const sample = {
    sessions: [ev({}), ev({ rport: 50001, life_ns: 3e6 }), ev({ kind: 'connect', rport: 5432, lport: 40000, connect_ns: 2e5 })],
    recent: [],
    ringFull: 0,
    mapFull: 0,
    rateDropped: 0,
  };
  const rows = deriveTcplife(sample, sample, 1e9);
  // A server's sessions from two client ports are one row (its own port); the client's, per service.
  assert.deepEqual(
    rows.map((r) => [r.kind, r.lport, r.rport, r.sessions, r.life_avg_ns, r.connect_avg_ns]),
    [
      ['accept', 443, 0, 2, 2e6, null],
      ['connect', null, 5432, 1, 1e6, 2e5],
    ],
  );
});

test('opensnoop under a fork storm: the busiest rows listed, the rest summed per process name and result; every open still counted', () => {
  const base = {
    seq: 0,
    time_ms: 0,
    tid: 0,
    uid: 0,
    call: 'openat',
    relative: false,
    cut: false,
    flags: 0,
    flags_text: 'O_RDONLY',
    mode: 0,
    call_ns: 1000,
    cgroup: '/',
    workload: '/',
  };
  const opens = [];
  // 6000 short processes named cat each open two files once; one busy server opens its file 50 times; 100 fail.
  for (let pid = 1000; pid < 7000; pid++)
    for (const path of ['/etc/ld.so.cache', '/lib/libc.so.6']) opens.push({ ...base, id: `${pid}${path}`, pid, comm: 'cat', path, ret: 3, error: '' });
  for (let i = 0; i < 50; i++) opens.push({ ...base, id: `busy${i}`, pid: 7, comm: 'server', path: '/srv/index', ret: 4, error: '' });
  for (let pid = 9000; pid < 9100; pid++) opens.push({ ...base, id: `f${pid}`, pid, comm: 'cat', path: '/nope', ret: -2, error: 'ENOENT' });
  const sample = { opens, recent: [], ringFull: 0, mapFull: 0, rateDropped: 0 };
  const rows = deriveOpensnoop(sample, sample, 1e9);
  assert.ok(rows.length <= OPENSNOOP_MAX_ROWS + 3, `${rows.length} rows`);
  assert.deepEqual(rows[0], { ...rows[0]!, comm: 'server', opens: 50, path: '/srv/index' });
  const byComm = (comm: string, error = ''): number => rows.filter((r) => r.comm === comm && r.error === error).reduce((n, r) => n + r.opens, 0);
  assert.equal(byComm('cat'), 12_000, 'every open of cat counted');
  assert.equal(byComm('cat', 'ENOENT'), 100);
  const rest = rows.find((r) => r.id === 'rest::cat')!;
  assert.match(rest.path, /^\(\d+ more files of less-busy processes\)$/);
  assert.equal(rest.pid, 0);
});

/** Opens as opensnoop's reader makes them: `n` from `from` on, from four processes and five paths, every seventh failing. */
function opens(n: number, from = 1): OpenEvent[] {
  const paths = ['/proc/stat', '/proc/meminfo', '/sys/fs/cgroup/system.slice/cpu.stat', '/etc/passwd', '/proc/1234/status'];
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    const ret = i % 7 === 3 ? -2 : 3 + (i % 5);
    const flags = i % 3 === 0 ? 0o2000000 : 0o101;
    return {
      id: `o${seq}`,
      seq,
      time_ms: 1_796_667_000_000 + Math.floor(seq / 4),
      pid: 100 + (i % 4),
      tid: 100 + (i % 4),
      uid: 0,
      comm: i % 4 === 0 ? 'node_exporter' : 'bash',
      call: 'openat',
      path: paths[(i * 3) % paths.length]!,
      relative: false,
      cut: false,
      flags,
      flags_text: openFlagsText(flags),
      mode: i % 3 === 0 ? 0 : 0o644,
      ret,
      error: ret < 0 ? errnoName(-ret) : '',
      call_ns: 1000 + ((i * 7919) % 5000),
      cgroup: '/system.slice/x.service',
      workload: 'x.service',
    };
  });
}

function openFrame(events: readonly OpenEvent[], t: number): Frame {
  const f = frameOf([], t);
  return { ...f, panels: [{ ...f.panels[0]!, id: opensnoopPanel.id, events: [...events].reverse() }] };
}

type Columns = { keys: string[]; cols: (unknown[] | { d: number[] })[] };
const storedOpens = (f: Frame, columns = true): { events?: unknown[]; eventColumns?: Columns } =>
  (JSON.parse(JSON.stringify(storedFrame(f, CATALOG, 100, new Map(), undefined, columns))) as { panels: { events?: unknown[]; eventColumns?: Columns }[] })
    .panels[0]!;

test('recordings: a second of opens stored by column, without the fields made from others, read back as they were, in fewer bytes', () => {
  const f = openFrame(opens(500), 0);
  const byColumn = storedOpens(f);
  const asList = storedOpens(f, false);
  assert.equal(byColumn.events, undefined);
  assert.equal(asList.events?.length, 500);
  const { keys, cols } = byColumn.eventColumns!;
  for (const made of ['id', 'flags_text', 'error']) assert.ok(!keys.includes(made), `${made} is not stored`);
  assert.equal(keys.length, Object.keys(opens(1)[0]!).length - 3);
  // A sequence and a time in ms are stored as their differences (newest first, as the panel keeps them); text as it is.
  const col = (k: string): unknown => cols[keys.indexOf(k)];
  assert.deepEqual((col('seq') as { d: number[] }).d.slice(0, 3), [500, -1, -1]);
  assert.deepEqual((col('time_ms') as { d: number[] }).d.slice(0, 5), [1_796_667_000_125, -1, 0, 0, 0]);
  assert.ok(Array.isArray(col('path')), 'paths as they are');
  const back = (v: unknown): readonly unknown[] =>
    checkFrame({ time: f.time, elapsedNs: 1e9, panels: [{ ...(v as object) }] }, CATALOG, false).panels[0]!.events!;
  assert.deepEqual(back(byColumn), back(asList));
  assert.deepEqual(back(byColumn), f.panels[0]!.events);
  const a = deflateRawSync(JSON.stringify(byColumn)).length;
  const b = deflateRawSync(JSON.stringify(asList)).length;
  assert.ok(a * 3 < b * 2, `by column ${a} bytes deflated, as a list ${b}`);
});

test('recordings: a few events, or events whose fields differ, stay a list', () => {
  assert.equal(storedOpens(openFrame(opens(COLUMNS_FROM - 1), 0)).events?.length, COLUMNS_FROM - 1, 'a few');
  assert.equal(storedOpens(openFrame(opens(COLUMNS_FROM), 0)).events, undefined, 'enough');
  const mixed = opens(20).map((e, i) => (i === 5 ? { ...e, extra: 1 } : e));
  assert.equal(storedOpens(openFrame(mixed, 0)).events?.length, 20, 'one with a field more');
  const missing = opens(20).map((e, i) => (i === 5 ? { ...e, extra: 1, cut: undefined } : e)) as OpenEvent[];
  assert.equal(storedOpens(openFrame(missing, 0)).events?.length, 20, 'as many fields, one of them another');
});

test('recordings: events by column that a file made up are refused with one line', () => {
  const f = openFrame(opens(50), 0);
  const good = storedOpens(f);
  const cases: [string, (c: Columns) => unknown][] = [
    ['a column short', (c) => ({ ...c, cols: c.cols.map((x, j) => (j === c.keys.indexOf('path') && Array.isArray(x) ? x.slice(1) : x)) })],
    ['a field twice', (c) => ({ keys: [...c.keys.slice(0, -1), c.keys[0]], cols: c.cols })],
    ['columns without fields', (c) => ({ keys: c.keys.slice(1), cols: c.cols })],
    ['a difference not whole', (c) => ({ ...c, cols: [{ d: [1, 0.5] }, ...c.cols.slice(1)] })],
    ['past whole numbers', (c) => ({ ...c, cols: [{ d: [Number.MAX_SAFE_INTEGER, 1] }, ...c.cols.slice(1)] })],
    ['a column not a list', (c) => ({ ...c, cols: [{ d: 3 }, ...c.cols.slice(1)] })],
    ['too many events', (c) => ({ ...c, cols: c.cols.map(() => Array.from({ length: 200 }, () => 0)) })],
    ['the seq not a number (no id to make)', (c) => ({ ...c, cols: c.cols.map((x, j) => (j === 0 ? Array.from({ length: 50 }, () => 'x') : x)) })],
    ['not an object', () => [1, 2]],
  ];
  for (const [what, change] of cases)
    assert.throws(
      () => checkFrame({ time: f.time, elapsedNs: 1e9, panels: [{ ...good, eventColumns: change(good.eventColumns!) }] }, CATALOG, false, 100),
      (e: unknown) => e instanceof FormatError && !e.message.includes('\n'),
      what,
    );
  assert.throws(() => checkFrame({ time: f.time, elapsedNs: 1e9, panels: [{ ...good, events: [] }] }, CATALOG, false), /both as a list and by column/);
});

test('a recording of container 3 (events as lists) is extended as it was written: an older sixty can still read what is added', async () => {
  await inScratch('c3', async (dir) => {
    const path = join(dir, 'a.rec');
    const frames = [0, 1, 2, 3].map((t) => openFrame(opens(40, 1 + 40 * t), t));
    const write = async (fs: readonly Frame[]): Promise<void> => {
      const w = new RecordingWriter(path, RECORDING_META, { catalog: CATALOG });
      for (const x of fs) {
        w.add(x);
        await w.drain();
      }
      await w.close();
    };
    // A container 3 file: this sixty's header (container 5) made 3, and two frames as a container 3 writer adds them.
    await write([]);
    const header = readFileSync(path);
    assert.equal(header[8], 5);
    header[8] = 3;
    writeFileSync(path, header);
    await write(frames.slice(0, 2));
    const bytes = readFileSync(path);
    await write(frames.slice(2));
    const after = readFileSync(path);
    assert.equal(after[8], 3, 'still container 3');
    // The first frame added starts a block: its segments stand alone (no dictionary), so they can be read here.
    const at = bytes.length;
    const payload = after.subarray(at + 20, at + 20 + after.readUInt32LE(at + 4));
    const head = 2 + 4 + payload.readUInt32LE(2);
    const panel = JSON.parse(inflateRawSync(payload.subarray(head + 4, head + 4 + payload.readUInt32LE(head))).toString()) as Record<string, unknown>;
    assert.equal(panel.id, 'opensnoop');
    assert.equal((panel.events as unknown[]).length, 40);
    assert.equal(panel.eventColumns, undefined);
    const r = new RecordingReader(path, CATALOG);
    assert.deepEqual(
      Array.from({ length: r.frames }, (_, i) => r.frame(i).panels[0]!.events!.length),
      [40, 40, 40, 40],
    );
    assert.equal(r.frame(3).panels[0]!.events![0]!.id, 'o160');
    r.close();
  });
});

/** A scrape's opens: the same `paths` in the same order each time (node_exporter's), then `extra` new ones. */
function scrape(seq: number, t: number, paths: readonly string[], extra: readonly string[]): Frame {
  const all = [...paths, ...extra];
  const evs = opens(all.length, seq).map((e, i) => ({ ...e, path: all[i]!, comm: 'node_exporter' }));
  return openFrame(evs, t);
}

const SCRAPE_PATHS = Array.from({ length: 120 }, (_, i) => `/sys/class/net/eth${i % 4}/statistics/${['rx_bytes', 'tx_bytes', 'rx_packets'][i % 3]}_${i}`);

test('recording refs: text columns as references to the block, read back as written, reset at each block', () => {
  const w = new RefWriter();
  const cols = (paths: string[]): Record<string, unknown> => ({ id: 'opensnoop', eventColumns: { keys: ['seq', 'path'], cols: [{ d: [1, 1] }, paths] } });
  const frames = [['/a', '/b', '/a'], ['/a', '/b', '/c'], ['/a', '/b', '/c'], ['/c']];
  const stored: unknown[] = [];
  for (let i = 0; i < frames.length; i++) {
    const added: Added = new Map();
    const block = i === 0 || i === 3;
    const first = w.refer('opensnoop', cols(frames[i]!), block, added);
    // Encoding a frame again (as the first of a new block, when a file rotates) changes nothing until commit.
    assert.deepEqual(w.refer('opensnoop', cols(frames[i]!), block, new Map()), first);
    w.commit(added, block, new Set(['opensnoop']));
    stored.push(first);
  }
  const path = (v: unknown): unknown => ((v as { eventColumns: { cols: unknown[] } }).eventColumns.cols[1] as { r: unknown[] }).r;
  assert.deepEqual(path(stored[0]), ['/a', '/b', -2], 'new texts as they are; /a again is two back');
  assert.deepEqual(path(stored[1]), [0, 0, '/c'], 'the same texts in the same order are zeros');
  assert.deepEqual(path(stored[2]), [0, 0, 0]);
  assert.deepEqual(path(stored[3]), ['/c'], "a block's first frame stands alone");
  assert.deepEqual((stored[0] as { eventColumns: { cols: unknown[] } }).eventColumns.cols[0], { d: [1, 1] }, 'other columns unchanged');
  const bad = (why: string): never => {
    throw new FormatError(why);
  };
  let tables: RefTables | undefined;
  const read: unknown[] = [];
  const kept: (RefTables | undefined)[] = [];
  for (let i = 0; i < stored.length; i++) {
    const r = resolveRefs(stored[i], i === 3 ? undefined : tables, 1e6, bad);
    tables = r.tables;
    kept.push(tables);
    read.push((r.value as { eventColumns: { cols: unknown[] } }).eventColumns.cols[1]);
  }
  assert.deepEqual(read, frames);
  // A frame read again after the ones after it (a seek back) resolves the same, and leaves the later frames' tables as they were.
  assert.deepEqual((resolveRefs(stored[1], kept[0], 1e6, bad).value as { eventColumns: { cols: unknown[] } }).eventColumns.cols[1], frames[1]);
  assert.deepEqual((resolveRefs(stored[2], kept[1], 1e6, bad).value as { eventColumns: { cols: unknown[] } }).eventColumns.cols[1], frames[2]);
  // What a file made up is refused with one line.
  const crafted: [string, unknown[], RegExp][] = [
    ['before the first', [-1], /outside its 0 texts/],
    ['past the table', ['/a', 1], /outside its 1 texts/],
    ['not whole', ['/a', 0.5], /neither text nor a whole number/],
    ['not text', ['/a', null], /neither text nor a whole number/],
    ['far too much text', ['x'.repeat(600), -1, -1], /more text than a frame holds/],
  ];
  for (const [what, items, why] of crafted)
    assert.throws(() => resolveRefs({ eventColumns: { keys: ['path'], cols: [{ r: items }] } }, undefined, 1000, bad), why, what);
  assert.throws(() => resolveRefs({ eventColumns: { keys: ['path'], cols: [{ r: 3 }] } }, undefined, 1000, bad), /not a list/);
});

test('a recording stores a scrape seen before as references: fewer bytes, every frame read back as written, from any frame', async () => {
  await inScratch('refs', async (dir) => {
    const frames = Array.from({ length: BLOCK + 20 }, (_, t) => scrape(1 + t * 200, t, SCRAPE_PATHS, t % 5 === 0 ? [`/proc/${1000 + t}/stat`] : []));
    const write = async (path: string, container?: number): Promise<number> => {
      if (container !== undefined) {
        // The same frames in a file of an older container: its header alone, then extended as it was written.
        await new RecordingWriter(path, RECORDING_META, { catalog: CATALOG }).close();
        const b = readFileSync(path);
        b[8] = container;
        writeFileSync(path, b);
      }
      const w = new RecordingWriter(path, RECORDING_META, { catalog: CATALOG, sync: false });
      for (const f of frames) {
        w.add(f);
        await w.drain();
      }
      await w.close();
      return readFileSync(path).length;
    };
    const c5 = join(dir, 'c5.rec');
    const c4 = join(dir, 'c4.rec');
    const refs = await write(c5);
    const columns = await write(c4, 4);
    assert.equal(readFileSync(c5)[8], 5);
    assert.equal(readFileSync(c4)[8], 4, 'still container 4');
    // 13.5 against 19.4 KB here; as texts (a writer that stored no references) it fails.
    assert.ok(refs * 5 < columns * 4, `references ${refs} bytes, texts ${columns}`);
    const events = (r: RecordingReader, i: number): unknown => r.frame(i).panels[0]!.events;
    for (const path of [c5, c4]) {
      const r = new RecordingReader(path, CATALOG);
      // Out of order: mid-block first (decoded from its block's start), back, forward, and the first block.
      for (const i of [BLOCK + 15, BLOCK + 3, BLOCK + 16, 7, BLOCK - 1, 0, BLOCK + 19])
        assert.deepEqual(events(r, i), frames[i]!.panels[0]!.events, `frame ${i}`);
      const series = r.panelSeries('opensnoop') as { eventColumns?: { cols: unknown[] } }[];
      assert.equal(series.length, frames.length);
      assert.ok(
        series.every((v) => v.eventColumns?.cols.every((c) => Array.isArray(c) || 'd' in (c as object))),
        'the series has texts, not references',
      );
      r.close();
    }
  });
});

test('a recording whose references a file made up is refused with one line', async () => {
  await inScratch('refs-bad', async (dir) => {
    const path = join(dir, 'a.rec');
    const w = new RecordingWriter(path, RECORDING_META, { catalog: CATALOG, sync: false });
    w.add(scrape(1, 0, SCRAPE_PATHS.slice(0, 20), []));
    await w.close();
    const b = readFileSync(path);
    // The only record: a block's first, whose segments stand alone. Its panel's path column gets a reference past its table.
    const metaLen = b.readUInt32LE(9);
    const start = 8 + 1 + 4 + metaLen + 4;
    const payload = b.subarray(start + 20);
    const headLen = payload.readUInt32LE(2);
    const segAt = 2 + 4 + headLen;
    const panel = JSON.parse(inflateRawSync(payload.subarray(segAt + 4, segAt + 4 + payload.readUInt32LE(segAt))).toString()) as {
      eventColumns: { keys: string[]; cols: unknown[] };
    };
    const j = panel.eventColumns.keys.indexOf('path');
    assert.deepEqual((panel.eventColumns.cols[j] as { r: unknown[] }).r.slice(0, 2), [SCRAPE_PATHS[19], SCRAPE_PATHS[18]], 'newest first');
    (panel.eventColumns.cols[j] as { r: unknown[] }).r[1] = 40;
    const seg = deflateRawSync(JSON.stringify(panel));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(seg.length);
    const p2 = Buffer.concat([payload.subarray(0, segAt), len, seg]);
    const rec = Buffer.from(b.subarray(start, start + 20));
    rec.writeUInt32LE(p2.length, 4);
    rec.writeUInt32LE(crc32(p2), 16);
    writeFileSync(path, Buffer.concat([b.subarray(0, start), rec, p2]));
    const r = new RecordingReader(path, CATALOG);
    assert.throws(
      () => r.frame(0),
      (e: unknown) =>
        e instanceof FormatError &&
        /frame 1 has a damaged event column \d+ \(reference 1 is outside its 1 texts\)/.test(e.message) &&
        !e.message.includes('\n'),
    );
    r.close();
  });
});

test('a panel that leaves a recording and comes back within a block starts its texts again, as the reader does', async () => {
  await inScratch('refs-gap', async (dir) => {
    const path = join(dir, 'a.rec');
    // A console's on-demand panel: opensnoop on screen, then off it for two seconds (the frame has another panel), then back.
    const frames = Array.from({ length: 11 }, (_, t) => (t === 5 || t === 6 ? frameOf([], t) : scrape(1 + t * 200, t, SCRAPE_PATHS.slice(0, 30), [])));
    const w = new RecordingWriter(path, RECORDING_META, { catalog: CATALOG, sync: false });
    for (const f of frames) {
      w.add(f);
      await w.drain();
    }
    await w.close();
    const r = new RecordingReader(path, CATALOG);
    assert.equal(r.frames, frames.length);
    for (let i = frames.length - 1; i >= 0; i--) assert.deepEqual(r.frame(i).panels[0]!.events, frames[i]!.panels[0]!.events, `frame ${i}`);
    r.close();
  });
});
