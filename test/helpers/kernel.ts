/** Gates for tests that need the kernel: with SIXTY_REQUIRE_BPF=1 a missing prerequisite fails, never skips. */
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadAddon } from '../../src/native.js';
import { ADDON_PATH, ROOT } from '../../src/paths.js';

export const REQUIRE_BPF = process.env.SIXTY_REQUIRE_BPF === '1';

/**
 * Waiting times stretched for slow machines: SIXTY_TIME_SCALE (test/kernels/run sets it for guests under emulation,
 * where Node starts about 5× and forks about 47× slower). Only how long a test waits for something changes.
 */
export const scaled = (ms: number): number => ms * Math.max(1, Number(process.env.SIXTY_TIME_SCALE ?? 1) || 1);
export const CLI = join(ROOT, 'build', 'js', 'src', 'main.js');
export const LAUNCHER = join(ROOT, 'scripts', 'sixty');

function whyNoBpf(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'no kernel BTF at /sys/kernel/btf/vmlinux';
  if (!existsSync(ADDON_PATH)) return `addon not built (${ADDON_PATH})`;
  if (!existsSync(CLI)) return `app not built (${CLI})`;
  return null;
}

/** True when the test may run; otherwise skips it, or fails it under SIXTY_REQUIRE_BPF=1. */
export function needsBpf(t: TestContext): boolean {
  const why = whyNoBpf();
  if (!why) return true;
  if (REQUIRE_BPF) assert.fail(`SIXTY_REQUIRE_BPF=1 but ${why}`);
  t.skip(why);
  return false;
}

export interface BpfIds {
  progs: Set<number>;
  links: Set<number>;
}

/**
 * `bpftool -j prog list` or `link list`, as objects. A link or program that is being created or torn down while
 * bpftool walks the ids gives EAGAIN (bpftool then exits 255 with an {error} entry): the listing is taken again
 * until it is whole.
 */
