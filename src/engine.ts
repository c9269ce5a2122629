/**
 * The engine: opens the chosen panels (each through its source: BPF or /proc), then once per interval reads every
 * open panel in one tick with one timestamp, derives rows against the previous sample with the measured elapsed
 * time, and publishes an immutable frame.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { onlineCpus } from './kernel/cpus.js';
import { inInitialPidNamespace, missingBpfPrivileges, readPrivileges, type Privileges } from './kernel/privileges.js';
import { ensureTracefs } from './kernel/tracefs.js';
import { loadAddon, type Addon } from './native.js';
import { oneLine } from './errors.js';
import { deepFreeze, EMPTY_SUMMARY, hostOf, type Frame, type PanelFrame, type PanelStatus, type TierAttempt } from './frame.js';
import { sortRows } from './panels/sort.js';
import type { AnyPanelDef } from './panels/types.js';
import type { PanelStats, ProcessTotals, Row, Summary } from './rows.js';
import { bpfContext, KERNEL_BTF, missingBtf, openBpfSource, type BpfContext } from './sources/bpf.js';
import { openKmsg } from './sources/kmsg.js';
import { openProcSource, readProcText } from './sources/proc.js';
import type { KmsgReader } from './records/procfs.js';
import type { CgroupFilter } from './kernel/cgroups.js';
import type { HostInfo, OpenOutcome, ProgramStats, SourceHandle } from './sources/types.js';

const NO_PROGRAMS: ProgramStats = { missed: 0, runs: 0, runNs: 0 };
import { History, Store } from './store.js';

/** What the engine takes from the machine; tests replace any of it. */
export interface EngineDeps {
  privileges: () => Privileges;
  btfPath: string;
  addon: () => Addon;
  /** null when classic tracepoints can be used (mounts tracefs when it can); otherwise why not */
  tracefs: () => string | null;
  readText: (path: string) => string;
  listDir: (path: string) => string[];
  /** a directory's subdirectories (cgroups) */
  listSubdirs: (path: string) => string[];
  /** a file's inode number, or null when it is gone (a cgroup2 directory's is the cgroup's id) */
  statIno: (path: string) => number | null;
  /** a symbolic link's target (/proc/PID/cwd), or null when it cannot be read */
  readLink: (path: string) => string | null;
  /** many small files in one call (the addon's); absent: readText one at a time */
  readFiles?: (paths: readonly string[]) => (string | null)[];
  openKmsg: () => KmsgReader;
  onlineCpus: () => number;
  /** monotonic nanoseconds (elapsed times) */
  hrtime: () => bigint;
  /** wall-clock milliseconds (frame times) */
  now: () => number;
  /** sixty's own CPU time so far (µs, user + system) and resident memory (bytes) */
  selfUsage: () => { cpuUs: number; rssBytes: number };
  /** kernel.bpf_stats_enabled is on: BPF programs' run counts and times are counted */
  bpfStatsEnabled?: () => boolean;
}

/** The addon's readFiles, loaded when first used; where the addon cannot load, readProcText one file at a time. */
export function addonReadFiles(addon: () => Addon): (paths: readonly string[]) => (string | null)[] {
  let read: ((paths: readonly string[]) => (string | null)[]) | undefined;
  return (paths) => {
    if (!read) {
      try {
        const a = addon();
        read = (p) => a.readFiles(p);
      } catch {
        read = (p) =>
          p.map((x) => {
            try {
              return readProcText(x);
            } catch {
              return null;
            }
          });
      }
    }
    return read(paths);
  };
}

/** kernel.bpf_stats_enabled, read each interval (a user or another tool may switch it); false when unreadable. */
export function readBpfStatsEnabled(): boolean {
  try {
    return readProcText('/proc/sys/kernel/bpf_stats_enabled').trim() !== '0';
  } catch {
    return false;
  }
}

