/** The whole native surface of sixty's addon (native/src/addon.cc). Generic: no panel knowledge. */

/** The one error type that crosses from native code: the failed operation, the errno and its name. */
export interface NativeBpfError extends Error {
  op: 'open' | 'load' | 'attach' | 'readMap' | 'deleteKeys' | 'mapInfo' | 'programs' | 'layout' | 'btf';
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

/** A batched map read: `count` keys and values, concatenated. Per-CPU values are already summed. */
export interface MapRead {
  keys: Buffer;
  values: Buffer;
  count: number;
  keySize: number;
  valueSize: number;
  /** false when the kernel has no batch operations for this map and the keys were iterated instead */
  batched: boolean;
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

export interface BpfObject {
  /** Attaches every loaded program, all or nothing. Returns their names. */
  attach(): string[];
  readMap(name: string, deleteAfterRead?: boolean, batchSize?: number): MapRead;
  /** Deletes the given keys (concatenated); returns how many were deleted. */
  deleteKeys(name: string, keys: Buffer): number;
  mapInfo(name: string): MapInfo;
  programs(): ProgramInfo[];
  /** A struct's layout from the object's own BTF. */
  layout(structName: string): StructLayout;
  /** Detaches and unloads. Idempotent. */
  close(): void;
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
  /** The class native code instantiates for errors: new cls(op, errno, code, message). */
  setErrorClass(cls: new (op: string, errno: number, code: string, message: string) => Error): void;
  /** libbpf's recent warnings and errors, from a bounded buffer; clears it. */
  takeLog(): string;
  possibleCpus(): number;
}
