/** Gates for tests that need the kernel: with SIXTY_REQUIRE_BPF=1 a missing prerequisite fails, never skips. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { PANELS } from '../../src/panels/registry.js';
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

export function bpfIds(): BpfIds {
  const ids = (what: 'prog' | 'link'): Set<number> => new Set(bpftoolList(what).map((x) => x.id));
  return { progs: ids('prog'), links: ids('link') };
}

/**
 * The ids of the loaded programs whose name starts with `${stem}_` (one panel's, or the probe's). Counting every
 * program on the host would race with anything else that loads or frees one meanwhile (systemd attaches cgroup
 * programs when a unit with IP rules starts, and they go when it stops).
 */
export function progsOf(stem: string): Set<number> {
  return new Set(bpftoolList('prog').filter((p) => (p.name ?? '').startsWith(`${stem}_`)).map((p) => p.id));
}

/** The ids of the loaded programs of sixty's panels (not its probe's, which come and go while tiers are tried). */
export function panelProgs(): Set<number> {
  const stems = PANELS.flatMap((p) => (p.source.kind === 'bpf' ? [`${p.source.stem}_`] : []));
  return new Set(bpftoolList('prog').filter((p) => stems.some((s) => (p.name ?? '').startsWith(s))).map((p) => p.id));
}

/** Waits until no program or link exists beyond the baseline; returns what is left over after the timeout. */
export async function waitForBaseline(base: BpfIds, timeoutMs = scaled(3000)): Promise<{ progs: number[]; links: number[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = bpfIds();
    const progs = [...now.progs].filter((id) => !base.progs.has(id));
    const links = [...now.links].filter((id) => !base.links.has(id));
    if ((progs.length === 0 && links.length === 0) || Date.now() > deadline) return { progs, links };
    await sleep(50);
  }
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
export function lines(child: ChildProcess): { all: string[]; first: Promise<string>; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
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
 * Waits until the only sixty programs loaded are the `expected` ones of the current test. Programs of an earlier
 * test or process are freed asynchronously after close, and their detaching from a tracepoint that the current
 * test also uses must not overlap a measured interval.
 */
export async function settled(expected: number, timeoutMs = scaled(10_000)): Promise<void> {
  const stems = ['probe', ...PANELS.flatMap((p) => (p.source.kind === 'bpf' ? [p.source.stem] : []))];
  const ours = (): number => bpftoolList('prog').filter((p) => stems.some((s) => (p.name ?? '').startsWith(`${s}_`))).length;
  const deadline = Date.now() + timeoutMs;
  while (ours() > expected) {
    if (Date.now() > deadline) assert.fail(`earlier BPF programs still loaded after ${timeoutMs} ms: ${ours()} of sixty's, expected ${expected}`);
    await sleep(50);
  }
  await sleep(100); // and let the tracepoint's probe list settle
}

/**
 * setpriv's options for a real non-root user (nobody) allowed only to read files, so it can start node from any
 * checkout (CI clones into a private temporary directory, which nobody could not otherwise enter).
 */
export const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];
