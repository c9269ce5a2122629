// Batch mode against Debian's libbpf-tools on the same workload in the same run: sixty --batch --panels P and the
// libbpf-tools equivalent run side by side for SECONDS at a 1 s interval while a workload runs, ROUNDS times; each
// process's CPU seconds (user + system) and peak RSS come from wait4(2)'s rusage. Medians, and sixty's as ratios.
// A tool that cannot run on this kernel is reported with its own error, and sixty's cost for that panel alone.
// Each panel's libbpf-tools peer and its load are in its fixture (test/panels/ID.ts: bench.peer): for example TCP
// over 127.0.0.1 for softirqs and tcptop, O_DIRECT writes for biotop, reads of a cached file for filetop and cachetop.
// Usage (root, after npm run build; apt-get install libbpf-tools): node bench/batch-vs-libbpf-tools.mjs [seconds=30] [rounds=3]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { FIXTURES } = await import('../test/panels/index.ts');

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 30);
const ROUNDS = Number(process.argv[3] ?? 3);
const sixty = path.join(here, '..', 'scripts', 'sixty');
const median = (a) => {
  const s = [...a].sort((x, y) => x - y),
    m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sixty-vs-'));

// Runs argv, and prints {cpu, maxrssKb, rc, err} from wait4's rusage: exact for the process, whatever it forks.
const RUSAGE = `
import json, os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = p.stderr.read().decode(errors="replace")
_, status, ru = os.wait4(p.pid, 0)
print(json.dumps({"wall": time.monotonic() - t0, "cpu": ru.ru_utime + ru.ru_stime, "maxrssKb": ru.ru_maxrss, "rc": os.waitstatus_to_exitcode(status), "err": err.strip().splitlines()[-1] if err.strip() else ""}))
`;
const timed = (argv) =>
  new Promise((resolve) => {
    const c = spawn('python3', ['-c', RUSAGE, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(JSON.parse(out)));
  });

const bigFile = path.join(scratch, 'cached');
writeFileSync(bigFile, Buffer.alloc(8 << 20, 1));
// Each panel's peer and load come from its test fixture (test/panels/ID.ts), in registry order.
const PANELS = [...FIXTURES.values()].flatMap((f) => {
  const peer = f.bench?.peer;
  return peer ? [{ panel: f.panel.id, tool: [...peer.tool, '1', String(SECONDS)], load: peer.load(scratch) }] : [];
});

if (!existsSync('/usr/sbin/softirqs')) throw new Error('libbpf-tools is not installed: apt-get install -y libbpf-tools');
console.log(
  `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), kernel ${os.release()}, node ${process.version}; ${SECONDS} s at 1 s, ${ROUNDS} rounds`,
);
const results = [];
try {
  for (const p of PANELS) {
    const s = { cpu: [], rss: [] };
    const t = { cpu: [], rss: [], err: '' };
    for (let r = 0; r < ROUNDS; r++) {
      const load = spawn(p.load[0], p.load.slice(1), { stdio: 'ignore', detached: true });
      try {
        await new Promise((res) => setTimeout(res, 500));
        const [a, b] = await Promise.all([timed([sixty, '--batch', '--panels', p.panel, '-i', '1', '-c', String(SECONDS)]), timed(p.tool)]);
        if (a.rc !== 0) throw new Error(`sixty --panels ${p.panel} exited ${a.rc}: ${a.err}`);
        s.cpu.push(a.cpu);
        s.rss.push(a.maxrssKb / 1024);
        // Some tools print why they cannot attach and still exit 0: one that did not run its course did not run.
        if (b.rc === 0 && b.wall > SECONDS * 0.8) {
          t.cpu.push(b.cpu);
          t.rss.push(b.maxrssKb / 1024);
        } else t.err = b.err || `exit ${b.rc} after ${b.wall.toFixed(1)} s`;
      } finally {
        try {
          process.kill(-load.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    const row = {
      panel: p.panel,
      tool: path.basename(p.tool[0]),
      sixtyCpuS: median(s.cpu),
      sixtyPeakMb: median(s.rss),
      toolCpuS: t.cpu.length ? median(t.cpu) : null,
      toolPeakMb: t.rss.length ? median(t.rss) : null,
      toolError: t.cpu.length ? null : t.err,
    };
    results.push(row);
    const vs =
      row.toolCpuS !== null
        ? `; ${row.tool}: ${row.toolCpuS.toFixed(2)} s, ${row.toolPeakMb.toFixed(0)} MB: sixty ${(row.sixtyCpuS / row.toolCpuS).toFixed(1)}× the CPU, ${(row.sixtyPeakMb / row.toolPeakMb).toFixed(1)}× the memory`
        : `; ${row.tool} does not run here (${row.toolError})`;
    console.log(`${p.panel}: sixty --batch ${row.sixtyCpuS.toFixed(2)} s CPU, peak ${row.sixtyPeakMb.toFixed(0)} MB${vs}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'batch-vs-libbpf-tools', seconds: SECONDS, rounds: ROUNDS, results }));
