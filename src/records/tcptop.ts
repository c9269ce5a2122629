/** tcptop records: struct tcptop_key / tcptop_val (bpf/tcptop.h). Names from the kernel are escaped here. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { bytes, checkSize, cString, field, record, u16, u32, u64, u64n, type RecordLayout } from './layout.js';

export const TCPTOP_RECORDS = {
  key: record('tcptop_key', { sk: 'u64', pid: 'u32', lport: 'u16', rport: 'u16' }),
  val: record('tcptop_val', {
    rx_bytes: 'u64',
    tx_bytes: 'u64',
    created_ns: 'u64',
    laddr: { bytes: 16 },
    raddr: { bytes: 16 },
    family: 'u16',
    pad: { bytes: 6 },
    comm: { cstr: 16 },
    cgid: 'u64',
  }),
  stat: record('tcptop_stats_val', { count: 'u64' }),
};
export type TcptopLayouts = Record<keyof typeof TCPTOP_RECORDS, RecordLayout>;

const NO_CGROUP = Object.freeze({ cgroup: '', workload: '' });
const AF_INET = 2;
const AF_INET6 = 10;

/** What names a connection: resolved once per entry (the kernel writes them when it creates the entry). */
export interface TcptopNames {
  pid: number;
  /** escaped: control and bidirectional characters can not reach the terminal */
  comm: string;
  family: 'IPv4' | 'IPv6';
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** the process's cgroup (its path, '' when unknown) and workload, from the entry's cgroup2 id */
  cgroup: string;
  workload: string;
}

/** The counters of an entry, cumulative since `created` (the kernel's creation time, which tells re-creations apart). */
export interface TcptopCounts {
  rx: number;
  tx: number;
  created: number;
}

export function formatIPv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952: lower case, longest run (≥2) of zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${formatIPv4(b.subarray(12))}`;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Accessors for one map read, with the fields looked up once. */
export function tcptopDecoder(L: TcptopLayouts) {
  const k = { pid: field(L.key, 'pid'), lport: field(L.key, 'lport'), rport: field(L.key, 'rport') };
  const v = {
    family: field(L.val, 'family'),
    laddr: field(L.val, 'laddr'),
    raddr: field(L.val, 'raddr'),
    comm: field(L.val, 'comm'),
    rx: field(L.val, 'rx_bytes'),
    tx: field(L.val, 'tx_bytes'),
    created: field(L.val, 'created_ns'),
    cgid: field(L.val, 'cgid'),
  };
  return {
    check(read: MapRead, what: string): void {
      checkSize(L.key, read.keys.length, read.count, `${what} keys`);
      checkSize(L.val, read.values.length, read.count, `${what} values`);
    },
    counts(read: MapRead, i: number): TcptopCounts {
      const vb = i * L.val.size;
      return { rx: u64n(read.values, vb, v.rx), tx: u64n(read.values, vb, v.tx), created: u64n(read.values, vb, v.created) };
    },
    rx: (read: MapRead, i: number): number => u64n(read.values, i * L.val.size, v.rx),
    tx: (read: MapRead, i: number): number => u64n(read.values, i * L.val.size, v.tx),
    created: (read: MapRead, i: number): number => u64n(read.values, i * L.val.size, v.created),
    /**
     * null for an entry that is not IPv4 or IPv6 (never written by the programs; skipped). `cgroupOf` names the entry's
     * cgroup2 id.
     */
    names(read: MapRead, i: number, cgroupOf: (id: number) => { cgroup: string; workload: string } = () => NO_CGROUP): TcptopNames | null {
      const kb = i * L.key.size;
      const vb = i * L.val.size;
      const family = u16(read.values, vb, v.family);
      if (family !== AF_INET && family !== AF_INET6) return null;
      const fmt = family === AF_INET ? formatIPv4 : formatIPv6;
      return {
        pid: u32(read.keys, kb, k.pid),
        comm: escapeControl(cString(read.values, vb, v.comm)),
        family: family === AF_INET ? 'IPv4' : 'IPv6',
        laddr: fmt(bytes(read.values, vb, v.laddr)),
        lport: u16(read.keys, kb, k.lport),
        raddr: fmt(bytes(read.values, vb, v.raddr)),
        rport: u16(read.keys, kb, k.rport),
        ...cgroupOf(u64n(read.values, vb, v.cgid)),
      };
    },
  };
}

/** The tcptop_stats per-CPU array (already summed over CPUs by the addon), by index. */
export function decodeCounters(read: MapRead, stat: RecordLayout): bigint[] {
  checkSize(stat, read.values.length, read.count, 'tcptop_stats');
  const count = field(stat, 'count');
  const out: bigint[] = [];
  for (let i = 0; i < read.count; i++) out[read.keys.readUInt32LE(i * 4)] = u64(read.values, i * stat.size, count);
  return out;
}
