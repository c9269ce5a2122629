/**
 * A fake addon over an in-memory "kernel": which attach types attach, which programs are missing, and the contents
 * of every map. Records are laid out with the C ABI's natural layout of the panels' own declarations (the native
 * tests check that this agrees with the compiled objects' BTF), so fixtures go through the real readers and decoders.
 */
import { ringData } from '../../src/records/ring.js';
import { basename } from 'node:path';
import type { Addon, BpfObject, MapInfo, MapRead, ProgramInfo, StructLayout } from '../../native/sixty.js';
import { BpfError } from '../../src/errors.js';
import { PANELS } from '../../src/panels/registry.js';
import { naturalLayout, type RecordDecl } from '../../src/records/layout.js';

export interface FakeMap {
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** by hex key */
  entries: Map<string, { key: Buffer; value: Buffer }>;
  /** a per-CPU map whose values hold this many CPUs' values each, read raw (default: one value per key) */
  cpus?: number;
}

export interface FakeKernel {
  /** attach types whose trial attaches (fentry/fexit always fail to load, as on this project's machine) */
  working: string[];
  /** programs whose own hook is missing: they load but fail to attach */
  missingPrograms: string[];
  maps: Map<string, FakeMap>;
  /** struct name → its layout, as the object's BTF would give it */
  structs: Map<string, StructLayout>;
  /** recursion misses reported for every loaded program */
  misses: number;
  /** run count and run time (ns) reported for every loaded program, cumulative (BPF program stats) */
  runs?: { count: number; ns: number };
  /** runs before takeKeys: what the kernel did between sixty's read and its delete */
  beforeTake?: () => void;
  /** ring buffers' records waiting for takeRing, by map name, and the records each turned away (cumulative) */
  rings?: Map<string, { records: Buffer[]; dropped: number; taken: number }>;
  loads: { stem: string; programs: string[]; rodata?: Record<string, number>; mapSizes?: Record<string, number> }[];
  closed: number;
  /** of those, closed with closeAsync (off the JavaScript thread) */
  closedAsync: number;
  log: string;
}

function structOf(decl: RecordDecl): StructLayout {
  const l = naturalLayout(decl);
  return { size: l.size, members: Object.entries(l.fields).map(([name, f]) => ({ name, offset: f.offset, size: f.size })) };
}

export function fakeKernel(working: string[] = ['tp_btf', 'raw_tp', 'tracepoint', 'perf_event']): FakeKernel {
  const structs = new Map<string, StructLayout>();
  for (const p of PANELS) {
    if (p.source.kind !== 'bpf') continue;
    for (const decl of Object.values(p.source.records) as RecordDecl[]) structs.set(decl.struct, structOf(decl));
  }
  return { working, missingPrograms: [], maps: new Map(), structs, misses: 0, loads: [], closed: 0, closedAsync: 0, log: '' };
}

/** Sets a map's contents (keys and values already encoded). */
export function setMap(k: FakeKernel, name: string, keySize: number, valueSize: number, entries: [Buffer, Buffer][], maxEntries = 16384, cpus?: number): void {
  const m = k.maps.get(name) ?? { keySize, valueSize, maxEntries, entries: new Map(), cpus };
  m.entries = new Map(entries.map(([key, value]) => [key.toString('hex'), { key, value }]));
  k.maps.set(name, m);
}

function read(k: FakeKernel, name: string): MapRead {
  const m = k.maps.get(name);
  if (!m) throw new BpfError('readMap', 2, 'ENOENT', `readMap: ${name}: No such file or directory`);
  const list = [...m.entries.values()];
  return {
    keys: Buffer.concat(list.map((e) => e.key)),
    values: Buffer.concat(list.map((e) => e.value)),
    count: list.length,
    keySize: m.keySize,
    valueSize: m.valueSize,
    batched: true,
    cpus: m.cpus ?? 1,
  };
}

