/** The filetop panel: reads and writes per process and file (full paths), from the read/write family of system calls. */
import { cgroupColumn, commColumn, pidColumn, workloadColumn } from './columns.js';
import { createCgroupNamer } from '../kernel/cgroups.js';
import {
  deriveFiletop,
  filetopByProcess,
  filetopStats,
  newFiletopSample,
  putSlot,
  type FiletopInfo,
  type FiletopRow,
  type FiletopSample,
} from '../models/filetop.js';
import { devMajor, devMinor } from '../records/biotop.js';
import { decodeNames, FILETOP_RECORDS, fileKey, filetopDecoder, type FiletopLayouts, type FiletopRecord } from '../records/filetop.js';
import { humanBytes, humanCount } from '../format.js';
import { decodeCounterArray, field } from '../records/layout.js';
import type { BpfObject, MapRead } from '../native.js';
import { byCgroup, sumOf, sumRate, type Grouping } from './group.js';
import { MapMirror, u64at, type Mirrored } from '../sources/map-mirror.js';
import { BPF_MISSED, type HostInfo, LRU_EVICTED, MAP_FULL, type PanelDef, type PanelStats, type Summary, type Tier, asNumber } from './types.js';
import { busyByName, num, OTHER, str, sumByProcess } from './metric-kit.js';
import { filetop as names } from '../generated/bpf.js';

/** The object's programs and maps, by name: a name it does not have does not compile. */
type Programs = keyof typeof names.programs;
type Maps = keyof typeof names.maps;
const STAT = names.enums.filetop_stat;

/** A row whose counters have not moved for this long is taken out of the kernel map (with its last counts). */
const IDLE_DELETE_NS = 30e9;
/** Above this share of the map's capacity the quietest and smallest rows are taken out, down to LOW_WATER. */
const HIGH_WATER = 0.75;
const LOW_WATER = 0.6;

