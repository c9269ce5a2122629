/**
 * Kernel stacks' names: /proc/kallsyms as a sorted table of text symbols, read once (the kernel makes the file as it is
 * read: about 100 ms here) and again when an address falls past every symbol it has (a module loaded since).
 * Addresses are kept as their distance from 0xffff000000000000 in a Float64Array: every kernel text address on x86-64
 * and arm64 is above it, and the distance fits a double exactly.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const BASE = 0xffff000000000000n;
/** Beyond this past a symbol's start, an address is not taken to be in it (the gap after the last one, a module's). */
const MAX_FUNCTION_BYTES = 1 << 20;

export interface KernelTable {
  /** distance from BASE of each symbol's start, ascending */
  starts: Float64Array;
  /**
   * The names, one after another (latin1), symbol i's from offsets[i] to offsets[i + 1]. Not 200,000 strings: each would
   * be a slice of the file's 5 MB text and keep it alive, a copy per read, for as long as one name was held.
   */
  bytes: Buffer;
  offsets: Uint32Array;
  /** false: kallsyms hides its addresses (kptr_restrict): every name is unknown */
  visible: boolean;
}

/**
 * Pure: the table of kallsyms' text symbols ("ffffffff81000000 T name\t[module]"). The addresses are read as two
 * 32-bit halves (a BigInt each for 200,000 lines is most of the time otherwise).
 */
export function parseKallsyms(text: string): KernelTable {
  const at: number[] = [];
  const names: string[] = [];
  let visible = false;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const type = text[pos + 17];
    if (end - pos > 19 && text[pos + 16] === ' ' && (type === 't' || type === 'T' || type === 'W' || type === 'w')) {
      const hi = parseInt(text.slice(pos, pos + 8), 16);
      const lo = parseInt(text.slice(pos + 8, pos + 16), 16);
      if (hi !== 0 || lo !== 0) visible = true;
      // At or above BASE (0xffff0000 in the high half): its distance from BASE.
      if (hi >= 0xffff0000) {
        const raw = text.slice(pos + 19, end);
        const tab = raw.indexOf('\t');
        at.push((hi - 0xffff0000) * 0x100000000 + lo);
        names.push(tab < 0 ? raw : `${raw.slice(0, tab)} ${raw.slice(tab + 1)}`);
      }
    }
    pos = end + 1;
  }
  // kallsyms lists most of them in order already: sort an index only when it does not.
  let sorted = true;
  for (let i = 1; i < at.length && sorted; i++) if (at[i]! < at[i - 1]!) sorted = false;
  const order = sorted ? null : Array.from(at.keys()).sort((x, y) => at[x]! - at[y]!);
  const inOrder = order ? order.map((i) => names[i]!) : names;
  const offsets = new Uint32Array(inOrder.length + 1);
  for (let i = 0; i < inOrder.length; i++) offsets[i + 1] = offsets[i]! + inOrder[i]!.length;
  const starts = order ? Float64Array.from(order, (i) => at[i]!) : Float64Array.from(at);
  return { starts, bytes: Buffer.from(inOrder.join(''), 'latin1'), offsets, visible };
}

/** A table of no symbols (the file could not be read). */
const EMPTY_TABLE: KernelTable = { starts: new Float64Array(0), bytes: Buffer.alloc(0), offsets: new Uint32Array(1), visible: false };

/** Pure: the symbol an address is in, or null (below every symbol, or too far past the nearest). */
export function kernelName(table: KernelTable, addr: bigint): string | null {
  if (addr < BASE || table.starts.length === 0) return null;
  const at = Number(addr - BASE);
  let lo = 0;
  let hi = table.starts.length - 1;
  if (at < table.starts[0]!) return null;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (table.starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  // A string of its own (not a slice of anything it would keep alive).
  return at - table.starts[lo]! > MAX_FUNCTION_BYTES ? null : table.bytes.toString('latin1', table.offsets[lo]!, table.offsets[lo + 1]!);
}

/** Kernel addresses to names; the table is read when first needed, and again (at most every 10 s) for an unknown one. */
export class KernelSymbols {
  private table: KernelTable | null = null;
  private readAt = -Infinity;
  private fetching = false;
  constructor(
    private readonly read: () => string = () => readFileSync('/proc/kallsyms', 'utf8'),
    private readonly nowMs: () => number = Date.now,
  ) {}

  private load(): KernelTable {
    this.readAt = this.nowMs();
    try {
      this.table = parseKallsyms(this.read());
    } catch {
      this.table ??= EMPTY_TABLE;
    }
    return this.table;
  }

  /**
   * Reads the file in the background (the kernel writes it as it is read: about 250 ms here, off the JavaScript
   * thread), so that the first stacks to name do not wait for it. A name asked for before it is done reads it at once.
   */
  prefetch(readAsync: () => Promise<string> = () => readFile('/proc/kallsyms', 'utf8')): void {
    if (this.table || this.fetching) return;
    this.fetching = true;
    readAsync().then(
      (text) => {
        if (this.table) return;
        this.readAt = this.nowMs();
        this.table = parseKallsyms(text);
      },
      () => {},
    );
  }

  /** the address's function, or its hex where none is known */
  name(addr: bigint): string {
    const t = this.table ?? this.load();
    let n = kernelName(t, addr);
    if (n === null && t.visible && this.nowMs() - this.readAt >= 10_000) n = kernelName(this.load(), addr);
    return n ?? `0x${addr.toString(16)}`;
  }
}