export const DEFAULT_DEPS: EngineDeps = {
  privileges: () => readPrivileges(),
  btfPath: KERNEL_BTF,
  addon: loadAddon,
  tracefs: ensureTracefs,
  readText: readProcText,
  listDir: (path) => readdirSync(path),
  listSubdirs: (path) =>
    readdirSync(path, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  statIno: (path) => {
    try {
      return Number(statSync(path, { bigint: true }).ino);
    } catch {
      return null;
    }
  },
  readLink: (path) => {
    try {
      return readlinkSync(path);
    } catch {
      return null;
    }
  },
  openKmsg: () => openKmsg(),
  onlineCpus: () => onlineCpus(),
  hrtime: () => process.hrtime.bigint(),
  now: () => Date.now(),
  selfUsage: () => {
    const c = process.cpuUsage();
    return { cpuUs: c.user + c.system, rssBytes: process.memoryUsage.rss() };
  },
  bpfStatsEnabled: readBpfStatsEnabled,
};

/** A panel's trends when the engine keeps none (--serve). */
const EMPTY_HISTORY: PanelFrame['history'] = Object.freeze({});

export interface EngineOptions {
  panels: readonly AnyPanelDef[];
  intervalMs: number;
  /** panels the user named (--panels): attached from start, even those attached only while on screen */
  requested?: ReadonlySet<string>;
  /**
   * Per-process totals over every key (PanelDef.byProcess), for the metrics endpoint. Off unless it serves: they walk
   * every entry each interval (about 1 ms at 10k connections), and nothing else shows them.
   */
  byProcess?: boolean;
  /** --cgroup: only this subtree, in every panel that has cgroups */
  cgroup?: CgroupFilter;
  /**
   * Leave this process out where its own work would be most of what a panel sees (opensnoop's and filetop's programs,
   * in the kernel: its scan of /proc is hundreds of opens and reads each interval). --serve, which also leaves its own
   * rows out of what it records.
   */
  omitSelf?: boolean;
  /**
   * Every event panel's BPF ring buffer this many bytes (a power of two), instead of each one's own (1 to 8 MiB): --ring-size,
   * and --serve's 1 MiB. Each ring's pages are the kernel's from load and count in sixty's RSS once mapped.
   */
  ringBytes?: number;
  /**
   * Each row's trend (its sparkline's last HISTORY_LENGTH values). On unless nothing draws them: --serve has no screen,
   * its recordings keep no trends (replay rebuilds them) and /metrics has none; there they cost about 4 % of its time.
   */
  trends?: boolean;
  deps?: Partial<EngineDeps>;
}

/**
 * The next tick's number after tick `k` ran at `now` (ticks fall at t0 + k × interval). After a stall (a stopped
 * process, a slow tick) the ticks that were missed are skipped, never caught up in a burst, and the next one is at
 * least half an interval away: every interval's elapsed time stays meaningful, and idleness is not faked by short reads.
 */
export function nextTick(t0: number, intervalMs: number, now: number, k: number): number {
  return Math.max(k + 1, Math.ceil((now + intervalMs / 2 - t0) / intervalMs));
}

/** One panel's life in the engine; everything the next frame is built from. */
interface Running {
  def: AnyPanelDef;
  status: PanelStatus;
  tier: string | null;
  hooks: string | null;
  reason: string | null;
  attempts: readonly TierAttempt[];
  handle?: SourceHandle<unknown>;
  /** attached only while on screen (and not asked for with --panels) */
  onDemand: boolean;
  /** an on-demand panel is wanted now (it is on screen) */
  wanted: boolean;
  /** an open in flight */
  opening: boolean;
  attachedAt: string | null;
  /** monotonic ns of its previous read: each panel's rates divide by its own elapsed time */
  lastNs: bigint;
  previous?: unknown;
  /** its programs' counters at the previous read */
  programs: ProgramStats;
  history: History;
  rows: readonly Row[];
  summary: Summary;
  stats: PanelStats;
  historyView: PanelFrame['history'];
  byProcess?: readonly ProcessTotals[];
  /** an event panel's recent events, newest first */
  events?: readonly Row[] | undefined;
}

/**
 * Closes a panel that leaves the screen without freezing the console: detaching from a system call tracepoint waits
 * in the kernel for each link (filetop's 20 took 1.6 s on 6.18, one after another). The object is closed for
 * JavaScript at once; the kernel's part finishes in a worker thread.
 */
function closeInBackground(h: SourceHandle<unknown>): void {
  if (h.closeAsync) void h.closeAsync();
  else h.close();
}

// Made once, not per tick: an arrow made per call loses its optimized code at each major GC (models/delta.ts, addCounts).
const panelSeen = (r: Running): { id: string; status: PanelStatus; reason: string | null; rows: readonly Row[]; stats: PanelStats; summary: Summary } => ({
  id: r.def.id,
  status: r.status,
  reason: r.reason,
  rows: r.rows,
  stats: r.stats,
  summary: r.summary,
});
/** panels that read others' frames (home, the tools list) after those */
const byReadsPanels = (a: Running, b: Running): number => (a.def.readsPanels ?? 0) - (b.def.readsPanels ?? 0);

const STANDBY_REASON = (id: string): string =>
  `attached only while on screen: its hooks run on every read and write of every process (--panels ${id} keeps it attached)`;

export class Engine {
  readonly store: Store;
  private readonly running: Running[];
  private readonly deps: EngineDeps;
  private readonly host: HostInfo;
  private timer: NodeJS.Timeout | undefined;
  private lastNs = 0n;
  private lastCpuUs = 0;
  private interval: number;
  private self: { cpuPct: number | null; rssBytes: number; pid: number } = { cpuPct: null, rssBytes: 0, pid: process.pid };
  /** kernel.bpf_stats_enabled at this tick */
  private statsOn = false;
  private closed = false;
  /** the first open and baseline are done: on-demand panels may attach */
  private ready = false;
  private bpf: BpfContext | undefined;
  private cpusThisTick: number | undefined;
  /**
   * Each process's /proc/PID/stat as read during this tick's reads (null: gone), else null: the checklist (pidstat, top)
   * and the process table read every process's, and between them read it once.
   */
  private statsThisTick: Map<string, string | null> | null = null;

  constructor(private readonly opts: EngineOptions) {
    this.deps = { ...DEFAULT_DEPS, ...opts.deps };
    this.interval = opts.intervalMs;
    const d = this.deps;
    // The CPUs online are read once a tick, however many panels ask (home, softirqs and runqlen do).
    this.host = {
      onlineCpus: () => (this.cpusThisTick ??= d.onlineCpus()),
      nowNs: () => Number(d.hrtime()),
      readText: d.readText,
      listDir: d.listDir,
      listSubdirs: d.listSubdirs,
      statIno: d.statIno,
      readLink: d.readLink,
      // The addon reads a scan's files in one call, unless the caller gave files of its own (tests' fixtures).
      ...(opts.deps?.readText
        ? d.readFiles
          ? { readFiles: this.sharedStats(d.readFiles) }
          : {}
        : { readFiles: this.sharedStats(d.readFiles ?? addonReadFiles(d.addon)) }),
      openKmsg: d.openKmsg,
      kernelEnum: (name) => {
        try {
          return d.addon().kernelEnum(name);
        } catch {
          return null;
        }
      },
      symbolizeFile: (path, offsets) => {
        try {
          return d.addon().symbolizeFile(path, offsets);
        } catch {
          return { ok: false, names: [] };
        }
      },
      panels: () => this.running.map(panelSeen),
      ...(opts.cgroup ? { cgroupFilter: opts.cgroup } : {}),
      // Only where its pid is the one BPF programs see (not in a container's PID namespace).
      ...(opts.omitSelf && inInitialPidNamespace(d.readLink) ? { omitTgid: process.pid } : {}),
      ...(opts.ringBytes ? { ringBytes: opts.ringBytes } : {}),
    };
    this.running = opts.panels.map((def) => ({
      def,
      status: 'starting',
      tier: null,
      hooks: null,
      reason: null,
      attempts: [],
      onDemand: def.attach === 'on-screen' && !(opts.requested?.has(def.id) ?? false),
      wanted: false,
      opening: false,
      attachedAt: null,
      lastNs: 0n,
      programs: NO_PROGRAMS,
      history: new History(),
      rows: [],
      summary: EMPTY_SUMMARY,
      stats: {},
      historyView: {},
    }));
    this.store = new Store(this.frame(this.deps.now(), 0));
  }

  /**
   * Why none of the panels can run, before anything is opened (a BPF-only run without privileges or without kernel
   * BTF); null when at least one can. Lets the caller say so in one line instead of drawing empty panels.
   */
  nothingCanRun(): string | null {
    if (this.running.some((r) => r.def.source.kind === 'proc' || r.def.source.withoutBpf)) return null;
    return missingBpfPrivileges(this.deps.privileges()) ?? missingBtf(this.deps.btfPath);
  }

  /** The BPF verdict (privileges, BTF, the addon) and attach-type trials, shared by every BPF panel. */
  private bpfContext(): BpfContext {
    this.bpf ??= bpfContext(this.deps.privileges(), this.deps.btfPath, this.deps.addon, this.deps.tracefs);
    return this.bpf;
  }

  private openSource(r: Running): Promise<OpenOutcome<unknown>> | OpenOutcome<unknown> {
    const src = r.def.source;
    return src.kind === 'proc' ? openProcSource(src, this.host) : openBpfSource(src, this.bpfContext(), this.host);
  }

  /** A panel's source is open: it reads from now on. */
  private attached(r: Running, res: OpenOutcome<unknown>): void {
    if (res.ok) {
      r.handle = res.handle;
      Object.assign(r, { status: 'ok', tier: res.handle.tier, hooks: res.handle.hooks, reason: null, attempts: res.handle.attempts });
      r.attachedAt = new Date(this.deps.now()).toISOString();
    } else {
      Object.assign(r, { status: res.status, reason: res.reason, attempts: res.attempts });
    }
  }

  /** The first read of a panel: the start of its first interval. */
  private baseline(r: Running): void {
    if (!r.handle) return;
    try {
      r.previous = r.handle.read();
      r.programs = r.handle.programStats?.() ?? NO_PROGRAMS;
      r.lastNs = this.deps.hrtime();
    } catch (e) {
      this.fail(r, e);
    }
  }

  /**
   * Opens every panel through its source (failures stay in their panel), publishing as each opens, then the baseline.
   * A panel attached only while on screen waits in standby (or says at once why it could not attach at all).
   */
  async open(): Promise<void> {
    for (const r of this.running) {
      if (r.onDemand) {
        // A /proc source needs no privilege: it waits in standby whatever BPF can do.
        const ctx = r.def.source.kind === 'bpf' ? this.bpfContext() : ({ ok: true } as const);
        if (ctx.ok) Object.assign(r, { status: 'standby', reason: STANDBY_REASON(r.def.id) });
        else Object.assign(r, { status: 'off', reason: ctx.reason });
        continue;
      }
      const res = await this.openSource(r);
      if (this.closed) {
        if (res.ok) res.handle.close();
        return;
      }
      this.attached(r, res);
      this.store.publish(this.frame(this.deps.now(), 0));
    }
    // The baseline: every panel read at the same moment, so the first interval has one start for all.
    for (const r of this.running) this.baseline(r);
    this.lastNs = this.deps.hrtime();
    this.lastCpuUs = this.deps.selfUsage().cpuUs;
    this.ready = true;
    this.store.publish(this.frame(this.deps.now(), 0));
    this.applyShown();
  }

  /**
   * The panel now on screen (null: none, e.g. the home screen). A panel attached only while on screen attaches when
   * it is shown and detaches when another is; the others do not care.
   */
  show(id: string | null): void {
    for (const r of this.running) if (r.onDemand) r.wanted = r.def.id === id;
    this.applyShown();
  }

  private applyShown(): void {
    if (!this.ready || this.closed) return;
    for (const r of this.running) {
      if (!r.onDemand || r.opening) continue;
      if (r.wanted && !r.handle && r.status === 'standby') void this.attachOnDemand(r);
      else if (!r.wanted && r.handle) this.detach(r);
    }
  }

  private async attachOnDemand(r: Running): Promise<void> {
    r.opening = true;
    Object.assign(r, { status: 'starting', reason: null });
    this.republish();
    let res: OpenOutcome<unknown>;
    try {
      res = await this.openSource(r);
    } finally {
      r.opening = false;
    }
    if (this.closed || !r.wanted) {
      // Closed, or left the screen while it was attaching.
      if (res.ok && this.closed) res.handle.close();
      else if (res.ok) closeInBackground(res.handle);
      if (!this.closed) Object.assign(r, { status: 'standby', reason: STANDBY_REASON(r.def.id) });
    } else {
      this.attached(r, res);
      this.baseline(r);
    }
    if (!this.closed) {
      this.republish();
      this.applyShown();
    }
  }

  /** Detaches an on-demand panel: its hooks stop costing anything; its rows and history go. */
  private detach(r: Running): void {
    if (r.handle) closeInBackground(r.handle);
    r.handle = undefined;
    Object.assign(r, { status: 'standby', reason: STANDBY_REASON(r.def.id), tier: null, hooks: null, attachedAt: null, previous: undefined });
    Object.assign(r, { rows: [], summary: EMPTY_SUMMARY, stats: {}, historyView: {}, history: new History(), events: undefined });
    this.republish();
  }

  /** The interval now (it can change while running: `+` and `-` in the console). */
  get intervalMs(): number {
    return this.interval;
  }

  /** A new interval, from now: the next tick comes one new interval after this call. */
  setIntervalMs(ms: number): void {
    this.interval = ms;
    if (this.timer && !this.closed) {
      clearTimeout(this.timer);
      this.start();
    }
  }

  /** Starts ticking every intervalMs, aligned to the start (no drift), skipping the ticks a stall made it miss. */
  start(): void {
    const t0 = performance.now();
    let k = 0;
    const schedule = (): void => {
      k = nextTick(t0, this.intervalMs, performance.now(), k);
      this.timer = setTimeout(
        () => {
          this.tick();
          if (!this.closed) schedule();
        },
        Math.max(0, t0 + k * this.intervalMs - performance.now()),
      );
    };
    schedule();
  }

  /** Reads every open panel once, with one timestamp, and publishes the frame. */
  tick(): Frame {
    this.cpusThisTick = undefined;
    const now = this.deps.hrtime();
    const time = this.deps.now();
    const elapsedNs = Number(now - this.lastNs);
    this.lastNs = now;
    // sixty's own CPU over the interval (user + system, all threads) and RSS: what it costs the host it watches.
    const use = this.deps.selfUsage();
    const usedUs = use.cpuUs - this.lastCpuUs;
    this.lastCpuUs = use.cpuUs;
    this.self = { cpuPct: elapsedNs > 0 ? (usedUs * 1e3 * 100) / elapsedNs : null, rssBytes: use.rssBytes, pid: process.pid };
    // Read only when some panel has programs to count (not for /proc panels alone, nor without privileges).
    this.statsOn = this.running.some((r) => r.handle?.programStats) && (this.deps.bpfStatsEnabled?.() ?? false);
    // Panels that read panels come after those they read: they read what this tick made.
    this.statsThisTick = new Map();
    try {
      for (const r of [...this.running].sort(byReadsPanels)) {
        if (!r.handle || r.status !== 'ok') continue;
        try {
          // A panel attached since the last tick measures from its own first read.
          this.step(r, r.handle, Number(now - r.lastNs));
          r.lastNs = now;
        } catch (e) {
          this.fail(r, e);
        }
      }
    } finally {
      // Dropped before the tick ends: kept, the texts would outlive a scavenge or two and be promoted for nothing.
      this.statsThisTick = null;
    }
    const f = this.frame(time, elapsedNs);
    this.store.publish(f);
    return f;
  }

  /** `read`, with each /proc/PID/stat read once a tick (statsThisTick); other files, and reads between ticks, as they are. */
  private sharedStats(read: (paths: readonly string[]) => (string | null)[]): (paths: readonly string[]) => (string | null)[] {
    return (paths) => {
      const cache = this.statsThisTick;
      if (!cache) return read(paths);
      const out: (string | null)[] = new Array<string | null>(paths.length);
      const missing: string[] = [];
      const at: number[] = [];
      for (let i = 0; i < paths.length; i++) {
        const hit = cache.get(paths[i]!);
        if (hit !== undefined) out[i] = hit;
        else {
          missing.push(paths[i]!);
          at.push(i);
        }
      }
      if (missing.length === 0) return out;
      const got = read(missing);
      for (let k = 0; k < missing.length; k++) {
        const p = missing[k]!;
        const text = got[k] ?? null;
        out[at[k]!] = text;
        // /proc/PID/stat alone (not a thread's, /proc/PID/task/TID/stat, nor any other file).
        if (p.startsWith('/proc/') && p.endsWith('/stat') && p.indexOf('/', 6) === p.length - 5) cache.set(p, text);
      }
      return out;
    };
  }

  /** Detaches and unloads everything. Idempotent, synchronous (safe in exit paths). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.running) {
      r.handle?.close();
      r.handle = undefined;
    }
  }

  private step(r: Running, handle: SourceHandle<unknown>, elapsedNs: number): void {
    const { def } = r;
    const sample = handle.read();
    const rows = def.derive(sample, r.previous, elapsedNs) as Row[];
    const stats: Record<string, number> = { ...def.stats(sample, r.previous) };
    const ps = handle.programStats?.();
    if (ps) {
      stats.bpf_missed_drops = ps.missed - r.programs.missed;
      stats.bpf_missed_drops_total = ps.missed;
      // What observing costs in the kernel: its programs' run time over the interval, while kernel.bpf_stats_enabled
      // is on (the counters do not move otherwise, and are left out).
      if (this.statsOn) {
        stats.bpf_runs = Math.max(0, ps.runs - r.programs.runs);
        stats.bpf_run_ns = Math.max(0, ps.runNs - r.programs.runNs);
      }
      r.programs = ps;
    }
    r.byProcess = def.byProcess && this.opts.byProcess ? Object.freeze(def.byProcess(sample, r.previous)) : undefined;
    r.previous = sample;
    const ids = rows.map((row) => row.id);
    const trends = this.opts.trends ?? true;
    if (trends)
      r.history.record(
        ids,
        rows.map((row) => def.trend(row)),
      );
    // Rows are flat (numbers and strings): each is frozen on its own, which is all a deep freeze would do.
    for (const row of rows) Object.freeze(row);
    r.rows = Object.freeze(sortRows(def, rows, def.defaultSort));
    r.stats = Object.freeze(stats);
    r.summary = deepFreeze(def.summarize(r.rows, stats, elapsedNs));
    r.historyView = trends ? Object.freeze(r.history.forRows(ids)) : EMPTY_HISTORY;
    if (def.recentEvents) {
      const events = def.recentEvents(sample);
      for (const e of events) Object.freeze(e);
      r.events = Object.freeze([...events]);
    }
  }

  private fail(r: Running, e: unknown): void {
    Object.assign(r, { status: 'error', reason: oneLine(e) });
    r.handle?.close();
    r.handle = undefined;
  }

  /** The current frame again with one panel's state changed (attached or detached between ticks): same time, same interval. */
  private republish(): void {
    const prev = this.store.getSnapshot();
    this.store.publish(this.frame(Date.parse(prev.time), prev.elapsedNs));
  }

  private frame(timeMs: number, elapsedNs: number): Frame {
    const panels: PanelFrame[] = this.running.map((r) => ({
      id: r.def.id,
      status: r.status,
      tier: r.tier,
      hooks: r.hooks,
      reason: r.reason,
      attempts: r.attempts,
      attachedAt: r.attachedAt,
      rows: r.rows,
      summary: r.summary,
      stats: r.stats,
      history: r.historyView,
      ...(r.byProcess ? { byProcess: r.byProcess } : {}),
      ...(r.events ? { events: r.events } : {}),
    }));
    // Rows, history series and summaries are frozen as they are made; the rest is small.
    for (const p of panels) {
      deepFreeze(p.attempts);
      Object.freeze(p);
    }
    const host = hostOf(panels, (id) => this.running.find((r) => r.def.id === id)?.def);
    return Object.freeze({
      time: new Date(timeMs).toISOString(),
      elapsedNs,
      intervalMs: this.interval,
      panels: Object.freeze(panels),
      self: Object.freeze({ ...this.self }),
      ...(host ? { host } : {}),
    });
  }
}
