/** cachetop records: struct cachetop_key / cachetop_val / cachetop_stats_val (bpf/cachetop.h). Names from the kernel are escaped. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { checkSize, cString, field, record, u32, u64n, type RecordLayout } from './layout.js';

export const CACHETOP_RECORDS = {
  key: record('cachetop_key', { pid: 'u32' }),
  val: record('cachetop_val', {
    read_pages: 'u64',
    write_pages: 'u64',
    misses: 'u64',
    write_misses: 'u64',
    dirties: 'u64',
    created_ns: 'u64',
    uid: 'u32',
    pad: 'u32',
    comm: { cstr: 16 },
    cgid: 'u64',
  }),
  stat: record('cachetop_stats_val', { count: 'u64' }),
};
export type CachetopLayouts = Record<keyof typeof CACHETOP_RECORDS, RecordLayout>;

/** One process's page-cache counters, cumulative since `created`, all in pages. */
export interface CachetopRecord {
  pid: number;
  uid: number;
  /** escaped */
  comm: string;
  /** the process's cgroup2 id, taken with comm */
  cgid: number;
  readPages: number;
  writePages: number;
  misses: number;
  writeMisses: number;
  dirties: number;
  created: number;
}

export function decodeCachetop(read: MapRead, L: CachetopLayouts): CachetopRecord[] {
  checkSize(L.key, read.keys.length, read.count, 'cachetop_rows keys');
  checkSize(L.val, read.values.length, read.count, 'cachetop_rows values');
  const pid = field(L.key, 'pid');
  const v = {
    read: field(L.val, 'read_pages'),
    write: field(L.val, 'write_pages'),
    misses: field(L.val, 'misses'),
    writeMisses: field(L.val, 'write_misses'),
    dirties: field(L.val, 'dirties'),
    created: field(L.val, 'created_ns'),
    uid: field(L.val, 'uid'),
    comm: field(L.val, 'comm'),
    cgid: field(L.val, 'cgid'),
  };
  const out: CachetopRecord[] = [];
  for (let i = 0; i < read.count; i++) {
    const kb = i * L.key.size;
    const vb = i * L.val.size;
    out.push({
      pid: u32(read.keys, kb, pid),
      uid: u32(read.values, vb, v.uid),
      comm: escapeControl(cString(read.values, vb, v.comm)),
      cgid: u64n(read.values, vb, v.cgid),
      readPages: u64n(read.values, vb, v.read),
      writePages: u64n(read.values, vb, v.write),
      misses: u64n(read.values, vb, v.misses),
      writeMisses: u64n(read.values, vb, v.writeMisses),
      dirties: u64n(read.values, vb, v.dirties),
      created: u64n(read.values, vb, v.created),
    });
  }
  return out;
}