function bpftoolList(what: 'prog' | 'link'): { id: number; name?: string }[] {
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync('bpftool', ['-j', what, 'list'], { encoding: 'utf8' });
    const list = JSON.parse(r.stdout || '[]') as { id?: number; name?: string; error?: string }[];
    const whole = r.status === 0 && !list.some((x) => x.error !== undefined);
    if (whole) return list as { id: number; name?: string }[];
    if (attempt >= 50) throw new Error(`bpftool -j ${what} list: ${list.find((x) => x.error)?.error ?? r.stderr}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** Every program and link in the kernel now (whoever loaded them). */
export function kernelBpf(): BpfIds {
  const ids = (what: 'prog' | 'link'): Set<number> => new Set(bpftoolList(what).map((x) => x.id));
  return { progs: ids('prog'), links: ids('link') };
}

/** The names of the kernel's programs by id (for messages, and to tell one panel's programs from another's). */
export function programNames(): Map<number, string> {
  return new Map(bpftoolList('prog').map((p) => [p.id, p.name ?? '']));
}

/**
 * The programs and links process `pid` holds now, from its descriptors' fdinfo (prog_id, link_id): what the kernel
 * says this process loaded and keeps, whatever else runs on the host (a user's own sixty, another test, systemd).
 */
export function bpfHeldBy(pid: number): BpfIds {
  const out: BpfIds = { progs: new Set(), links: new Set() };
  for (const info of fdinfos(pid)) {
    const prog = /^prog_id:\s*(\d+)$/m.exec(info);
    const link = /^link_id:\s*(\d+)$/m.exec(info);
    if (prog) out.progs.add(Number(prog[1]));
    if (link) out.links.add(Number(link[1]));
  }
  return out;
}

/** The fdinfo text of each descriptor process `pid` has open now (none once it ended; one closed meanwhile is left out). */
function fdinfos(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return []; // it ended
  }
  const out: string[] = [];
  for (const fd of fds) {
    try {
      out.push(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** BPF_MAP_TYPE_RINGBUF, as fdinfo's map_type gives it */
const MAP_TYPE_RINGBUF = 27;

/**
 * The ring buffer maps process `pid` holds now, by map id: each one's size in bytes (its max_entries), from its
 * descriptors' fdinfo (an event panel's ring, whatever other process has rings of its own).
 */
export function ringsHeldBy(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const info of fdinfos(pid)) {
    const type = /^map_type:\s*(\d+)$/m.exec(info);
    const id = /^map_id:\s*(\d+)$/m.exec(info);
    const size = /^max_entries:\s*(\d+)$/m.exec(info);
    if (type && Number(type[1]) === MAP_TYPE_RINGBUF && id && size) out.set(Number(id[1]), Number(size[1]));
  }
  return out;
}

/** The programs process `pid` holds (this test process by default) whose name starts with `${stem}_`: one panel's. */
export function heldOf(stem: string, pid = process.pid): Set<number> {
  const names = programNames();
  return new Set([...bpfHeldBy(pid).progs].filter((id) => (names.get(id) ?? '').startsWith(`${stem}_`)));
}

/** `pid` and every process below it (from /proc's parent links). */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // The parent is the 4th field, after the command in parentheses (which may hold spaces and parentheses).
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* ended */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, p] of parent) if (p === out[i]) out.push(child);
  return out;
}

/** The process running sixty's app below `pid` (the launcher's node, or the launcher itself after exec), if any. */
export function sixtyBelow(pid: number): number | undefined {
  return processTree(pid).find((p) => {
    try {
      // Node itself, running the CLI: once sixty names itself (process.title), its command line reads "sixty" only.
      if (basename(readlinkSync(`/proc/${p}/exe`)) !== basename(process.execPath)) return false;
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return argv.includes(CLI) || argv[0] === 'sixty';
    } catch {
      return false;
    }
  });
}

/**
 * What one process (a sixty the test started) holds, sampled while it runs; after it ends, `gone()` waits until the
 * kernel has freed all of it. Follows only that process's own programs and links, by id.
 */
export class HeldBpf {
  readonly progs = new Set<number>();
  readonly links = new Set<number>();

  /** Adds what `pid` holds now; returns how many programs it holds now. */
  sample(pid: number): number {
    const now = bpfHeldBy(pid);
    for (const id of now.progs) this.progs.add(id);
    for (const id of now.links) this.links.add(id);
    return now.progs.size;
  }

  /** Samples `pid()` every 100 ms (programs a panel attaches while on screen come and go) until `stop()`. */
  watch(pid: () => number | undefined): { stop: () => void } {
    const timer = setInterval(() => {
      try {
        const p = pid();
        if (p !== undefined) this.sample(p);
      } catch {
        /* not started yet, or ended */
      }
    }, 100);
    return { stop: () => clearInterval(timer) };
  }

  /** Waits until none of what was sampled is in the kernel; returns what is left after the timeout. */
  async gone(timeoutMs = scaled(3000)): Promise<{ progs: number[]; links: number[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const k = kernelBpf();
      const left = { progs: [...this.progs].filter((id) => k.progs.has(id)), links: [...this.links].filter((id) => k.links.has(id)) };
      if ((left.progs.length === 0 && left.links.length === 0) || Date.now() > deadline) return left;
      await sleep(50);
    }
  }
}

/**
 * Every program this test process has loaded (the engine's panels, the attach-type probes, a test's own loads), by id:
 * the addon's load is followed from the first test on.
 */
const loadedHere = new Set<number>();
let following = false;
function followLoads(): void {
  if (following) return;
  following = true;
  const addon = loadAddon();
  const load = addon.load.bind(addon);
  addon.load = async (...args: Parameters<typeof load>) => {
    const obj = await load(...args);
    for (const p of obj.programs()) if (p.id !== undefined) loadedHere.add(p.id);
    return obj;
  };
}

/** Waits until `pred` holds; fails the test, naming what it waited for, after `timeoutMs` (scaled) instead of hanging. */
export async function until(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + scaled(timeoutMs);
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(`waited ${scaled(timeoutMs)} ms for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Spawns sixty's compiled CLI (no launcher) with a clean environment for Ink. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const e: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', ...env };
  delete e.CI;
  return spawn(process.execPath, [CLI, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects a child's stdout lines; resolves `first` when the first line arrives. */
export function lines(child: ChildProcess): {
  all: string[];
  first: Promise<string>;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const all: string[] = [];
  let err = '';
  let buf = '';
  let resolveFirst: (s: string) => void = () => {};
  const first = new Promise<string>((r) => (resolveFirst = r));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      all.push(line);
      if (all.length === 1) resolveFirst(line);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { all, first, stderr: () => err, exit };
}

/**
 * Waits until every program this process loaded and has closed is gone from the kernel (freeing is asynchronous,
 * after close), so that a test starts from its own clean state. Programs anyone else holds (a user's sixty on the
 * host, another test) are not this test's business. Call it at the start of a test, before it loads anything.
 */
export async function settled(timeoutMs = scaled(10_000)): Promise<void> {
  followLoads();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = bpfHeldBy(process.pid).progs;
    const inKernel = kernelBpf().progs;
    const left = [...loadedHere].filter((id) => inKernel.has(id) && !held.has(id));
    for (const id of loadedHere) if (!inKernel.has(id)) loadedHere.delete(id);
    if (left.length === 0) return;
    if (Date.now() > deadline) assert.fail(`programs this test process closed are still in the kernel after ${timeoutMs} ms: ${left.join(' ')}`);
    await sleep(50);
  }
}

/**
 * setpriv's options for a real non-root user (nobody) allowed only to read files, so it can start node from any
 * checkout (CI clones into a private temporary directory, which nobody could not otherwise enter).
 */
export const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];

/** A TCP port free on 127.0.0.1 now (bound and released): for a server a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
