// Per-event cost of each panel's hooks, on the tier the ladder picks on this kernel: the panel's workload with and
// without the panel's programs attached, alternating in each round (medians of the rounds), and the in-BPF run time
// per event from kernel.bpf_stats_enabled (in its own arm: the stats add two clock reads per run).
//   filetop, cachetop: pread(2) of 64 bytes from a page-cached regular file (bench/readloop.c), one event per call
//   biotop:            4 KiB O_DIRECT writes to a loop device backed by /dev/shm (dd), one I/O per write
// tcptop has its own: bench/tcptop-cost.mjs. softirqs and runqlen fire per softirq and per timer sample, not per call
// of a workload: their in-BPF cost per run is in bench/tier-cost.mjs.
// Usage (root, after npm run build): node bench/panel-cost.mjs [rounds=5] [panel...]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttachProber } from '../build/js/src/kernel/attach-types.js';
import { ensureTracefs } from '../build/js/src/kernel/tracefs.js';
import { loadAddon } from '../build/js/src/native.js';
import { panelById } from '../build/js/src/panels/registry.js';
import { bpfObjectPath } from '../build/js/src/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const ROUNDS = Number(process.argv[2] ?? 5);
const only = process.argv.slice(3);
const addon = loadAddon();
const prober = new AttachProber(addon, ensureTracefs);
const kernel = { functionParams: (n) => addon.kernelFunctionParams(n) };
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const bin = path.join(here, '..', 'build', 'bench', 'readloop');
if (!existsSync(bin)) {
  mkdirSync(path.dirname(bin), { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-o', bin, path.join(here, 'readloop.c')], { stdio: 'inherit' });
}
const scratch = path.join(here, '..', 'tmp', `panel-cost-${process.pid}`);
mkdirSync(scratch, { recursive: true });
const cached = path.join(scratch, 'cached.dat');
writeFileSync(cached, Buffer.alloc(1 << 20, 1));

/** Each workload returns { events, ns }: the events the panel's hooks see, and the workload's own time. */
const WORKLOADS = {
  filetop: () => {
    const [calls, ns] = execFileSync(bin, [cached, '400000', '64'], { encoding: 'utf8' }).trim().split(' ').map(Number);
    return { events: calls, ns };
  },
  cachetop: () => WORKLOADS.filetop(),
  biotop: () => {
    const img = path.join('/dev/shm', `sixty-panelcost-${process.pid}.img`);
    writeFileSync(img, '');
    execFileSync('truncate', ['-s', '64M', img]);
    const loop = execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
    try {
      // dd's own timing of its copy loop (process start-up left out): "..., 0.281 s, 117 MB/s".
      const r = spawnSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', 'count=16000', 'oflag=direct'], { encoding: 'utf8' });
      const s = /, ([\d.]+) s,/.exec(r.stderr);
      if (r.status !== 0 || !s) throw new Error(`dd: ${r.stderr}`);
      return { events: 16000, ns: Number(s[1]) * 1e9 };
    } finally {
      execFileSync('losetup', ['-d', loop]);
      rmSync(img, { force: true });
    }
  },
};

/** The tier the ladder picks: the first whose attach types pass and whose programs load and attach. */
async function attachFirst(def) {
  for (const tier of def.source.tiers) {
    if (!(await Promise.all(tier.types.map((t) => prober.probe(t)))).every((r) => r.ok)) continue;
    let obj;
    try {
      const rodata = tier.rodata?.(kernel);
      obj = await addon.load(bpfObjectPath(def.source.stem), [...tier.programs], rodata ? { rodata } : {});
      obj.attach();
      return { obj, tier: tier.name };
    } catch {
      obj?.close();
    }
  }
  throw new Error(`${def.id}: no tier attaches here`);
}

const prevStats = readFileSync(STATS, 'utf8').trim();
const results = [];
try {
  for (const id of only.length ? only : Object.keys(WORKLOADS)) {
    const def = panelById(id);
    const work = WORKLOADS[id];
    if (!def || !work) throw new Error(`no workload for ${id}`);
    WORKLOADS[id](); // warm: the file in the page cache, the binary loaded
    const detached = [];
    const attached = [];
    const inBpf = [];
    let tier = '';
    for (let r = 0; r < ROUNDS; r++) {
      // Rotating order, so drift on a noisy machine does not favour one arm.
      const arms = ['detached', 'attached', 'stats'];
      for (let i = 0; i < arms.length; i++) {
        const arm = arms[(i + r) % arms.length];
        if (arm === 'detached') {
          const w = work();
          detached.push(w.ns / w.events);
          continue;
        }
        writeFileSync(STATS, arm === 'stats' ? '1' : '0');
        const a = await attachFirst(def);
        tier = a.tier;
        try {
          const w = work();
          if (arm === 'attached') attached.push(w.ns / w.events);
          else {
            const ran = a.obj.programs().filter((p) => p.loaded);
            const ns = ran.reduce((s, p) => s + (p.runTimeNs ?? 0), 0);
            inBpf.push(ns / w.events);
          }
        } finally {
          a.obj.close();
          writeFileSync(STATS, '0');
        }
      }
    }
    const d = median(detached);
    const a = median(attached);
    const row = { panel: id, tier, detachedNsPerEvent: d, attachedNsPerEvent: a, addedNsPerEvent: a - d, ratio: a / d, inBpfNsPerEvent: median(inBpf) };
    console.log(
      `${id} [${tier}]: ${d.toFixed(0)} ns per event detached, ${a.toFixed(0)} attached: +${(a - d).toFixed(0)} ns (×${(a / d).toFixed(3)}); in BPF ${row.inBpfNsPerEvent.toFixed(0)} ns per event`,
    );
    results.push(row);
  }
} finally {
  writeFileSync(STATS, prevStats);
  rmSync(scratch, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'panel-cost', kernel: os.release(), cpus: os.cpus().length, rounds: ROUNDS, results }));
