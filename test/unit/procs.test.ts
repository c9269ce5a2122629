/** The process panel without a kernel: its /proc parsers on fixture text, its records, and its model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCmdline, parsePasswd, parsePidIo, parsePidStatFull, parsePidStatus } from '../../src/records/procpid.js';
import { decodeExits, decodeWaits, exitStatusText, PROCS_RECORDS, PROCS_SLOTS, type ProcsLayouts } from '../../src/records/procs.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { deriveProcs, histPercentileNs, procsTotals } from '../../src/models/procs.js';
import { procsPanel, procsSummary, cpuTime, threadMapSize, keptExits, EXITS_KEPT_MAX } from '../../src/panels/procs.js';
import { treeRows, treeSpec } from '../../src/panels/tree.js';
import { entry, procsSample, stat, waits } from '../helpers/procs-samples.js';

// A real line of /proc/PID/stat (6.18), with a comm holding a space and parentheses.
const STAT =
  '4242 (my (odd) cmd) R 812 4242 4242 34816 4242 4194560 1500 0 7 0 1234 56 0 0 20 0 3 0 98765 10485760 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

test('/proc/PID/stat: fields counted from the last parenthesis', () => {
  const s = parsePidStatFull(STAT)!;
  assert.equal(s.pid, 4242);
  assert.equal(s.comm, 'my (odd) cmd');
  assert.deepEqual(
    {
      state: s.state,
      ppid: s.ppid,
      minflt: s.minflt,
      majflt: s.majflt,
      utime: s.utime,
      stime: s.stime,
      nice: s.nice,
      threads: s.threads,
      starttime: s.starttime,
      rss: s.rss,
      processor: s.processor,
    },
    { state: 'R', ppid: 812, minflt: 1500, majflt: 7, utime: 1234, stime: 56, nice: 0, threads: 3, starttime: 98765, rss: 2560, processor: 1 },
  );
  assert.equal(parsePidStatFull('4242 (cut'), null);
  assert.equal(parsePidStatFull('4242 (x) R 1 2'), null, 'a truncated line is not a reading');
});

test('/proc/PID/status, io, cmdline and /etc/passwd', () => {
  const status = 'Name:\tx\nUmask:\t0022\nUid:\t1000\t1001\t1001\t1001\nGid:\t0\t0\t0\t0\nvoluntary_ctxt_switches:\t15\nnonvoluntary_ctxt_switches:\t4\n';
  assert.deepEqual(parsePidStatus(status), { uid: 1001, vcsw: 15, nvcsw: 4 });
  assert.equal(parsePidStatus('Name:\tx\n'), null);
  const io = 'rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 4096\n';
  assert.deepEqual(parsePidIo(io), { readBytes: 4096, writeBytes: 8192, cancelledWriteBytes: 4096 });
  assert.equal(parsePidIo('rchar: 10\n'), null);
  assert.equal(parseCmdline('python3\0-c\0print(1)\0'), 'python3 -c print(1)');
  assert.equal(parseCmdline(''), '');
  const pw = parsePasswd('root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbroken\n');
  assert.equal(pw.get(0), 'root', 'the first name for a uid');
  assert.equal(pw.get(1000), 'alice');
});

test('records: waits and exits decode from the declared layouts; statuses in words', () => {
  const L = Object.fromEntries(Object.entries(PROCS_RECORDS).map(([k, d]) => [k, naturalLayout(d)])) as ProcsLayouts;
  const hist = Buffer.alloc(PROCS_SLOTS * 4);
  hist.writeUInt32LE(5, 3 * 4);
  const v = encode(L.wait, { enq_ns: 0n, wait_ns: 123456n, waits: 5n, tgid: 77, exited: 1, hist });
  const keys = Buffer.alloc(4);
  keys.writeUInt32LE(78);
  const [w] = decodeWaits({ keys, values: v, count: 1, keySize: 4, valueSize: L.wait.size, batched: true, cpus: 1 }, L);
  assert.deepEqual(
    { tid: w!.tid, tgid: w!.tgid, waitNs: w!.waitNs, waits: w!.waits, exited: w!.exited, h3: w!.hist[3] },
    { tid: 78, tgid: 77, waitNs: 123456, waits: 5, exited: true, h3: 5 },
  );
  const k = encode(L.exitKey, { pid: 99, start_ns: 5_000_000n });
  const x = encode(L.exit, {
    end_ns: 9_000_000n,
    cpu_ns: 3_000_000n,
    utime_ns: 2n,
    stime_ns: 1n,
    maxrss_pages: 10n,
    ppid: 1,
    uid: 0,
    exit_code: 0x8b,
    comm: 'a\x1bb',
  });
  const [e] = decodeExits({ keys: k, values: x, count: 1, keySize: L.exitKey.size, valueSize: L.exit.size, batched: true, cpus: 1 }, L);
  assert.equal(e!.pid, 99);
  assert.equal(e!.comm, 'a\\x1bb', 'names are escaped');
  assert.equal(exitStatusText(e!.exitCode), 'SIGSEGV (core)');
  assert.equal(exitStatusText(3 << 8), 'exit 3');
  assert.equal(exitStatusText(9), 'SIGKILL');
});

test('model: CPU split, RSS growth, faults, switches and I/O per interval; waits and their p99 from the histogram', () => {
  const rows = deriveProcs(procsSample(2), procsSample(1), 1e9);
  const stress = rows.find((r) => r.pid === 4242)!;
  assert.equal(stress.cpu_pct, 198);
  assert.equal(stress.usr_pct, 190);
  assert.equal(stress.sys_pct, 8);
  assert.equal(stress.cpu_s, 1.98);
  assert.equal(stress.wait_ns, 400 * 900 * 1000);
  assert.equal(stress.wait_pct, 36);
  assert.equal(stress.wait_p99_ns, 1024_000, '900 µs waits are in the slot under 1024 µs');
  assert.equal(stress.nvcsw, 120);
  const java = rows.find((r) => r.pid === 3100)!;
  assert.equal(java.rss_growth, 2560 * 4096);
  assert.equal(java.majflt, 3);
  assert.equal(java.read_bytes, (1 << 22) - (1 << 21));
  assert.equal(java.write_bytes, 65536);
  // No previous reading: no rates yet, but what /proc says now.
  const first = deriveProcs(procsSample(1), undefined, 1e9).find((r) => r.pid === 4242)!;
  assert.equal(first.cpu_pct, null);
  assert.equal(first.wait_ns, null);
  assert.equal(first.cpu_time_s, 1.98);
});

test('model: a pid used again is a new process; one born in the interval counts all of its ticks', () => {
  const prev = procsSample(1);
  const cur = procsSample(2);
  const reused = entry(stat(812, 'sshd', { starttime: (prev.uptimeS + 0.2) * 100, utime: 30, rss: 10 }));
  const born = entry(stat(9000, 'cc1', { starttime: (prev.uptimeS + 0.5) * 100, utime: 40, stime: 10 }));
  const m = new Map(cur.entries);
  m.set(812, reused);
  m.set(9000, born);
  const rows = deriveProcs({ ...cur, entries: m }, prev, 1e9);
  assert.equal(rows.find((r) => r.pid === 812)!.cpu_pct, 30, 'started after the previous reading: all of its ticks');
  assert.equal(rows.find((r) => r.pid === 9000)!.cpu_pct, 50);
  const old = entry(stat(9001, 'old', { starttime: 5, utime: 40 }));
  const m2 = new Map(cur.entries);
  m2.set(9001, old);
  assert.equal(deriveProcs({ ...cur, entries: m2 }, prev, 1e9).find((r) => r.pid === 9001)!.cpu_pct, null, 'first seen, started long ago: no rate');
});

test('model: an ended process is a row with its exact CPU, status and lifetime, then quiet, then gone', () => {
  const rows = deriveProcs(procsSample(3), procsSample(2), 1e9);
  const make = rows.find((r) => r.pid === 5150)!;
  assert.equal(make.exited, true);
  assert.equal(make.quiet, false);
  assert.equal(make.exit_status, 'exit 2');
  assert.equal(make.cpu_s, 0.45);
  assert.equal(make.usr_pct, 30);
  assert.ok(Math.abs(make.sys_pct! - 15) < 1e-9);
  assert.ok(Math.abs(make.lifetime_s! - 0.7) < 1e-9);
  assert.equal(make.max_rss_bytes, 5120 * 4096);
  assert.equal(make.wait_ns, 30 * 2000 * 1000);
  const later = procsSample(5, { exits: procsSample(3).exits });
  const quiet = deriveProcs(later, procsSample(4, { exits: procsSample(3).exits }), 1e9).find((r) => r.pid === 5150)!;
  assert.equal(quiet.quiet, true);
  assert.equal(quiet.cpu_pct, 0);
  const gone = procsSample(20, { exits: procsSample(3).exits });
  assert.equal(
    deriveProcs(gone, procsSample(19, { exits: procsSample(3).exits }), 1e9).find((r) => r.pid === 5150),
    undefined,
    'kept 10 s (or three intervals)',
  );
  // Seen alive in the previous reading: only what it burned since then.
  const prev = procsSample(2);
  const m = new Map(prev.entries);
  m.set(5150, entry(stat(5150, 'make', { starttime: (1000 + 1.2) * 100, utime: 20, stime: 10, rss: 100 })));
  const since = deriveProcs(procsSample(3), { ...prev, entries: m }, 1e9).find((r) => r.pid === 5150)!;
  assert.ok(Math.abs(since.cpu_s! - 0.15) < 1e-9, `${since.cpu_s}`);
  assert.equal(since.rss_growth, -100 * 4096);
});

test('model: totals count every process; p99 and the summary', () => {
  const s = procsSample(3);
  const t = procsTotals(s);
  assert.deepEqual(t, { processes: 3, threads: 44, running: 1, blocked: 0, zombies: 0, exited: 1 });
  assert.equal(histPercentileNs([0, 0, 0], 99), null);
  assert.equal(histPercentileNs([98, 0, 2], 99), 4000);
  assert.equal(histPercentileNs([99, 0, 1], 99), 1000);
  const sum = procsSummary(deriveProcs(s, procsSample(2), 1e9), { ...t, bpf: 1 });
  assert.match(sum.text, /1 ended \(45\.0 % CPU\)/);
  assert.match(sum.text, /top stress 4242 198\.0 %/);
  const noBpf = procsSummary(deriveProcs({ ...s, waits: null, exits: [] }, { ...procsSample(2), waits: null }, 1e9), { ...t, bpf: 0 });
  assert.match(noBpf.text, /waits and ended processes need BPF/);
  assert.equal(cpuTime(61.5), '1:01.50');
  assert.equal(cpuTime(7300), '2h01');
  void waits;
});

test('the tree (T): parents first, siblings in the sort in use, branches drawn, subtree sums; loops and orphans are roots', () => {
  const row = (pid: number, ppid: number, cpu: number) => ({ id: String(pid), pid, tgid: pid, ppid, cpu_pct: cpu, rss_bytes: 10, comm: `p${pid}` });
  const rows = [row(1, 0, 1), row(20, 1, 5), row(10, 1, 2), row(21, 20, 3), row(30, 99, 7), row(40, 41, 1), row(41, 40, 1)];
  const tree = procsPanel.tree!;
  const out = treeRows(rows, tree);
  assert.deepEqual(
    out.map((r) => `${r.tree_prefix}${r.id}`),
    ['1', '├─20', '│ └─21', '└─10', '30', '40', '└─41'],
  );
  assert.equal(out[0]!.sub_cpu_pct, 11, 'pid 1: itself and all it started');
  assert.equal(out[1]!.sub_cpu_pct, 8);
  assert.equal(out[0]!.sub_rss_bytes, 40);
  const spec = treeSpec(procsPanel, tree);
  const keys = spec.columns.map((c) => c.key);
  assert.ok(keys.indexOf('sub_cpu_pct') === keys.indexOf('cpu_pct') + 1, 'each sum after its column');
  assert.equal(spec.columns.find((c) => c.key === 'comm')!.format('p21', out[2]!), '│ └─p21');
});

test('the thread map is sized from the threads there are: twice them, as a power of two, within 32k and 256k', () => {
  const host = (line: string) => ({ onlineCpus: () => 2, nowNs: () => 0, readText: () => line });
  assert.equal(threadMapSize(host('0.1 0.2 0.3 1/150 999\n')), 32768);
  assert.equal(threadMapSize(host('0.1 0.2 0.3 1/20125 999\n')), 65536);
  assert.equal(threadMapSize(host('0.1 0.2 0.3 1/900000 999\n')), 262144);
  assert.equal(
    threadMapSize({
      ...host(''),
      readText: () => {
        throw new Error('no');
      },
    }),
    32768,
  );
});

test('the tree: a deep branch is drawn to its last levels, so the name stays on screen', () => {
  const rows = Array.from({ length: 9 }, (_, i) => ({ id: String(i + 1), pid: i + 1, tgid: i + 1, ppid: i, cpu_pct: 0, rss_bytes: 0, comm: `p${i + 1}` }));
  const out = treeRows(rows, procsPanel.tree!);
  const comm = treeSpec(procsPanel, procsPanel.tree!).columns.find((c) => c.key === 'comm')!;
  assert.equal(comm.format('p9', out[8]!), '…       └─p9', 'ten cells of branch at most');
});

test('ended processes kept by the reader: the last minute, and of a fork storm only the newest (memory stays bounded)', () => {
  const s = 1e9;
  const storm = Array.from({ length: 20_000 }, (_, i) => ({ endNs: 100 * s + i * 1000, pid: i }));
  const kept = keptExits(storm, 101 * s);
  assert.equal(kept.length, EXITS_KEPT_MAX);
  assert.equal(kept.at(-1)!.pid, 19_999, 'the newest kept');
  assert.equal(kept[0]!.pid, 20_000 - EXITS_KEPT_MAX);
  // Older than a minute: gone, however few.
  assert.deepEqual(
    keptExits([{ endNs: 10 * s }, { endNs: 80 * s }], 100 * s).map((x) => x.endNs),
    [80 * s],
  );
});
