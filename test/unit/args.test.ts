import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_METRICS, nextInterval, parseArgs, parseDuration, parseListen, parseWhen } from '../../src/args.js';
import { UserError } from '../../src/errors.js';

const PANELS = new Map([
  ['softirqs', ['tp_btf', 'raw_tp', 'tracepoint']],
  ['tcptop', ['fentry', 'kprobe', 'tp_btf', 'raw_tp', 'tracepoint']],
]);

test('defaults: interactive, 1 s, all panels', () => {
  assert.deepEqual(parseArgs([], PANELS), {
    intervalS: 1,
    count: null,
    batch: false,
    format: 'text',
    csvDir: null,
    replay: null,
    record: null,
    recordMax: null,
    retainAgeMs: null,
    retainBytes: null,
    at: null,
    exportDir: '.',
    exportDirGiven: false,
    panels: null,
    tiers: {},
    cgroup: null,
    ringBytes: null,
    trend: true,
    metricsListen: null,
    serve: false,
    metricsTop: 20,
    help: false,
    version: false,
  });
  assert.equal(parseArgs(['--no-trend'], PANELS).trend, false);
});

test('--metrics-listen: a bare port is loopback; other addresses are explicit; --serve defaults to loopback', () => {
  assert.deepEqual(parseListen('9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseListen('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(parseListen('[::1]:9100'), { host: '::1', port: 9100 });
  assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
  for (const [bad, why] of [
    ['', 'not a number'],
    ['abc', 'not a number'],
    ['70000', 'between 1 and 65535'],
    ['0', 'between 1 and 65535'],
    ['::1:9100', 'IPv6 address goes in brackets'],
    [':9100', 'no address'],
    ['a b:1', 'not an address'],
    [`${'x'.repeat(100_000)}:1`, 'not an address'],
  ] as const) {
    assert.throws(
      () => parseListen(bad),
      (e: unknown) => e instanceof UserError && e.message.includes(why) && e.message.length < 400,
      bad.slice(0, 20),
    );
  }
  assert.deepEqual(parseArgs(['--serve'], PANELS).metricsListen, DEFAULT_METRICS);
  assert.deepEqual(parseArgs(['--serve', '--metrics-listen', '[::1]:1234'], PANELS).metricsListen, { host: '::1', port: 1234 });
  assert.equal(parseArgs(['--metrics-listen=9100', '-b'], PANELS).metricsListen?.port, 9100);
  assert.throws(() => parseArgs(['--serve', '--batch'], PANELS), /--serve prints nothing/);
  assert.throws(() => parseArgs(['--serve', '--replay', 'x.json'], PANELS), /--replay does not go with it/);
  assert.throws(() => parseArgs(['--metrics-top', '0'], PANELS), /from 1 to 1000/);
  assert.equal(parseArgs(['--metrics-top', '5'], PANELS).metricsTop, 5);
});

test('batch JSON with count, interval and panels, in both spellings', () => {
  const o = parseArgs(['--batch', '--count', '3', '--interval=0.5', '-p', 'tcptop,softirqs', '--format', 'json'], PANELS);
  assert.equal(o.batch, true);
  assert.equal(o.count, 3);
  assert.equal(o.intervalS, 0.5);
  assert.deepEqual(o.panels, ['tcptop', 'softirqs']);
  assert.equal(o.format, 'json');
});

test('--tier forces one hook tier per panel', () => {
  assert.deepEqual(parseArgs(['--tier', 'tcptop=raw_tp', '-t', 'softirqs=tracepoint'], PANELS).tiers, { tcptop: 'raw_tp', softirqs: 'tracepoint' });
});

test('--count and --format imply batch', () => {
  assert.equal(parseArgs(['-c', '2'], PANELS).batch, true);
  assert.equal(parseArgs(['-f', 'json'], PANELS).batch, true);
});

test('bad input is one UserError line', () => {
  const cases: [string[], RegExp][] = [
    [['--interval', '0'], /invalid interval '0'/],
    [['-i', 'abc'], /invalid interval 'abc'/],
    [['-i'], /needs a value/],
    [['--count', '-1'], /needs a value|invalid count/],
    [['--count', '1.5'], /invalid count/],
    [['--panels', 'biotop'], /unknown panel 'biotop'/],
    [['--format', 'xml'], /invalid format 'xml'/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['extra'], /unknown argument 'extra'/],
    [['--tier', 'tcptop=nope'], /unknown tier 'nope' for tcptop: choose from fentry, kprobe, tp_btf, raw_tp, tracepoint/],
    [['--tier', 'biotop=tp_btf'], /invalid tier 'biotop=tp_btf': give PANEL=TIER/],
    [['--tier', 'tcptop'], /invalid tier 'tcptop'/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(
      () => parseArgs(argv, PANELS),
      (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'),
      argv.join(' '),
    );
  }
});

test('the interval ladder of + and -', () => {
  assert.deepEqual(
    [nextInterval(1, 1), nextInterval(1, -1), nextInterval(0.1, -1), nextInterval(60, 1), nextInterval(3, 1), nextInterval(3, -1)],
    [2, 0.5, 0.1, 60, 5, 2],
  );
});

test('snapshots, recordings and replay: the options, and what does not go together (one line each)', () => {
  const o = parseArgs(['--record', '/tmp/x.rec', '--record-max', '100M', '--export-dir=/var/tmp'], PANELS);
  assert.deepEqual([o.record, o.recordMax, o.exportDir, o.batch], ['/tmp/x.rec', 100 * 1048576, '/var/tmp', false]);
  assert.equal(parseArgs(['--record', 'f', '--record-max', '2G'], PANELS).recordMax, 2 * 1024 ** 3);
  assert.equal(parseArgs(['--record', 'f', '--record-max', '65536'], PANELS).recordMax, 65536);
  const r = parseArgs(['--replay', 'a.rec', '--format', 'csv', '--csv-dir', 'out', '--panels', 'tcptop'], PANELS);
  assert.deepEqual([r.replay, r.format, r.csvDir, r.batch, r.panels], ['a.rec', 'csv', 'out', true, ['tcptop']]);
  const bad: [string[], RegExp][] = [
    [['--record-max', '10M'], /give --record FILE too/],
    [['--record', 'f', '--record-max', '10X'], /invalid size '10X'/],
    [['--record', 'f', '--record-max', '1K'], /at least 64K/],
    [['--replay', 'a', '--record', 'b'], /--record does not go with it/],
    [['--replay', 'a', '--tier', 'tcptop=raw_tp'], /--tier does not go with it/],
    [['--csv-dir', 'd'], /--csv-dir is for --format csv/],
    [['--format', 'xml'], /json, text, csv or folded/],
    [['--replay'], /needs a value/],
    [['--record', ''], /needs a path/],
  ];
  for (const [argv, re] of bad)
    assert.throws(
      () => parseArgs(argv, PANELS),
      (e: Error) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'),
      argv.join(' '),
    );
});

test('--retain, --retain-size and --at: durations, sizes and moments; each with what it needs (one line each)', () => {
  const o = parseArgs(['--serve', '--record', '/var/lib/sixty', '--retain', '7d', '--retain-size', '2G'], PANELS);
  assert.deepEqual([o.record, o.retainAgeMs, o.retainBytes, o.serve], ['/var/lib/sixty', 7 * 86400_000, 2 * 1024 ** 3, true]);
  assert.deepEqual(
    ['90m', '12h', '1w', '1.5d', '60s'].map((v) => parseDuration(v, '--retain')),
    [90 * 60_000, 12 * 3600_000, 7 * 86400_000, 1.5 * 86400_000, 60_000],
  );
  // A moment: relative to `now`, a clock time (the last one past, local), a date and time (local unless zoned).
  const now = new Date(2026, 11, 7, 3, 30, 0).getTime(); // 03:30 local
  assert.equal(parseWhen('10m ago', now), now - 600_000);
  assert.equal(parseWhen('2h ago', now), now - 7200_000);
  assert.equal(parseWhen('now', now), now);
  assert.equal(parseWhen('03:12', now), new Date(2026, 11, 7, 3, 12, 0).getTime());
  assert.equal(parseWhen('03:12:30', now), new Date(2026, 11, 7, 3, 12, 30).getTime());
  assert.equal(parseWhen('23:00', now), new Date(2026, 11, 6, 23, 0, 0).getTime(), 'still to come today: yesterday');
  assert.equal(parseWhen('2026-12-06 23:05', now), new Date(2026, 11, 6, 23, 5, 0).getTime());
  assert.equal(parseWhen('2026-12-06', now), new Date(2026, 11, 6).getTime());
  assert.equal(parseWhen('2026-12-07T03:12:05Z', now), Date.UTC(2026, 11, 7, 3, 12, 5));
  assert.equal(parseWhen('2026-12-07T04:12:05+01:00', now), Date.UTC(2026, 11, 7, 3, 12, 5));
  assert.equal(parseArgs(['--replay', 'd', '--at', '10m ago'], PANELS, now).at, now - 600_000);
  const bad: [string[], RegExp][] = [
    [['--retain', '7d'], /--retain keeps a directory of recordings: give --record DIR too/],
    [['--retain-size', '1G'], /--retain-size keeps a directory of recordings: give --record DIR too/],
    [['--record', 'd', '--retain', '7'], /invalid --retain '7': give a number and s, m, h, d or w/],
    [['--record', 'd', '--retain', '30s'], /at least 1m/],
    [['--record', 'd', '--retain', 'forever'], /invalid --retain 'forever'/],
    [['--record', 'd', '--retain-size', 'lots'], /invalid size 'lots'/],
    [['--at', '10m ago'], /--at opens a recording at a moment: give --replay FILE or DIR too/],
    [['--replay', 'd', '--at', 'yesterday'], /invalid --at 'yesterday': give "10m ago"/],
    [['--replay', 'd', '--at', '25:00'], /invalid --at '25:00'/],
    [['--replay', 'd', '--at', '2026-02-30 01:00'], /invalid --at '2026-02-30 01:00'/],
    [['--replay', 'd', '--at', '2026-13-01'], /invalid --at/],
  ];
  for (const [argv, re] of bad)
    assert.throws(
      () => parseArgs(argv, PANELS, now),
      (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'),
      argv.join(' '),
    );
});

test('--ring-size: a power of two from 64K to 1G, for the live host only (one line each)', () => {
  assert.equal(parseArgs([], PANELS).ringBytes, null, 'each panel its own (the engine: --serve 1 MiB)');
  assert.equal(parseArgs(['--ring-size', '512K'], PANELS).ringBytes, 512 * 1024);
  assert.equal(parseArgs(['--serve', '--ring-size=4M'], PANELS).ringBytes, 4 * 1024 ** 2);
  assert.equal(parseArgs(['--ring-size', '65536'], PANELS).ringBytes, 65536);
  assert.equal(parseArgs(['--ring-size', '1G'], PANELS).ringBytes, 1024 ** 3);
  const bad: [string[], RegExp][] = [
    [['--ring-size', '3M'], /invalid --ring-size '3M': give a power of two from 64K to 1G/],
    [['--ring-size', '1.5M'], /invalid --ring-size '1.5M'/],
    [['--ring-size', '2G'], /invalid --ring-size '2G'/],
    [['--ring-size', '4K'], /at least 64K/],
    [['--ring-size', 'big'], /invalid size 'big'/],
    [['--replay', 'a', '--ring-size', '1M'], /--ring-size does not go with it/],
  ];
  for (const [argv, re] of bad)
    assert.throws(
      () => parseArgs(argv, PANELS),
      (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'),
      argv.join(' '),
    );
});
