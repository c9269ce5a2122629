/**
 * Pure parsers of what user stacks are named from: a process's mappings (/proc/PID/maps) and a JIT's perf map
 * (/tmp/perf-PID.map: "START SIZE name" per line, hex, as Node's --perf-basic-prof and the JVM's agents write it).
 */

/** One executable mapping of a process. */
export interface Mapping {
  start: number;
  end: number;
  /** the file offset the mapping starts at */
  offset: number;
  /** the file's path, '' for an anonymous mapping; pseudo-names ([vdso], [anon:…]) kept as they are */
  path: string;
  inode: number;
}

/**
 * The executable mappings of /proc/PID/maps, by start address. User addresses fit a double exactly (47 bits on x86-64,
 * 48 or 52 on arm64). A path " (deleted)" keeps its suffix: the file is gone, and so are its symbols.
 */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    // 55d0c0a00000-55d0c0a21000 r-xp 00002000 fd:01 1234567    /usr/bin/x
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ (\d+)\s*(.*)$/.exec(line);
    if (!m || m[3]![2] !== 'x') continue;
    out.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), offset: parseInt(m[4]!, 16), inode: Number(m[5]), path: m[6]! });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The mapping an address is in, or undefined. */
export function mappingOf(maps: readonly Mapping[], addr: number): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid]!;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** A JIT's functions: start, end and name, by start. */
export interface PerfMap {
  starts: Float64Array;
  ends: Float64Array;
  names: string[];
}

/** Pure: a perf map's lines ("7f3a1c0040c0 3c LazyCompile:*fib /app/x.js:3"); lines it cannot read are skipped. */
export function parsePerfMap(text: string): PerfMap {
  const rows: { start: number; end: number; name: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(?:0x)?([0-9a-fA-F]+) (?:0x)?([0-9a-fA-F]+) (.+)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1]!, 16);
    const size = parseInt(m[2]!, 16);
    if (!Number.isSafeInteger(start) || !(size > 0)) continue;
    rows.push({ start, end: start + size, name: m[3]!.trim() });
  }
  // A later line for the same start is the newer code (a function compiled again): stable sort keeps it last.
  rows.sort((a, b) => a.start - b.start);
  return { starts: Float64Array.from(rows, (r) => r.start), ends: Float64Array.from(rows, (r) => r.end), names: rows.map((r) => r.name) };
}

/** Pure: the JIT function an address is in (the last listed that covers it), or null. */
export function perfMapName(map: PerfMap, addr: number): string | null {
  let lo = 0;
  let hi = map.starts.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map.starts[mid]! <= addr) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Code regions can be listed again when recompiled: look back over those that start at or before it.
  for (let i = at; i >= 0 && i > at - 64; i--) if (addr < map.ends[i]!) return map.names[i]!;
  return null;
}
