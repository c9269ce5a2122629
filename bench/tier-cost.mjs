// In-kernel cost per event of every hook tier this kernel supports, for softirqs, tcptop, biotop, filetop, cachetop and runqlen: each tier's
// programs attached alone, kernel.bpf_stats_enabled on, the panel's workload run, then run_time_ns / run_cnt per
// program. Under emulation (test/kernels/run) times are slow, so compare tiers by ratio within one kernel.
// Usage (root, after npm run build): node bench/tier-cost.mjs [panel...]
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttachProber } from '../build/js/src/kernel/attach-types.js';
import { loadAddon } from '../build/js/src/native.js';
import { PANELS } from '../build/js/src/panels/registry.js';
import { bpfObjectPath } from '../build/js/src/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const only = process.argv.slice(2);
const addon = loadAddon();
const prober = new AttachProber(addon);
const kernel = { functionParams: (n) => addon.kernelFunctionParams(n) };

const WORKLOADS = {
  softirqs: () => execFileSync('python3', ['-c', "import socket\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen()\nc=socket.create_connection(s.getsockname());a,_=s.accept()\nfor i in range(3000): c.send(b'x'*100); a.recv(100)"]),
  tcptop: () => execFileSync('python3', [path.join(here, '..', 'test', 'fixtures', 'tcp_workload.py')]),
  // 20,000 reads and 20,000 writes of 64 bytes (dd between /dev/zero and /dev/null): two calls per block.
  filetop: () => execFileSync('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64', 'count=20000'], { stdio: 'ignore' }),
  // A 16 MiB file written, then read twice: page-cache misses, dirties and hits.
  cachetop: () => {
    const f = `/dev/shm/sixty-tiercost-${process.pid}.dat`;
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${f}`, 'bs=1M', 'count=16'], { stdio: 'ignore' });
      for (let i = 0; i < 2; i++) execFileSync('dd', [`if=${f}`, 'of=/dev/null', 'bs=64K'], { stdio: 'ignore' });
    } finally {
      rmSync(f, { force: true });
    }
  },
  // One busy loop for a second: runqlen's programs run on every timer sample of every CPU.
  runqlen: () => execFileSync('sh', ['-c', 'timeout 1 sh -c "while :; do :; done"; true']),
  biotop: () => {
    const img = `/dev/shm/sixty-tiercost-${process.pid}.img`;
    writeFileSync(img, '');
    execFileSync('truncate', ['-s', '32M', img]);
    const loop = execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', 'count=2000', 'oflag=direct'], { stdio: 'ignore' });
    } finally {
      execFileSync('losetup', ['-d', loop]);
      rmSync(img, { force: true });
    }
  },
};

const prev = readFileSync(STATS, 'utf8').trim();
writeFileSync(STATS, '1');
const results = [];
try {
  for (const def of PANELS) {
    if (def.source.kind !== 'bpf' || !WORKLOADS[def.id] || (only.length && !only.includes(def.id))) continue;
    const costs = [];
    for (const tier of def.source.tiers) {
      if (!(await Promise.all(tier.types.map((t) => prober.probe(t)))).every((r) => r.ok)) continue;
      let obj;
      try {
        const rodata = tier.rodata?.(kernel);
        obj = await addon.load(bpfObjectPath(def.source.stem), [...tier.programs], rodata ? { rodata } : {});
        obj.attach();
      } catch {
        obj?.close();
        continue;
      }
      try {
        WORKLOADS[def.id]();
        let runs = 0;
        let ns = 0;
        for (const p of obj.programs().filter((x) => x.loaded)) {
          runs += p.runCount ?? 0;
          ns += p.runTimeNs ?? 0;
        }
        if (runs > 0) costs.push({ tier: tier.name, runs, nsPerRun: ns / runs });
      } finally {
        obj.close();
      }
    }
    const base = Math.min(...costs.map((c) => c.nsPerRun));
    for (const c of costs) console.log(`${def.id} ${c.tier}: ${c.nsPerRun.toFixed(0)} ns per program run (${c.runs} runs), ×${(c.nsPerRun / base).toFixed(2)} of the cheapest`);
    results.push({ panel: def.id, costs: costs.map((c) => ({ ...c, ratio: c.nsPerRun / base })) });
  }
} finally {
  writeFileSync(STATS, prev);
}
console.log(JSON.stringify({ bench: 'tier-cost', kernel: os.release(), results }));
