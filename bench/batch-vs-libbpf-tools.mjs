// Batch mode against Debian's libbpf-tools on the same workload in the same run: sixty --batch --panels P and the
// libbpf-tools equivalent run side by side for SECONDS at a 1 s interval while a workload runs, ROUNDS times; each
// process's CPU seconds (user + system) and peak RSS come from wait4(2)'s rusage. Medians, and sixty's as ratios.
// A tool that cannot run on this kernel is reported with its own error, and sixty's cost for that panel alone.
// Workloads: softirqs, tcptop: TCP over 127.0.0.1 (a sender of 64 KiB writes); runqlen: two busy loops;
// biotop: O_DIRECT 4 KiB writes to a file (dd); filetop, cachetop: reads of a cached file in a loop.
// Usage (root, after npm run build; apt-get install libbpf-tools): node bench/batch-vs-libbpf-tools.mjs [seconds=30] [rounds=3]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 30);
const ROUNDS = Number(process.argv[3] ?? 3);
const sixty = path.join(here, '..', 'scripts', 'sixty');
const median = (a) => { const s = [...a].sort((x, y) => x - y), m = s.length >> 1; return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN; };
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
const timed = (argv) => new Promise((resolve) => {
  const c = spawn('python3', ['-c', RUSAGE, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.on('close', () => resolve(JSON.parse(out)));
});

const bigFile = path.join(scratch, 'cached');
writeFileSync(bigFile, Buffer.alloc(8 << 20, 1));
const WORKLOADS = {
  tcp: ['python3', '-c', 'import socket,threading\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen()\nc=socket.create_connection(s.getsockname());a,_=s.accept()\nthreading.Thread(target=lambda:[a.recv(65536) for _ in iter(int,1)],daemon=True).start()\nb=bytes(65536)\nwhile True: c.sendall(b)'],
  busy: ['sh', '-c', 'while :; do :; done & while :; do :; done'],
  directio: ['sh', '-c', `while :; do dd if=/dev/zero of=${path.join(scratch, 'direct')} bs=4k count=256 oflag=direct conv=notrunc status=none; done`],
  reads: ['sh', '-c', `while :; do cat ${bigFile} > /dev/null; done`],
};
const PANELS = [
  { panel: 'softirqs', tool: ['/usr/sbin/softirqs', '1', String(SECONDS)], workload: 'tcp' },
  { panel: 'runqlen', tool: ['/usr/sbin/runqlen', '1', String(SECONDS)], workload: 'busy' },
  { panel: 'tcptop', tool: ['/usr/sbin/tcptop', '-C', '1', String(SECONDS)], workload: 'tcp' },
  { panel: 'biotop', tool: ['/usr/sbin/biotop', '-C', '1', String(SECONDS)], workload: 'directio' },
  { panel: 'filetop', tool: ['/usr/sbin/filetop', '-C', '1', String(SECONDS)], workload: 'reads' },
  { panel: 'cachetop', tool: ['/usr/sbin/cachestat', '1', String(SECONDS)], workload: 'reads' },
];

if (!existsSync('/usr/sbin/softirqs')) throw new Error('libbpf-tools is not installed: apt-get install -y libbpf-tools');
console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), kernel ${os.release()}, node ${process.version}; ${SECONDS} s at 1 s, ${ROUNDS} rounds`);
const results = [];
try {
  for (const p of PANELS) {
    const s = { cpu: [], rss: [] };
    const t = { cpu: [], rss: [], err: '' };
    for (let r = 0; r < ROUNDS; r++) {
      const load = spawn(WORKLOADS[p.workload][0], WORKLOADS[p.workload].slice(1), { stdio: 'ignore', detached: true });
      try {
        await new Promise((res) => setTimeout(res, 500));
        const [a, b] = await Promise.all([
          timed([sixty, '--batch', '--panels', p.panel, '-i', '1', '-c', String(SECONDS)]),
          timed(p.tool),
        ]);
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
    const row = { panel: p.panel, tool: path.basename(p.tool[0]), sixtyCpuS: median(s.cpu), sixtyPeakMb: median(s.rss), toolCpuS: t.cpu.length ? median(t.cpu) : null, toolPeakMb: t.rss.length ? median(t.rss) : null, toolError: t.cpu.length ? null : t.err };
    results.push(row);
    const vs = row.toolCpuS !== null ? `; ${row.tool}: ${row.toolCpuS.toFixed(2)} s, ${row.toolPeakMb.toFixed(0)} MB: sixty ${(row.sixtyCpuS / row.toolCpuS).toFixed(1)}× the CPU, ${(row.sixtyPeakMb / row.toolPeakMb).toFixed(1)}× the memory` : `; ${row.tool} does not run here (${row.toolError})`;
    console.log(`${p.panel}: sixty --batch ${row.sixtyCpuS.toFixed(2)} s CPU, peak ${row.sixtyPeakMb.toFixed(0)} MB${vs}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'batch-vs-libbpf-tools', seconds: SECONDS, rounds: ROUNDS, results }));
