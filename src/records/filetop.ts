/** filetop records: struct filetop_key / filetop_val / filetop_file / filetop_name (bpf/filetop.h). Names are escaped. */
import type { MapRead } from '../native.js';
import { escapeControl } from '../format.js';
import { checkSize, cString, field, record, u32, u64n, type RecordLayout } from './layout.js';
import { filetop } from '../generated/bpf.js';

export const FILETOP_PATH_LEN = 512;

export const FILETOP_RECORDS = {
  key: record('filetop_key', { pid: 'u32', dev: 'u32', ino: 'u64' }),
  val: record('filetop_val', {
    reads: 'u64',
    writes: 'u64',
    read_bytes: 'u64',
    write_bytes: 'u64',
    created_ns: 'u64',
    type: 'u32',
    pad: 'u32',
    comm: { cstr: 16 },
    cgid: 'u64',
  }),
  file: record('filetop_file', { dev: 'u32', pad: 'u32', ino: 'u64' }),
  name: record('filetop_name', { magic: 'u64', flags: 'u32', len: 'u32', path: { bytes: FILETOP_PATH_LEN } }),
  stat: record('filetop_stats_val', { count: 'u64' }),
};
export type FiletopLayouts = Record<keyof typeof FILETOP_RECORDS, RecordLayout>;

/** enum filetop_type, as filetop's TYPE column shows it: R regular, S socket, O other. */
export const FILETOP_TYPES = ['R', 'S', 'O'] as const;
export type FiletopType = (typeof FILETOP_TYPES)[number];

const { PSEUDO: NAME_PSEUDO, TRUNCATED: NAME_TRUNCATED } = filetop.enums.filetop_name_flags;
/** File systems whose files the kernel names itself (d_dname), by magic number: named as /proc/PID/fd shows them. */
const PIPEFS_MAGIC = 0x50495045;
const SOCKFS_MAGIC = 0x534f434b;
const ANON_INODE_FS_MAGIC = 0x09041934;

/** What a row's file is, by (dev, ino): a string key for maps of files. */
export const fileKey = (dev: number, ino: number): string => `${dev}:${ino}`;

export interface FiletopCounts {
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
  created: number;
}

export interface FiletopRecord extends FiletopCounts {
  pid: number;
  dev: number;
  ino: number;
  type: FiletopType;
  /** escaped */
  comm: string;
  /** the process's cgroup2 id, taken with comm */
  cgid: number;
}

/** A name as the kernel stored it, made readable: pseudo files as /proc/PID/fd names them, a cut path marked with …. */
export function formatName(magic: number, flags: number, raw: string, ino: number): string {
  const name = escapeControl(raw);
  if (flags & NAME_PSEUDO) {
    if (magic === PIPEFS_MAGIC) return `pipe:[${ino}]`;
    if (magic === SOCKFS_MAGIC) return `socket:[${ino}]`;
    if (magic === ANON_INODE_FS_MAGIC) return `anon_inode:${name}`;
    return name || `[${ino}]`;
  }
  return flags & NAME_TRUNCATED ? `…${name}` : name;
}

export interface FiletopName {
  dev: number;
  ino: number;
  path: string;
}

/** Accessors for one read of filetop_rows, fields looked up once. */
export function filetopDecoder(L: FiletopLayouts) {
  const k = { pid: field(L.key, 'pid'), dev: field(L.key, 'dev'), ino: field(L.key, 'ino') };
  const v = {
    reads: field(L.val, 'reads'),
    writes: field(L.val, 'writes'),
    readBytes: field(L.val, 'read_bytes'),
    writeBytes: field(L.val, 'write_bytes'),
    created: field(L.val, 'created_ns'),
    type: field(L.val, 'type'),
    comm: field(L.val, 'comm'),
    cgid: field(L.val, 'cgid'),
  };
  return {
    check(read: MapRead, what: string): void {
      checkSize(L.key, read.keys.length, read.count, `${what} keys`);
      checkSize(L.val, read.values.length, read.count, `${what} values`);
    },
    counts(read: MapRead, i: number): FiletopCounts {
      const vb = i * L.val.size;
      return {
        reads: u64n(read.values, vb, v.reads),
        writes: u64n(read.values, vb, v.writes),
        readBytes: u64n(read.values, vb, v.readBytes),
        writeBytes: u64n(read.values, vb, v.writeBytes),
        created: u64n(read.values, vb, v.created),
      };
    },
    record(read: MapRead, i: number): FiletopRecord {
      const kb = i * L.key.size;
      const vb = i * L.val.size;
      return {
        pid: u32(read.keys, kb, k.pid),
        dev: u32(read.keys, kb, k.dev),
        ino: u64n(read.keys, kb, k.ino),
        type: FILETOP_TYPES[u32(read.values, vb, v.type)] ?? 'O',
        comm: escapeControl(cString(read.values, vb, v.comm)),
        cgid: u64n(read.values, vb, v.cgid),
        ...this.counts(read, i),
      };
    },
  };
}

/** Names taken from filetop_names. */
export function decodeNames(read: MapRead, L: FiletopLayouts): FiletopName[] {
  checkSize(L.file, read.keys.length, read.count, 'filetop_names keys');
  checkSize(L.name, read.values.length, read.count, 'filetop_names values');
  const f = { dev: field(L.file, 'dev'), ino: field(L.file, 'ino') };
  const n = { magic: field(L.name, 'magic'), flags: field(L.name, 'flags'), len: field(L.name, 'len'), path: field(L.name, 'path') };
  const out: FiletopName[] = [];
  for (let i = 0; i < read.count; i++) {
    const kb = i * L.file.size;
    const vb = i * L.name.size;
    const ino = u64n(read.keys, kb, f.ino);
    const len = Math.min(u32(read.values, vb, n.len), n.path.size);
    const raw = read.values.toString('utf8', vb + n.path.offset, vb + n.path.offset + len);
    out.push({ dev: u32(read.keys, kb, f.dev), ino, path: formatName(u64n(read.values, vb, n.magic), u32(read.values, vb, n.flags), raw, ino) });
  }
  return out;
}
