/** The whole native surface of sixty's addon (native/src/addon.cc). Generic: no panel knowledge. */

/** The one error type that crosses from native code: the failed operation, the errno and its name. */
export interface NativeBpfError extends Error {
  op: 'open' | 'load' | 'attach' | 'readMap' | 'updateKeys' | 'takeKeys' | 'mapInfo' | 'programs' | 'layout' | 'btf' | 'lock' | 'openRing' | 'takeRing';
  errno: number;
  code: string;
}

export interface MapInfo {
  /** enum bpf_map_type */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  perCpu: boolean;
}

/** A batched map read: `count` keys and values, concatenated. Per-CPU values are summed unless read raw. */
export interface MapRead {
  keys: Buffer;
  values: Buffer;
  count: number;
  keySize: number;
  valueSize: number;
  /** false when the kernel has no batch operations for this map and the keys were iterated instead */
  batched: boolean;
  /** values per key: 1, or the possible CPUs when a per-CPU map was read raw (CPU 0's value first) */
  cpus: number;
}

export interface ReadOptions {
  /** lookup-and-delete: each entry is read and removed (for maps that are drained each interval) */
  deleteAfterRead?: boolean;
  /** keys per batch syscall (default 4096) */
  batchSize?: number;
  /** per-CPU maps: 'sum' (default) adds every CPU's u64 words; 'raw' returns each CPU's value */
  perCpu?: 'sum' | 'raw';
}

/** What a ring buffer handed over: its records (each a u32 length, then that many bytes, padded to 4 bytes). */
export interface RingTake {
  data: Buffer;
  count: number;
  /** records turned away since openRing because the staging buffer was full (the rate bound), cumulative */
  dropped: number;
  /** records handed over since openRing, cumulative */
  taken: number;
}

export interface ProgramInfo {
  name: string;
  section: string;
  loaded: boolean;
  id?: number;
  /** run_cnt and run_time_ns: non-zero only while kernel.bpf_stats_enabled=1 */
  runCount?: number;
  runTimeNs?: number;
  /** times the program was skipped because another BPF program ran on the same CPU */
  recursionMisses?: number;
}

export interface StructLayout {
  size: number;
  members: { name: string; offset: number; size: number }[];
}

/** A loaded object; `M`: the names of its maps (src/generated/bpf.ts gives each object's, so a wrong one does not compile). */
export interface BpfObject<M extends string = string> {
  /**
   * Attaches every loaded program, all or nothing. Returns their names. A perf_event program samples every online CPU
   * (a software cpu-clock event per CPU) at `perfFreq` Hz, 99 by default.
   */
  attach(options?: { perfFreq?: number }): string[];
  /** Changes the attached perf_event programs' sampling frequency in place, on every CPU's event; returns how many. */
  setPerfFreq(hz: number): number;
  /** Reads a whole map in batches; the staging buffers are kept per map, so repeated reads do not allocate them. */
  readMap(name: M, options?: ReadOptions): MapRead;
  /** Sets the given keys (concatenated) to the values (one per key); not for per-CPU maps. Returns how many. */
  updateKeys(name: M, keys: Buffer, values: Buffer): number;
  /** Deletes the given keys and returns the values they held when deleted (those that existed). Not per-CPU maps. */
  takeKeys(name: M, keys: Buffer): MapRead;
  /** The values of the given keys (concatenated), those that exist, as takeKeys gives them, without deleting. */
  lookupKeys(name: M, keys: Buffer): MapRead;
  mapInfo(name: M): MapInfo;
  /**
   * Starts draining a ring buffer map: a thread of the addon consumes it every `periodMs` (default 25; while it stays
   * empty, the wait doubles up to 4 periods) into a staging buffer of `maxBytes` (default 16 MiB); records that find
   * it full are counted, not kept. Stopped by close.
   */
  openRing(name: M, options?: { maxBytes?: number; periodMs?: number }): void;
  /** The records staged since the last take and those the ring holds now, and the ring's cumulative counts since openRing. */
  takeRing(name: M): RingTake;
  programs(): ProgramInfo[];
  /** [recursionMisses, runCount, runTimeNs] summed over the loaded programs: programs()'s totals, without an object each. */
  programTotals(): [number, number, number];
  /** A struct's layout from the object's own BTF. */
  layout(structName: string): StructLayout;
  /** Detaches and unloads. Idempotent. */
  close(): void;
  /**
   * Detaches and unloads in a worker thread (a link on a system call tracepoint waits about 80 ms in the kernel to
   * detach); closed at once for JavaScript. Resolves when the kernel is done. Idempotent.
   */
  closeAsync(): Promise<void>;
}

export interface LoadOptions {
  mapSizes?: Record<string, number>;
  rodata?: Record<string, number>;
}

export interface Addon {
  /**
   * open + configure + load (verifier), off the JS thread. Programs not listed are not loaded. `rodata` sets the
   * object's `const volatile` globals by name; `mapSizes` overrides maps' max_entries.
   */
  load(path: string, programs: string[], options?: LoadOptions): Promise<BpfObject>;
  /** Parameters of a kernel function per the running kernel's BTF; -1 when there is no such function. */
  kernelFunctionParams(name: string): number;
  /** The running kernel's enum of that name, as [value, name] pairs; null when its BTF has none. */
  kernelEnum(name: string): [number, string][] | null;
  /**
   * The functions file offsets are in, within the ELF file at `path` (elfutils' libdwfl: .symtab, .dynsym,
   * MiniDebugInfo, /usr/lib/debug/.build-id), C++ names demangled; null where no symbol covers an offset. The file's
   * symbols are cached by build id. `ok` false (with an errno) when the file cannot be opened or is not ELF.
   * `framePointer`: whether each offset's function keeps its frame pointer there, per its call frame information (1
   * yes, 0 no, -1 unknown): a frame-pointer walk finds its caller only where it does.
   */
  symbolizeFile(
    path: string,
    offsets: readonly number[],
  ): { ok: boolean; err: number; buildId: string; names: (string | null)[]; framePointer: number[] };
  /** The class native code instantiates for errors: new cls(op, errno, code, message). */
  setErrorClass(cls: new (op: string, errno: number, code: string, message: string) => Error): void;
  /** libbpf's recent warnings and errors, from a bounded buffer; clears it. */
  takeLog(): string;
  /**
   * An exclusive flock(2) on an open file, without waiting: true when taken, false when another open file holds it.
   * Released when the file is closed or the process ends.
   */
  lockFile(fd: number): boolean;
  /** Each file's text, or null where it cannot be opened or read: a /proc scan's small files in one call. */
  readFiles(paths: readonly string[]): (string | null)[];
}
