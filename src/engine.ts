/**
 * The engine: opens the chosen panels, then once per interval reads every open panel in one tick with one
 * timestamp, derives rows against the previous sample with the measured elapsed time, and publishes a frame.
 */
import { existsSync } from 'node:fs';
import { AttachProber } from './kernel/attach-types.js';
import { canAccessTracefs, missingPrivileges, readPrivileges } from './kernel/privileges.js';
import { tracefsMounted } from './kernel/tracefs.js';
import { loadAddon, type Addon, type BpfObject } from './native.js';
import { oneLine } from './errors.js';
import { openPanel } from './panels/open.js';
import { sortRows, type SortSpec } from './panels/sort.js';
import type { AnyPanelDef } from './panels/types.js';
import { History, Store, type Frame, type PanelState } from './store.js';

export const KERNEL_BTF = '/sys/kernel/btf/vmlinux';

/** sixty's objects are CO-RE: they need the running kernel's BTF. */
export function missingBtf(path = KERNEL_BTF): string | null {
  return existsSync(path) ? null : `this kernel has no BTF (${path}): sixty's BPF panels need a kernel built with CONFIG_DEBUG_INFO_BTF=y`;
}

interface Running {
  def: AnyPanelDef;
  state: PanelState;
  obj?: BpfObject;
  read?: () => unknown;
  previous?: unknown;
  /** the kernel's count of runs it skipped for this panel's programs (recursion), cumulative */
  missed: number;
  history: History;
}

export interface EngineOptions {
  panels: readonly AnyPanelDef[];
  intervalMs: number;
}

export class Engine {
  readonly store: Store;
  private readonly running: Running[];
  private timer: NodeJS.Timeout | undefined;
  private lastNs = 0n;
  private closed = false;
  /** load + attach time per panel, ms */
  readonly loadMs: Record<string, number> = {};
  /** set when no BPF can be loaded at all (no privilege, no kernel BTF): the one line that says why */
  bpfUnavailable: string | null = null;

  constructor(private readonly opts: EngineOptions) {
    this.running = opts.panels.map((def) => ({
      def,
      history: new History(),
      missed: 0,
      state: {
        sort: { ...def.defaultSort },
        def,
        status: 'starting',
        tier: null,
        hooks: null,
        reason: null,
        attempts: [],
        rows: [],
        stats: {},
        history: new Map(),
      },
    }));
    this.store = new Store(this.frame(new Date(), 0));
  }

  /** Checks privileges, then opens every panel (their failures stay in their panel) and takes the baseline. */
  async open(): Promise<void> {
    const privileges = readPrivileges();
    this.bpfUnavailable = missingPrivileges(privileges, !tracefsMounted() || canAccessTracefs()) ?? missingBtf();
    if (this.bpfUnavailable) {
      for (const r of this.running) Object.assign(r.state, { status: 'off', reason: this.bpfUnavailable });
      this.publish(0);
      return;
    }
    let addon: Addon;
    try {
      addon = loadAddon();
    } catch (e) {
      for (const r of this.running) Object.assign(r.state, { status: 'error', reason: oneLine(e) });
      this.publish(0);
      return;
    }
    const prober = new AttachProber(addon);
    for (const r of this.running) {
      const t0 = performance.now();
      const res = await openPanel(r.def, addon, prober);
      if (this.closed) {
        if (res.ok) res.obj.close();
        return;
      }
      if (!res.ok) {
        Object.assign(r.state, { status: 'error', reason: res.reason, attempts: res.attempts });
        continue;
      }
      this.loadMs[r.def.id] = performance.now() - t0;
      r.obj = res.obj;
      Object.assign(r.state, { status: 'ok', tier: res.tier.name, hooks: res.tier.hooks, attempts: res.attempts });
    }
    // The baseline: every panel read at the same moment, so the first interval has one start for all.
    for (const r of this.running) {
      if (!r.obj) continue;
      try {
        r.read = r.def.createReader(r.obj);
        r.previous = r.read();
      } catch (e) {
        this.fail(r, e);
      }
    }
    this.lastNs = process.hrtime.bigint();
    this.publish(0);
  }

  /** Starts ticking every intervalMs, aligned to the start (no drift). */
  start(): void {
    const t0 = performance.now();
    let k = 0;
    const schedule = (): void => {
      k++;
      const delay = Math.max(0, t0 + k * this.opts.intervalMs - performance.now());
      this.timer = setTimeout(() => {
        this.tick();
        if (!this.closed) schedule();
      }, delay);
    };
    schedule();
  }

  /** Reads every open panel once, with one timestamp, and publishes the frame. */
  tick(): Frame {
    const now = process.hrtime.bigint();
    const elapsedNs = Number(now - this.lastNs);
    this.lastNs = now;
    for (const r of this.running) {
      if (!r.read || r.state.status !== 'ok') continue;
      try {
        const sample = r.read();
        const rows = r.def.derive(sample, r.previous, elapsedNs) as object[];
        // Runs the kernel skipped because another BPF program was running on that CPU: events lost to this panel.
        const missed = r.obj!.programs().reduce((sum, p) => sum + (p.recursionMisses ?? 0), 0);
        const stats = { ...r.def.stats(sample, r.previous), bpf_missed_drops: missed - r.missed, bpf_missed_drops_total: missed };
        r.missed = missed;
        r.previous = sample;
        const trend = new Map<string, number | null>();
        for (const row of rows) trend.set(r.def.rowId(row), r.def.trend(row));
        r.history.record(trend);
        Object.assign(r.state, { rows: sortRows(r.def, rows, r.state.sort), stats, history: r.history.view() });
      } catch (e) {
        this.fail(r, e);
      }
    }
    return this.publish(elapsedNs);
  }

  /**
   * Changes a panel's sort and republishes the current rows in the new order (no new reading). The order is total
   * (ties broken by row id), so re-sorting the sorted rows gives what sorting the tick's rows would.
   */
  setSort(panelId: string, sort: SortSpec): void {
    const r = this.running.find((x) => x.def.id === panelId);
    if (!r) return;
    r.state.sort = { ...sort };
    r.state.rows = sortRows(r.def, r.state.rows, sort);
    const current = this.store.getSnapshot();
    this.store.publish(this.frame(current.time, current.elapsedNs));
  }

  /** Detaches and unloads everything. Idempotent, synchronous (safe in exit paths). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.running) {
      r.obj?.close();
      r.obj = undefined;
    }
  }

  private fail(r: Running, e: unknown): void {
    Object.assign(r.state, { status: 'error', reason: oneLine(e) });
    r.obj?.close();
    r.obj = undefined;
  }

  private frame(time: Date, elapsedNs: number): Frame {
    return { time, elapsedNs, panels: this.running.map((r) => ({ ...r.state })) };
  }

  private publish(elapsedNs: number): Frame {
    const f = this.frame(new Date(), elapsedNs);
    this.store.publish(f);
    return f;
  }
}
