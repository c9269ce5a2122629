/**
 * User stacks' names. An address is placed in the process's executable mappings (/proc/PID/maps, read again when an
 * address falls outside every mapping it has); a file's addresses are named by the addon (elfutils' libdwfl: .symtab,
 * .dynsym, MiniDebugInfo, separate debug files), which caches each file by its build id, so a library mapped by a
 * hundred processes is read once; a JIT's by its perf map (/tmp/perf-PID.map, as the process itself sees /tmp).
 * An address in no mapping ends the stack: a frame-pointer walk through code built without frame pointers reads
 * garbage, and garbage must not get a name.
 */
import { escapeControl } from '../format.js';
import { mappingOf, parseMaps, parsePerfMap, perfMapName, type Mapping, type PerfMap } from './maps.js';

/** One frame's kind: user code from a file, JIT code, the kernel, or an address nothing names. */
export type FrameKind = 'u' | 'j' | 'k' | '?';

export interface Frame {
  name: string;
  kind: FrameKind;
}

/** What the addon's file symbolizer gives for file offsets in one ELF file. */
export interface FileSymbols {
  ok: boolean;
  /** each offset's symbol (null: the file has none there) */
  names: readonly (string | null)[];
  /**
   * whether each offset's function keeps its frame pointer there, per its call frame information: 1 yes (the walk finds
   * its caller), 2 it never touched it (the walk skips its caller), 0 no (the walk goes astray), -1 unknown
   */
  framePointer?: readonly number[];
}

/** A named address, and what its function's frame pointer says of the frame after it. */
interface Named extends Frame {
  fp: number;
}

/**
 * The frame that stands for the callers a frame-pointer walk could not see: below a function that keeps no frame
 * pointer but never touched it (a system call's wrapper), the walk reads the frame of the first caller that keeps one,
 * and the callers between (one or more) are not seen.
 */
export const UNSEEN_CALLER = '[callers not seen]';

export type SymbolizeFile = (path: string, offsets: readonly number[]) => FileSymbols;

/** What the symbolizer reads of a process (injected, so it is tested without one). */
export interface ProcReader {
  readText(path: string): string | null;
  /** a file's size and modification time, or null */
  stat(path: string): { size: number; mtimeMs: number } | null;
}

interface ProcState {
  maps: Mapping[];
  mapsAt: number;
  perf: { path: string; size: number; mtimeMs: number; map: PerfMap; readAt: number } | null;
  /**
   * names by address (a return address less one: the call it returns from), as a process's code does not move while it
   * runs (JIT code: until its region is used again)
   */
  names: Map<number, Named>;
}

const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The frames of user stacks, innermost first, and whether the walk ended on an address in no mapping. */
export interface UserStack {
  frames: Frame[];
  /** an address fell outside every executable mapping: the walk went astray there and the rest was dropped */
  astray: boolean;
}

/**
 * The address to name for frame i of a stack: a return address less one (inside the call), the first frame as it is.
 * Made once, not per call (an arrow made per call is compiled again after each major GC: models/delta.ts).
 */
const frameAddress = (s: readonly bigint[], i: number): number => Number(s[i]!) - (i > 0 ? 1 : 0);

