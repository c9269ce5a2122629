/**
 * Sources: what a panel reads (a BPF object with a ladder of hook tiers, or /proc files), and what opening one gives
 * the engine: a handle to read samples from, or why there is none. The contract panels fill in and sources open.
 */
import type { AttachType } from '../kernel/attach-types.js';
import type { BpfObject } from '../native.js';
import type { RecordDecl, RecordLayout } from '../records/layout.js';
import type { KmsgReader } from '../records/procfs.js';
import type { CgroupFilter } from '../kernel/cgroups.js';
import type { PanelStatus, TierAttempt } from '../frame.js';
import type { PanelStats, Row, Summary } from '../rows.js';

/** What a tier may ask of the running kernel before load, to fit its programs to the kernel's signatures. */
export interface KernelInfo {
  /** parameters of a kernel function per the kernel's BTF; -1 when there is none */
  functionParams(name: string): number;
}

/** One rung of a panel's hook ladder: the attach types it needs and the programs it loads. */
export interface Tier<P extends string = string> {
  name: string;
  types: readonly AttachType[];
  /** the programs it loads, by the object's own names (src/generated/bpf.ts) */
  programs: readonly P[];
  /** what this tier hooks, for the panel's help and the README */
  hooks: string;
  /** values for the object's `const volatile` globals, set between open and load */
  rodata?: (kernel: KernelInfo) => Record<string, number>;
  /** its perf_event programs' sampling frequency at attach, in Hz (default 99) */
  perfFreq?: number;
  /** what the reader may rely on in this tier (e.g. counts kept in socket storage) */
  traits?: readonly string[];
}

/** A BPF source: a ladder of hook tiers in one object, the records it shares with user space, and a reader. */
/**
 * `K`: the records it decodes; `M` and `P`: the object's maps and programs by name (src/generated/bpf.ts), so that a
 * name the object does not have fails at build time.
 */
export interface BpfSource<S, K extends string = string, M extends string = string, P extends string = string> {
  kind: 'bpf';
  /** bpf/<stem>.bpf.c */
  stem: string;
  /** ordered, preferred first */
  tiers: readonly Tier<P>[];
  /** every record the reader decodes; offsets are resolved from the object's BTF when the panel opens */
  records: Readonly<Record<K, RecordDecl>>;
  /**
   * Its programs count only --cgroup's subtree (bpf/common.h's cgroup_filter_id and cgroup_filter_level, set at load):
   * rows whose events come from a task, taken where the task is known.
   */
  cgroupFilter?: boolean;
  /**
   * Its programs can leave one process out in the kernel (bpf/common.h's omit_tgid, set at load): the always-on sixty's
   * own, where its scan of /proc would be most of what they see (HostInfo.omitTgid).
   */
  omitsSelf?: boolean;
  /** maps' capacities for this host, set at load (default: what the object declares) */
  mapSizes?: (host: HostInfo) => Partial<Record<M, number>>;
  /** Makes the reader for one loaded object: reads its maps and returns a sample. It may keep state. */
  createReader: (obj: BpfObject<M>, layouts: Readonly<Record<K, RecordLayout>>, host: HostInfo, tier: Tier<P>) => () => S;
  /**
   * What the panel reads when no tier can load (no privilege, no BTF, no hook): the part /proc gives (the process
   * panel's table, as top has it). The panel then runs on its `proc` tier and says why BPF is missing.
   */
  withoutBpf?: (host: HostInfo) => () => S;
}

/** A /proc source: files read as text and parsed by pure functions (tested on fixture files). No privilege. */
export interface ProcSource<S> {
  kind: 'proc';
  /** what it reads, for the status line and the help */
  files: readonly string[];
  createReader: (readText: (path: string) => string, host: HostInfo) => (() => S) & { close?: () => void };
}

/** Facts about the host a reader needs (injected, so models stay testable). */
export interface HostInfo {
  /** CPUs online now (not the CPU affinity of this process) */
  onlineCpus: () => number;
  /** monotonic nanoseconds (the clock bpf_ktime_get_ns uses) */
  nowNs: () => number;
  /** a /proc or /sys file as text */
  readText: (path: string) => string;
  /** a directory's entries (/proc, /sys/block) */
  listDir?: (path: string) => string[];
  /** a directory's subdirectories (a cgroup's children) */
  listSubdirs?: (path: string) => string[];
  /** a file's inode number, or null (a cgroup2 directory's is the cgroup's id) */
  statIno?: (path: string) => number | null;
  /** a symbolic link's target (a process's cwd, its open files), or null */
  readLink?: (path: string) => string | null;
  /** many small files at once, each one's text or null (the addon's readFiles: a /proc scan in one call) */
  readFiles?: (paths: readonly string[]) => (string | null)[];
  /** the kernel's ring buffer (/dev/kmsg) */
  openKmsg?: () => KmsgReader;
  /** an enum of the running kernel's BTF as [value, name] pairs (skb_drop_reason), or null: it has none, or no BTF */
  kernelEnum?: (name: string) => readonly (readonly [number, string])[] | null;
  /** the functions file offsets are in, within an ELF file (the addon's libdwfl symbolizer); absent without the addon */
  symbolizeFile?: (path: string, offsets: readonly number[]) => { ok: boolean; names: readonly (string | null)[] };
  /**
   * The other panels as this tick left them (their rows, stats and summary): what a panel that reads panels (the tools
   * checklist) is made of. The engine reads such panels after every other one.
   */
  panels?: () => readonly PanelReading[];
  /** --cgroup: only this subtree (BPF sources filter in the kernel, /proc readers when reading) */
  cgroupFilter?: CgroupFilter;
  /** A process that BPF sources which can (BpfSource.omitsSelf) leave out in the kernel: --serve's own. */
  omitTgid?: number;
  /** Every event panel's ring buffer map this many bytes instead of its own (--ring-size; --serve's smaller default). */
  ringBytes?: number;
}

/** One panel as another panel reads it: its state and this interval's figures. */
export interface PanelReading {
  readonly id: string;
  readonly status: PanelStatus;
  readonly reason: string | null;
  readonly rows: readonly Row[];
  readonly stats: PanelStats;
  readonly summary: Summary;
}

export interface SourceHandle<S> {
  /** the tier in use and what it hooks or reads */
  tier: string;
  hooks: string;
  attempts: TierAttempt[];
  /** one sample: the kernel's or /proc's counters now */
  read: () => S;
  /** its programs' counters, summed over them, cumulative (one read of the programs' info); null for /proc */
  programStats: (() => ProgramStats) | null;
  /** Detaches and unloads now (exit paths). */
  close: () => void;
  /**
   * Detaches and unloads without holding up the JavaScript thread (a panel leaving the screen); done for JavaScript at
   * once. Sources whose close is quick have none.
   */
  closeAsync?: () => Promise<void>;
}

export interface ProgramStats {
  /** runs the kernel skipped because another BPF program was running on that CPU: events lost to the panel */
  missed: number;
  /** runs and their time in the kernel (ns); both stay 0 unless kernel.bpf_stats_enabled is 1 */
  runs: number;
  runNs: number;
}

export type OpenOutcome<S> =
  { ok: true; handle: SourceHandle<S> } | { ok: false; status: Exclude<PanelStatus, 'ok' | 'starting'>; reason: string; attempts: TierAttempt[] };
