// Per-event cost of each panel's hooks, on the tier the ladder picks on this kernel: the panel's workload with and
// without the panel's programs attached, alternating in each round (medians of the rounds), and the in-BPF run time
// per event from kernel.bpf_stats_enabled (in its own arm: the stats add two clock reads per run).
// Each panel's workload is its fixture's bench.perEvent (test/panels/ID.ts): for example pread(2) of 64 bytes from a
// page-cached file (bench/readloop.c) for filetop and cachetop, 4 KiB O_DIRECT writes to a loop device for biotop.
// tcptop has its own: bench/tcptop-cost.mjs. softirqs and runqlen fire per softirq and per timer sample, not per call
// of a workload: their in-BPF cost per run is in bench/tier-cost.mjs.
// Usage (root, after npm run build): node bench/panel-cost.mjs [rounds=5] [panel...]
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttachProber } from '../build/js/src/kernel/attach-types.js';
import { ensureTracefs } from '../build/js/src/kernel/tracefs.js';
import { loadAddon } from '../build/js/src/native.js';
import { panelById } from '../build/js/src/panels/registry.js';
import { bpfObjectPath } from '../build/js/src/paths.js';
import { register } from 'tsx/esm/api';

register();
const { FIXTURES } = await import('../test/panels/index.ts');

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
const schedloop = path.join(here, '..', 'build', 'bench', 'schedloop');
if (!existsSync(schedloop) || statSync(schedloop).mtimeMs < statSync(path.join(here, 'schedloop.c')).mtimeMs)
  execFileSync('gcc', ['-O2', '-Wall', '-o', schedloop, path.join(here, 'schedloop.c')], { stdio: 'inherit' });
const eventloop = path.join(here, '..', 'build', 'bench', 'eventloop');
if (!existsSync(eventloop) || statSync(eventloop).mtimeMs < statSync(path.join(here, 'eventloop.c')).mtimeMs)
  execFileSync('gcc', ['-O2', '-Wall', '-o', eventloop, path.join(here, 'eventloop.c')], { stdio: 'inherit' });
const scratch = path.join(here, '..', 'tmp', `panel-cost-${process.pid}`);
mkdirSync(scratch, { recursive: true });
const cached = path.join(scratch, 'cached.dat');
writeFileSync(cached, Buffer.alloc(1 << 20, 1));

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
  const measured = [...FIXTURES.values()].filter((f) => f.bench?.perEvent).map((f) => f.panel.id);
  // A panel's workloads: one (perEvent is a function) or several by name (the process panel: fork-exec, ping-pong).
  const jobs = (only.length ? only : measured).flatMap((id) => {
    const def = panelById(id);
    const perEvent = FIXTURES.get(id)?.bench?.perEvent;
    if (!def || !perEvent) throw new Error(`no workload for ${id} (its fixture, test/panels/${id}.ts, has no bench.perEvent)`);
    return typeof perEvent === 'function' ? [{ id, def, name: '', run: perEvent }] : Object.entries(perEvent).map(([name, run]) => ({ id, def, name, run }));
  });
  for (const { id, def, name, run } of jobs) {
    const work = () => run({ readloop: bin, cached, schedloop, eventloop });
    work(); // warm: the file in the page cache, the binary loaded
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
    const row = {
      panel: id,
      ...(name ? { workload: name } : {}),
      tier,
      detachedNsPerEvent: d,
      attachedNsPerEvent: a,
      addedNsPerEvent: a - d,
      ratio: a / d,
      inBpfNsPerEvent: median(inBpf),
    };
    console.log(
      `${id}${name ? ` ${name}` : ''} [${tier}]: ${d.toFixed(0)} ns per event detached, ${a.toFixed(0)} attached: +${(a - d).toFixed(0)} ns (×${(a / d).toFixed(3)}); in BPF ${row.inBpfNsPerEvent.toFixed(0)} ns per event`,
    );
    results.push(row);
  }
} finally {
  writeFileSync(STATS, prevStats);
  rmSync(scratch, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'panel-cost', kernel: os.release(), cpus: os.cpus().length, rounds: ROUNDS, results }));