const SYSCALLS = ['read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'preadv', 'pwritev', 'preadv2', 'pwritev2'] as const;
const VFS = ['vfs_read', 'vfs_write', 'vfs_readv', 'vfs_writev'] as const;

const TIERS: readonly Tier<Programs>[] = [
  {
    name: 'fentry',
    types: ['fexit'],
    programs: ['filetop_read_fexit', 'filetop_write_fexit', 'filetop_readv_fexit', 'filetop_writev_fexit'],
    hooks: 'fexit vfs_read + vfs_write + vfs_readv + vfs_writev',
  },
  {
    name: 'kprobe',
    types: ['kprobe', 'kretprobe'],
    programs: VFS.flatMap((f) => [`filetop_${f}_kprobe` as const, `filetop_${f}_kretprobe` as const]),
    hooks: 'kprobe+kretprobe vfs_read + vfs_write + vfs_readv + vfs_writev',
  },
  {
    name: 'tracepoint',
    types: ['tracepoint'],
    programs: SYSCALLS.flatMap((s) => [`filetop_enter_${s}` as const, `filetop_exit_${s}` as const]),
    hooks: 'tracepoint syscalls:sys_enter/sys_exit of the 10 read/write calls',
  },
  {
    name: 'tp_btf',
    types: ['tp_btf'],
    programs: ['filetop_sys_enter_btf', 'filetop_sys_exit_btf'],
    hooks: 'tp_btf raw_syscalls sys_enter + sys_exit (runs on every system call)',
  },
];

/**
 * The size of filetop's maps when it attaches: room for twice the file handles open on the host now
 * (/proc/sys/fs/file-nr, its first field), as a power of two between 16384 rows (about 2.5 MB of kernel memory,
 * preallocated) and 262144. filetop attaches when it is shown, so this is the host as the user looks at it. Names wait
 * in their map only until the next read and are allocated as they come, so that map gets the same bound for free.
 */
export function filetopMapSizes(fileNr: string): { filetop_rows: number; filetop_names: number } {
  const open = Number(/^\s*(\d+)/.exec(fileNr)?.[1] ?? 0);
  let size = 16384;
  while (size < 2 * open && size < 262144) size *= 2;
  return { filetop_rows: size, filetop_names: size };
}

function fileNr(host: HostInfo): string {
  try {
    return host.readText('/proc/sys/fs/file-nr');
  } catch {
    return ''; // no /proc: the smallest size
  }
}

const rowId = (r: FiletopRecord): string => `${r.pid}-${devMajor(r.dev)}:${devMinor(r.dev)}-${r.ino}`;

/** What the reader knows of one kernel entry between reads. */
interface Known extends Mirrored {
  info: FiletopInfo;
  /** the file, as a key of the names (computed once) */
  file: string;
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
  created: number;
  lastActiveNs: number;
  seenRead: number;
  /** its column in the samples, kept while sixty knows it */
  slot: number;
  /** taken out of the kernel map at this read (its last counts are in this sample): its slot is freed at the next */
  taken: boolean;
}

/**
 * Reads filetop's maps. Rows are cumulative in the kernel. Names come from filetop_names, which is drained every read
 * (the kernel stores a file's name when it creates a row for it) and kept per file while a row uses it. Rows idle for
 * 30 s, and under pressure the quietest and smallest, are taken out with lookup-and-delete, so their last calls still
 * count; rows the kernel's LRU evicted are counted as such. The hot loop reads u32 words straight from the batch
 * buffers, finds rows by a hash of the key's words and writes columns: at 100k files, a string and an object per row
 * per read were most of the time.
 */
export function createFiletopReader(obj: BpfObject<Maps>, L: FiletopLayouts, host: HostInfo): () => FiletopSample {
  const capacity = obj.mapInfo('filetop_rows').maxEntries;
  const cgroupOf = createCgroupNamer(host);
  const d = filetopDecoder(L);
  if (L.key.size !== 16 || L.val.size % 8 !== 0) throw new Error('filetop records: the reader reads the key as four u32 words and the value in u64 words');
  const off = (['reads', 'writes', 'read_bytes', 'write_bytes', 'created_ns'] as const).map((f) => {
    const o = field(L.val, f).offset;
    if (o % 8 !== 0) throw new Error(`filetop_val.${f} is not 8-byte aligned`);
    return o / 4;
  });
  const [rW, wW, rbW, wbW, cW] = off as [number, number, number, number, number];
  const vStride = L.val.size / 4;
  const mirror = new MapMirror<Known>({ idleNs: IDLE_DELETE_NS, high: HIGH_WATER, low: LOW_WATER });
  const names = new Map<string, string>();
  let deleted = 0;
  let evicted = 0;
  /** A row's counters as the kernel has them now; one that moved is active now. */
  const setCounts = (k: Known, rd: number, wr: number, rb: number, wb: number, cr: number, now: number): void => {
    if (rd === k.reads && wr === k.writes && cr === k.created && rb === k.readBytes && wb === k.writeBytes) return;
    k.reads = rd;
    k.writes = wr;
    k.readBytes = rb;
    k.writeBytes = wb;
    k.created = cr;
    k.lastActiveNs = now;
  };
  // What the functions below need of the read under way. They are made once, not per read: an arrow made per read is
  // compiled again after every major GC (models/delta.ts, addCounts).
  let current: MapRead | null = null;
  const named = new Set<string>();
  let now = 0;
  let reads = 0;
  const visit = (k: Known | undefined, i: number, _kw: Uint32Array, vw: Uint32Array): Known | undefined => {
    if (!k) {
      const r = d.record(current!, i);
      const file = fileKey(r.dev, r.ino);
      const info: FiletopInfo = {
        id: rowId(r),
        pid: r.pid,
        dev: r.dev,
        ino: r.ino,
        type: r.type,
        comm: r.comm,
        cgid: r.cgid,
        ...cgroupOf(r.cgid),
        path: names.get(file) ?? `[${devMajor(r.dev)}:${devMinor(r.dev)} inode ${r.ino}]`,
      };
      // Fields written out, not spread from a key object: that made every row a dictionary-mode object here (half
      // the speed, 170 MB more at 100k files).
      return {
        k0: 0,
        k1: 0,
        k2: 0,
        k3: 0,
        slot: 0,
        seenRead: 0,
        info,
        file,
        reads: r.reads,
        writes: r.writes,
        readBytes: r.readBytes,
        writeBytes: r.writeBytes,
        created: r.created,
        lastActiveNs: now,
        taken: false,
      };
    }
    const vb = i * vStride;
    setCounts(k, u64at(vw, vb + rW), u64at(vw, vb + wW), u64at(vw, vb + rbW), u64at(vw, vb + wbW), u64at(vw, vb + cW), now);
    // A name that came this read (a file not named before, or named again): every row of that file takes it.
    if (named.size > 0 && named.has(k.file)) {
      const path = names.get(k.file)!;
      if (path !== k.info.path) k.info = { ...k.info, path };
    }
    k.seenRead = reads;
    return k;
  };
  const bytesOf = (k: Known): number => k.readBytes + k.writeBytes;
  const takeKeys = (keys: Buffer): MapRead => {
    const t = obj.takeKeys('filetop_rows', keys);
    d.check(t, 'filetop_rows');
    return t;
  };
  const settle = (k: Known, t: MapRead, i: number): void => {
    const c = d.counts(t, i);
    setCounts(k, c.reads, c.writes, c.readBytes, c.writeBytes, c.created, now);
  };
  return () => {
    // Rows taken out at the previous read were in that sample with their last counts; their slots are free now.
    for (let i = 0; i < mirror.length; i++) {
      const k = mirror.at(i);
      if (k?.taken) mirror.forget(k);
    }
    reads = mirror.begin();
    now = host.nowNs();
    const counters = decodeCounterArray(obj.readMap('filetop_stats'), L.stat, 'filetop_stats');
    const read = obj.readMap('filetop_rows');
    d.check(read, 'filetop_rows');
    current = read;
    // After the rows: a row's name is stored just after the row is created, so every row read has its name by now
    // (but for one being created at this moment on another CPU, named at the next read).
    named.clear();
    for (const n of decodeNames(obj.readMap('filetop_names', { deleteAfterRead: true }), L)) {
      const f = fileKey(n.dev, n.ino);
      names.set(f, n.path);
      named.add(f);
    }
    mirror.walk(read, visit);
    current = null;
    // Rows that left the map without sixty taking them were evicted by the LRU (counted below); forgotten now.
    const inMap: Known[] = [];
    for (let i = 0; i < mirror.length; i++) {
      const k = mirror.at(i);
      if (!k) continue;
      if (k.seenRead !== reads) mirror.forget(k);
      else inMap.push(k);
    }
    // Rows idle for 30 s, and under pressure the quietest and smallest, are taken out; calls that came between the
    // read and the delete still count.
    const stale = mirror.pick(inMap, read.count, capacity, now, bytesOf);
    const taken = mirror.take(stale, takeKeys, settle);
    deleted += taken;
    for (const k of stale) k.taken = true;
    // Every row the LRU evicted, including ones created and evicted between two reads: created − deleted − left.
    evicted = Math.max(evicted, (counters[STAT.CREATED] ?? 0) - deleted - read.count);
    mirror.compact();
    // Names of files no row uses any more are dropped (a file named again comes with its name again).
    if (names.size > inMap.length + 1024) {
      const used = new Set<string>();
      for (const k of mirror.entries()) used.add(k.file);
      for (const f of names.keys()) if (!used.has(f)) names.delete(f);
    }
    const sample = newFiletopSample(mirror.length, {
      mapFull: counters[STAT.MAP_FULL] ?? 0,
      evicted,
      namesFull: counters[STAT.NAMES_FULL] ?? 0,
      noFile: counters[STAT.NO_FILE] ?? 0,
      entries_in_map: read.count - taken,
      capacity,
    });
    for (let i = 0; i < mirror.length; i++) {
      const k = mirror.at(i);
      if (k) putSlot(sample, i, k.info, k);
    }
    return sample;
  };
}

const mib = (n: number): string => (n / 1048576).toFixed(2);

/** Files and processes, read and write rates over every file, and what was lost to a full map. */
export function filetopSummary(_rows: readonly FiletopRow[], stats: PanelStats, elapsedNs: number): Summary {
  const s = elapsedNs > 0 ? 1e9 / elapsedNs : 0;
  const files = stats.files ?? 0;
  const listed = stats.listed ?? files;
  const r = (stats.read_bytes ?? 0) * s;
  const w = (stats.write_bytes ?? 0) * s;
  const rc = (stats.reads ?? 0) * s;
  const wc = (stats.writes ?? 0) * s;
  const dropped = (stats.map_full_drops_total ?? 0) + (stats.lru_evicted_total ?? 0);
  let text = `${files} files${listed < files ? ` (the ${listed} busiest listed)` : ''} by ${stats.processes ?? 0} processes, read ${mib(r)} MiB/s in ${Math.round(rc)} calls/s, write ${mib(w)} MiB/s in ${Math.round(wc)} calls/s, map ${stats.entries ?? 0}/${stats.capacity ?? 0}`;
  if (dropped > 0) {
    text += `; totals incomplete: ${dropped} dropped since start (map full: ${stats.lru_evicted_total ?? 0} rows evicted, ${stats.map_full_drops_total ?? 0} calls not stored)`;
  }
  return {
    text,
    ...(dropped > 0 ? { warning: true } : {}),
    values: { files, processes: stats.processes ?? 0, read_bytes_per_s: r, write_bytes_per_s: w, reads_per_s: rc, writes_per_s: wc, dropped_total: dropped },
  };
}

const total = (r: FiletopRow): number => r.read_bytes + r.write_bytes;

/** A process's files summed: calls and bytes added up. */
function mergeFiletop(rows: readonly FiletopRow[]): FiletopRow {
  return {
    ...rows[0]!,
    reads: sumOf(rows, (r) => r.reads),
    writes: sumOf(rows, (r) => r.writes),
    read_bytes: sumOf(rows, (r) => r.read_bytes),
    write_bytes: sumOf(rows, (r) => r.write_bytes),
    read_bytes_per_s: sumRate(rows, (r) => r.read_bytes_per_s),
    write_bytes_per_s: sumRate(rows, (r) => r.write_bytes_per_s),
  };
}

const FILETOP_GROUPINGS: readonly Grouping<FiletopRow>[] = [
  {
    name: 'process',
    by: ['pid', 'comm'],
    key: (r) => `${r.pid}/${r.comm}`,
    merge: mergeFiletop,
    hide: ['type', 'path', 'major', 'minor', 'ino'],
    hideDetail: ['file'],
    member: (r) => r.path,
  },
  byCgroup(mergeFiletop, ['pid', 'comm', 'type', 'path', 'major', 'minor', 'ino'], (r) => `${r.pid} ${r.comm} ${r.path}`, ['process', 'file']),
];

/** /metrics' file type label. */
const FILE_TYPES: Readonly<Record<string, string>> = { R: 'regular', S: 'socket', O: 'other' };

export const filetopPanel: PanelDef<FiletopSample, FiletopRow> = {
  id: 'filetop',
  title: 'filetop',
  // One read or write call: 314 ns in BPF on the tracepoint tier (bench/panel-cost.mjs, bench/RESULTS.md).
  costEstimate: { nsPerEvent: 314, events: (_rows, stats) => (stats.reads ?? 0) + (stats.writes ?? 0) },
  // Its hooks run on every read and write of every process: attached only while on screen, or when asked for.
  attach: 'on-screen',
  source: {
    kind: 'bpf',
    stem: 'filetop',
    cgroupFilter: true,
    omitsSelf: true,
    tiers: TIERS,
    records: FILETOP_RECORDS,
    createReader: (obj, layouts, host) => createFiletopReader(obj, layouts as FiletopLayouts, host),
    mapSizes: (host) => filetopMapSizes(fileNr(host)),
  },
  hookList: TIERS,
  derive: deriveFiletop,
  stats: filetopStats,
  byProcess: filetopByProcess,
  summarize: filetopSummary,
  trend: total,
  trendOf: { label: 'bytes read and written in the interval', format: humanBytes },
  columns: [
    pidColumn('process (tgid) that made the calls'),
    commColumn('its name when the row was created (control characters escaped)'),
    {
      key: 'reads',
      perInterval: true,
      title: 'READS',
      width: 8,
      drop: 2,
      align: 'right',
      value: (r) => r.reads,
      format: (v) => humanCount(asNumber(v)),
      unit: 'count',
      help: 'read calls that succeeded in the interval (read, pread64, readv, preadv, preadv2; 0 bytes at end of file included)',
    },
    {
      key: 'writes',
      perInterval: true,
      title: 'WRITES',
      width: 9,
      drop: 2,
      align: 'right',
      value: (r) => r.writes,
      format: (v) => humanCount(asNumber(v)),
      unit: 'count',
      help: 'write calls that succeeded in the interval (write, pwrite64, writev, pwritev, pwritev2)',
    },
    {
      key: 'read_bytes',
      perInterval: true,
      title: 'RBYTES',
      width: 9,
      align: 'right',
      value: (r) => r.read_bytes,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'bytes the read calls returned',
    },
    {
      key: 'write_bytes',
      perInterval: true,
      title: 'WBYTES',
      width: 9,
      align: 'right',
      value: (r) => r.write_bytes,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'bytes the write calls returned',
    },
    {
      key: 'total',
      perInterval: true,
      title: 'TOTAL',
      width: 8,
      align: 'right',
      value: total,
      format: (v) => humanBytes(asNumber(v)),
      unit: 'bytes',
      help: 'read + written bytes (the default sort)',
    },
    {
      key: 'type',
      title: 'T',
      width: 1,
      align: 'left',
      value: (r) => r.type,
      format: (v) => String(v),
      help: 'R regular file, S socket, O other (pipe, device, anonymous inode)',
    },
    {
      key: 'path',
      title: 'PATH',
      width: 30,
      // The file is what the row is about: below this, the call counts leave first.
      minWidth: 24,
      maxWidth: 160,
      align: 'left',
      keep: 'end',
      value: (r) => r.path,
      format: (v) => String(v),
      help: "the file's full path from the process's root mount (a cut path starts with …); pipes as pipe:[inode], sockets as socket:[inode]",
    },
    workloadColumn<FiletopRow>(5),
    cgroupColumn<FiletopRow>(9),
  ],
  cgroupOf: (r) => r.cgroup || null,
  defaultSort: { key: 'total', descending: true },
  rates: { read_bytes_per_s: 'read_bytes', write_bytes_per_s: 'write_bytes' },
  detail: [
    { label: 'process', value: (r) => `${r.pid} ${r.comm}` },
    { label: 'cgroup', value: (r) => (r.cgroup ? `${r.cgroup} (${r.workload})` : '-') },
    {
      label: 'file',
      value: (r) => `${r.path} (${r.type === 'R' ? 'regular' : r.type === 'S' ? 'socket' : 'other'}, device ${r.major}:${r.minor}, inode ${r.ino})`,
    },
    { label: 'read', value: (r) => `${r.reads} calls, ${humanBytes(r.read_bytes)}` },
    { label: 'written', value: (r) => `${r.writes} calls, ${humanBytes(r.write_bytes)}` },
  ],
  groupings: FILETOP_GROUPINGS,
  drops: [MAP_FULL, LRU_EVICTED, BPF_MISSED],
  metrics: {
    families: {
      readBytes: { name: 'sixty_file_read_bytes_total', help: 'Bytes read through read(2)-family calls, by process name and file type.', type: 'counter' },
      writtenBytes: {
        name: 'sixty_file_written_bytes_total',
        help: 'Bytes written through write(2)-family calls, by process name and file type.',
        type: 'counter',
      },
      reads: { name: 'sixty_file_reads_total', help: 'read(2)-family calls, by process name and file type.', type: 'counter' },
      writes: { name: 'sixty_file_writes_total', help: 'write(2)-family calls, by process name and file type.', type: 'counter' },
    },
    fold(panel, sink) {
      const f = ['read_bytes', 'write_bytes', 'reads', 'writes'] as const;
      const all = panel.byProcess?.map((t) => ({ comm: t.comm, type: t.type, ...t.values }));
      const rows = all ?? (panel.rows as unknown as readonly Record<string, unknown>[]);
      const labelOf = sink.processLabels(busyByName(rows, (r) => num(r.read_bytes) + num(r.write_bytes)));
      const seen = { read_bytes: 0, write_bytes: 0, reads: 0, writes: 0 };
      for (const { labels, sums } of sumByProcess(rows, f, labelOf, (r) => ({ type: FILE_TYPES[str(r.type)] ?? 'other' }))) {
        sink.add('readBytes', labels, sums.read_bytes);
        sink.add('writtenBytes', labels, sums.write_bytes);
        sink.add('reads', labels, sums.reads);
        sink.add('writes', labels, sums.writes);
        for (const k of f) seen[k] += sums[k];
      }
      if (all) return;
      // Files beyond the listed 2000 busiest: in the totals, of no known type.
      const rest = { comm: OTHER, type: 'unlisted' };
      sink.add('readBytes', rest, num(panel.stats.read_bytes) - seen.read_bytes);
      sink.add('writtenBytes', rest, num(panel.stats.write_bytes) - seen.write_bytes);
      sink.add('reads', rest, num(panel.stats.reads) - seen.reads);
      sink.add('writes', rest, num(panel.stats.writes) - seen.writes);
    },
  },
  blindSpots:
    'Only the read/write family of system calls is seen: I/O through mmap, sendfile, splice, copy_file_range, io_uring and AIO is not. Failed calls are not counted. On the tracepoint and tp_btf tiers the fd is resolved when the call returns, so a file closed by another thread meanwhile is not counted (counted as "no file"). Paths are as the process sees them from its root mount; a path longer than 511 bytes is cut at the top (shown with …). On the kprobe tier, kretprobes have a fixed number of instances: with thousands of calls asleep at once (reads of idle sockets), returns are missed and their calls are not counted.',
};