export class UserSymbols {
  private readonly procs = new Map<number, ProcState>();
  constructor(
    private readonly symbolizeFile: SymbolizeFile,
    private readonly proc: ProcReader,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Forgets processes not in `alive` (their pids may be used again). */
  keepOnly(alive: ReadonlySet<number>): void {
    for (const pid of this.procs.keys()) if (!alive.has(pid)) this.procs.delete(pid);
  }

  get processes(): number {
    return this.procs.size;
  }

  private state(pid: number): ProcState | null {
    let st = this.procs.get(pid);
    if (!st) {
      const text = this.proc.readText(`/proc/${pid}/maps`);
      if (text === null) return null;
      st = { maps: parseMaps(text), mapsAt: this.nowMs(), perf: null, names: new Map() };
      this.procs.set(pid, st);
    }
    return st;
  }

  /** Reads the mappings again (a library loaded, a JIT region made), at most once a second. */
  private refreshMaps(pid: number, st: ProcState): boolean {
    if (this.nowMs() - st.mapsAt < 1000) return false;
    st.mapsAt = this.nowMs();
    const text = this.proc.readText(`/proc/${pid}/maps`);
    if (text === null) return false;
    st.maps = parseMaps(text);
    return true;
  }

  /** The process's perf map, read again when it grew (a JIT writes as it compiles), at most once a second. */
  private perfMap(pid: number, st: ProcState): PerfMap | null {
    if (st.perf && this.nowMs() - st.perf.readAt < 1000) return st.perf.map;
    // The file is named by the pid the process sees (its namespace's), under its own /tmp.
    let path = st.perf?.path;
    if (!path) {
      const status = this.proc.readText(`/proc/${pid}/status`) ?? '';
      const ns = /^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop() ?? String(pid);
      path = `/proc/${pid}/root/tmp/perf-${ns}.map`;
    }
    const s = this.proc.stat(path);
    if (!s) return null;
    if (st.perf && st.perf.size === s.size && st.perf.mtimeMs === s.mtimeMs) {
      st.perf.readAt = this.nowMs();
      return st.perf.map;
    }
    const text = this.proc.readText(path);
    if (text === null) return null;
    st.perf = { path, size: s.size, mtimeMs: s.mtimeMs, map: parsePerfMap(text), readAt: this.nowMs() };
    // JIT code moves: names taken from the old map go.
    for (const [a, f] of st.names) if (f.kind === 'j') st.names.delete(a);
    return st.perf.map;
  }

  /**
   * Names a process's stacks (return addresses, innermost first), all at once: one addon call per file. The innermost
   * is the sampled instruction; the others are return addresses, named by the call before them (address − 1). A
   * frame-pointer walk is only as good as the functions it passes through: after a function that keeps no frame
   * pointer there (per its call frame information), what the walk read is not its caller; the stack is cut there, or,
   * where the function never touched the register (a leaf: a system call's wrapper), one caller is marked unseen.
   */
  resolve(pid: number, stacks: readonly (readonly bigint[])[]): UserStack[] {
    const st = this.state(pid);
    const at = frameAddress;
    if (!st) return stacks.map((s) => ({ frames: s.map((a) => ({ name: hexName(a), kind: '?' as const })), astray: false }));
    // Addresses not named yet, by mapping.
    const want = new Set<number>();
    for (const s of stacks) for (let i = 0; i < s.length; i++) if (!st.names.has(at(s, i))) want.add(at(s, i));
    if (want.size > 0) {
      if ([...want].some((a) => mappingOf(st.maps, a) === undefined)) this.refreshMaps(pid, st);
      const byFile = new Map<string, { addrs: number[]; offsets: number[] }>();
      for (const a of want) {
        const m = mappingOf(st.maps, a);
        if (!m) continue;
        if (!m.path.startsWith('/') || m.inode === 0) {
          // Anonymous executable memory: a JIT's (which keeps frame pointers: V8 and the JVM do).
          const pm = this.perfMap(pid, st);
          const n = pm ? perfMapName(pm, a) : null;
          st.names.set(
            a,
            n !== null
              ? { name: escapeControl(n), kind: 'j', fp: -1 }
              : { name: m.path ? `${escapeControl(m.path)}+0x${(a - m.start).toString(16)}` : hexName(BigInt(a)), kind: '?', fp: -1 },
          );
          continue;
        }
        const f = byFile.get(m.path) ?? { addrs: [], offsets: [] };
        f.addrs.push(a);
        f.offsets.push(a - m.start + m.offset);
        byFile.set(m.path, f);
      }
      for (const [path, f] of byFile) {
        const r = this.symbolizeFile(`/proc/${pid}/root${path}`, f.offsets);
        f.addrs.forEach((a, i) => {
          const n = r.ok ? r.names[i] : null;
          const fp = r.ok ? (r.framePointer?.[i] ?? -1) : -1;
          st.names.set(
            a,
            n ? { name: escapeControl(n), kind: 'u', fp } : { name: `${escapeControl(base(path))}+0x${f.offsets[i]!.toString(16)}`, kind: '?', fp },
          );
        });
      }
    }
    return stacks.map((s) => {
      const frames: Frame[] = [];
      for (let i = 0; i < s.length; i++) {
        const f = st.names.get(at(s, i));
        // An address in no executable mapping: the walk went astray (no frame pointers); the rest is not a stack.
        if (!f) return { frames, astray: true };
        frames.push({ name: f.name, kind: f.kind });
        if (i === s.length - 1) break;
        // What the walk read next is this function's caller only if it keeps its frame pointer here.
        if (f.fp === 0) return { frames, astray: !ROOT_NAMES.has(f.name) };
        // Code nothing describes (anonymous memory no perf map names, the vDSO): nothing says the walk past it is sound.
        // (A JIT's frames named by its perf map, and a file's functions without call frame information, as V8's
        // builtins, keep frame pointers: they are followed.)
        if (f.fp === -1 && f.kind === '?') return { frames, astray: true };
        if (f.fp === 2) {
          // The walk skipped this leaf's caller and read its caller's frame, if that caller keeps a frame pointer:
          // what it read must look like it (a frame-pointer function at that point, JIT code, or a thread's start).
          const g = st.names.get(at(s, i + 1));
          if (!g || !(g.fp === 1 || g.kind === 'j' || ROOT_NAMES.has(g.name))) return { frames, astray: true };
          frames.push({ name: UNSEEN_CALLER, kind: '?' });
        }
      }
      return { frames, astray: false };
    });
  }
}

/** Where a user stack starts: a process's or a thread's first function (nothing above them is a caller). */
export const ROOT_NAMES: ReadonlySet<string> = new Set([
  '_start',
  '__libc_start_main',
  '__libc_start_call_main',
  '__libc_start_main_impl',
  'start_thread',
  'clone',
  'clone3',
  '__clone',
  '__clone3',
  '__clone_internal',
  'thread_start',
  '_dl_start_user',
  'runtime.goexit',
  'runtime.goexit.abi0',
  'runtime.rt0_go',
  'runtime.mstart',
]);

export const hexName = (a: bigint): string => `0x${a.toString(16)}`;