export function fakeAddon(k: FakeKernel): Addon {
  return {
    // A fake kernel has no /proc of its own: nothing to read.
    readFiles: (paths) => paths.map(() => null),
    // Nor files to name addresses in.
    symbolizeFile: () => ({ ok: false, err: 2, buildId: '', names: [], framePointer: [] }),
    takeLog: () => {
      const out = k.log;
      k.log = '';
      return out;
    },
    lockFile: () => true,
    setErrorClass: () => {},
    kernelFunctionParams: (name: string) => (name === 'tcp_recvmsg' ? 6 : -1),
    kernelEnum: () => null,
    async load(path: string, programs: string[], opts?: { rodata?: Record<string, number>; mapSizes?: Record<string, number> }): Promise<BpfObject> {
      const stem = basename(path).replace(/\.bpf\.o$/, '');
      k.loads.push({ stem, programs, rodata: opts?.rodata, mapSizes: opts?.mapSizes });
      const type = stem === 'probe' ? (programs[0]?.slice('probe_'.length) ?? null) : null;
      if (type === 'fentry' || type === 'fexit') throw new BpfError('load', 1, 'EPERM', 'load: probe.bpf.o: Operation not permitted');
      let open = true;
      const obj: BpfObject = {
        attach() {
          if (type && !k.working.includes(type)) throw new BpfError('attach', 2, 'ENOENT', `attach: probe_${type}: No such file or directory`);
          const missing = programs.find((p) => k.missingPrograms.includes(p));
          if (missing) {
            k.log += `libbpf: prog '${missing}': failed to attach: No such file or directory\n`;
            throw new BpfError('attach', 2, 'ENOENT', `attach: ${missing}: No such file or directory`);
          }
          return programs;
        },
        setPerfFreq: () => 1,
        readMap: (name: string, opts?: { deleteAfterRead?: boolean }) => {
          const r = read(k, name);
          if (opts?.deleteAfterRead) k.maps.get(name)!.entries.clear();
          return r;
        },
        updateKeys(name: string, keys: Buffer, values: Buffer): number {
          // A map the fixture did not set (an array the reader writes, like softirqs_epoch): one key and one value.
          const m = k.maps.get(name) ?? { keySize: keys.length, valueSize: values.length, maxEntries: 1, entries: new Map() };
          k.maps.set(name, m);
          const n = keys.length / m.keySize;
          for (let i = 0; i < n; i++) {
            const key = Buffer.from(keys.subarray(i * m.keySize, (i + 1) * m.keySize));
            m.entries.set(key.toString('hex'), { key, value: Buffer.from(values.subarray(i * m.valueSize, (i + 1) * m.valueSize)) });
          }
          return n;
        },
        openRing(name: string) {
          k.rings ??= new Map();
          if (!k.rings.has(name)) k.rings.set(name, { records: [], dropped: 0, taken: 0 });
        },
        takeRing(name: string) {
          const r = k.rings?.get(name);
          if (!r) throw new BpfError('takeRing', 2, 'ENOENT', `takeRing: ${name} is not open`);
          const records = r.records.splice(0);
          r.taken += records.length;
          return { data: ringData(records), count: records.length, dropped: r.dropped, taken: r.taken };
        },
        takeKeys(name: string, keys: Buffer): MapRead {
          k.beforeTake?.();
          const m = k.maps.get(name);
          const taken: { key: Buffer; value: Buffer }[] = [];
          if (m) {
            for (let i = 0; i + m.keySize <= keys.length; i += m.keySize) {
              const hex = keys.subarray(i, i + m.keySize).toString('hex');
              const e = m.entries.get(hex);
              if (e && m.entries.delete(hex)) taken.push(e);
            }
          }
          return {
            keys: Buffer.concat(taken.map((e) => e.key)),
            values: Buffer.concat(taken.map((e) => e.value)),
            count: taken.length,
            keySize: m?.keySize ?? 0,
            valueSize: m?.valueSize ?? 0,
            batched: false,
            cpus: 1,
          };
        },
        lookupKeys(name: string, keys: Buffer): MapRead {
          const m = k.maps.get(name);
          const found: { key: Buffer; value: Buffer }[] = [];
          if (m) {
            for (let i = 0; i + m.keySize <= keys.length; i += m.keySize) {
              const e = m.entries.get(keys.subarray(i, i + m.keySize).toString('hex'));
              if (e) found.push(e);
            }
          }
          return {
            keys: Buffer.concat(found.map((e) => e.key)),
            values: Buffer.concat(found.map((e) => e.value)),
            count: found.length,
            keySize: m?.keySize ?? 0,
            valueSize: m?.valueSize ?? 0,
            batched: false,
            cpus: 1,
          };
        },
        mapInfo(name: string): MapInfo {
          const m = k.maps.get(name);
          if (!m) throw new BpfError('mapInfo', 2, 'ENOENT', `mapInfo: no map named ${name}`);
          return { type: 1, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, perCpu: false };
        },
        programs: (): ProgramInfo[] =>
          programs.map((name) => ({ name, section: '', loaded: true, recursionMisses: k.misses, runCount: k.runs?.count ?? 0, runTimeNs: k.runs?.ns ?? 0 })),
        programTotals: (): [number, number, number] => [
          programs.length * k.misses,
          programs.length * (k.runs?.count ?? 0),
          programs.length * (k.runs?.ns ?? 0),
        ],
        layout(struct: string): StructLayout {
          const s = k.structs.get(struct);
          if (!s) throw new BpfError('layout', 2, 'ENOENT', `layout: no struct ${struct}`);
          return s;
        },
        close() {
          if (open) k.closed++;
          open = false;
        },
        closeAsync() {
          if (open) k.closedAsync++;
          obj.close();
          return Promise.resolve();
        },
      };
      return obj;
    },
  } as Addon;
}
