/**
 * The host's cgroups as sixty reads them: which layout (pure v2, hybrid, v1 only), every cgroup's path (the union of
 * the hierarchies' trees), what each cgroup's files say, and the workload names the runtimes' state files give.
 * Every layout: on a hybrid host (v1 controllers under /sys/fs/cgroup/<controller>, cgroup2 at
 * /sys/fs/cgroup/unified), membership and pressure come from v2, CPU and memory figures from v1 where v2 has none.
 */
import type { HostInfo } from '../sources/types.js';
import { escapeControl } from '../format.js';
import { workloadOf } from '../models/workload.js';
import { parseCgroupMounts, parsePressure, type CgroupMounts, type CgroupPressure, type Pressure, type ProcCgroup } from '../records/cgroupfs.js';

export type CgroupLayout = 'v2' | 'hybrid' | 'v1' | 'none';

/** What reading cgroups takes from the host (tests give fixture trees). */
export interface CgroupHost {
  readText: (path: string) => string;
  /** a directory's subdirectories (a cgroup's children) */
  listSubdirs: (path: string) => string[];
  readFiles: (paths: readonly string[]) => (string | null)[];
}

/** The v1 controllers whose figures sixty reads (name=systemd holds only membership). */
export const V1_CONTROLLERS = ['cpuacct', 'cpu', 'memory', 'blkio', 'pids'] as const;

export interface CgroupSetup {
  layout: CgroupLayout;
  mounts: CgroupMounts;
  /** the layout in words, for the status line and the help */
  describe: string;
}

/** The layout from the mount table: v2 alone, v2 beside v1 controllers (hybrid), v1 alone, or none. */
export function cgroupSetup(readText: (path: string) => string): CgroupSetup {
  let text = '';
  try {
    text = readText('/proc/self/mountinfo');
  } catch {
    /* no /proc: none */
  }
  const mounts = parseCgroupMounts(text);
  const controllers = [...mounts.v1.keys()].filter((c) => !c.startsWith('name='));
  const layout: CgroupLayout = mounts.v2 ? (controllers.length > 0 ? 'hybrid' : 'v2') : mounts.v1.size > 0 ? 'v1' : 'none';
  const describe =
    layout === 'v2'
      ? `cgroup2 at ${mounts.v2}`
      : layout === 'hybrid'
        ? `hybrid: cgroup2 at ${mounts.v2} (membership, pressure), v1 ${controllers.join(', ')}`
        : layout === 'v1'
          ? `cgroup v1 only (${controllers.join(', ')}): no pressure per cgroup`
          : 'no cgroup hierarchy mounted';
  return { layout, mounts, describe };
}

/**
 * The cgroup a process is in, as one path: cgroup2's where the host has cgroup2 (hybrid too: membership is v2's),
 * else systemd's named hierarchy, else the first v1 controller's.
 */
export function membership(pc: ProcCgroup, setup: Pick<CgroupSetup, 'mounts'>): string {
  if (setup.mounts.v2) return pc.v2 ?? '/';
  return pc.v1.get('name=systemd') ?? pc.v1.values().next().value ?? '/';
}

/** Cgroups listed at most: the walk stops there, and says how many it left out. */
export const CGROUPS_MAX = 4000;

/**
 * Every cgroup path under a hierarchy mounted at `root` ('/' for the root itself), parents before children. Directories
 * that vanish while walked are skipped.
 */
export function walkCgroups(host: CgroupHost, root: string, max = CGROUPS_MAX): { paths: string[]; cut: number } {
  const paths: string[] = [];
  let cut = 0;
  const stack = ['/'];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    if (paths.length >= max) {
      cut++;
      continue;
    }
    paths.push(rel);
    let kids: string[] = [];
    try {
      kids = host.listSubdirs(rel === '/' ? root : root + rel);
    } catch {
      continue;
    }
    // Sorted, pushed in reverse: popped in name order.
    kids.sort();
    for (let i = kids.length - 1; i >= 0; i--) stack.push(`${rel === '/' ? '' : rel}/${kids[i]}`);
  }
  return { paths, cut };
}

/** The parent of a cgroup path, or null for the root. */
export function parentPath(path: string): string | null {
  if (path === '/') return null;
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/** `path` is `prefix` or below it. */
export function underCgroup(path: string, prefix: string): boolean {
  if (prefix === '/' || path === prefix) return true;
  return path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/**
 * The names runtimes keep on the host, read without a socket: Docker's containers/<id>/config.v2.json ("Name"), the
 * containers-storage list Podman and CRI-O share (containers.json: "names"), and the kubelet's pod log directories
 * (/var/log/pods/<namespace>_<name>_<uid>). Looked up again at most every 10 s; unreadable files give no name.
 */
export function createWorkloadNames(
  host: Pick<CgroupHost, 'readText' | 'listSubdirs'>,
  nowMs: () => number = Date.now,
): { container: (id: string) => string | undefined; pod: (uid: string) => string | undefined } {
  let pods = new Map<string, string>();
  let storage = new Map<string, string>();
  let at = -Infinity;
  const docker = new Map<string, string | null>();
  const refresh = (): void => {
    if (nowMs() - at < 10_000) return;
    at = nowMs();
    pods = new Map();
    try {
      for (const d of host.listSubdirs('/var/log/pods')) {
        const m = /^(.+?)_(.+)_([0-9a-f-]{36})$/.exec(d);
        if (m) pods.set(m[3]!, `${m[1]}/${m[2]}`);
      }
    } catch {
      /* not a kubelet's host */
    }
    storage = new Map();
    for (const f of ['/var/lib/containers/storage/overlay-containers/containers.json', '/run/containers/storage/overlay-containers/containers.json']) {
      try {
        const list = JSON.parse(host.readText(f)) as unknown;
        if (!Array.isArray(list)) continue;
        for (const c of list as { id?: unknown; names?: unknown }[])
          if (typeof c?.id === 'string' && Array.isArray(c.names) && typeof c.names[0] === 'string') storage.set(c.id, c.names[0]);
      } catch {
        /* no Podman or CRI-O here */
      }
    }
    docker.clear();
  };
  return {
    pod: (uid) => {
      refresh();
      return pods.get(uid);
    },
    container: (id) => {
      refresh();
      const s = storage.get(id);
      if (s) return s;
      if (!docker.has(id)) {
        let name: string | null = null;
        try {
          const cfg = JSON.parse(host.readText(`/var/lib/docker/containers/${id}/config.v2.json`)) as { Name?: unknown };
          if (typeof cfg.Name === 'string' && cfg.Name) name = cfg.Name.replace(/^\//, '');
        } catch {
          /* not Docker's, or gone */
        }
        docker.set(id, name);
      }
      return docker.get(id) ?? undefined;
    },
  };
}

/**
 * A hierarchy's cgroups, walked again only when they may have changed: at most every `maxAgeMs`, at once when a
 * cgroup2 root's cgroup.stat says descendants came or went, and when a reader saw a listed cgroup vanish. A walk of
 * 500 cgroups reads 500 directories (about 15 ms here): not a thing to do every interval.
 */
export interface TreeCache {
  /** the paths now, and whether this call walked the tree */
  get(): { paths: readonly string[]; cut: number; walked: boolean };
  /** a listed cgroup is gone: walk at the next get */
  invalidate(): void;
}

export function createTreeCache(host: CgroupHost, root: string, nowMs: () => number = Date.now, maxAgeMs = 10_000): TreeCache {
  let paths: string[] = [];
  let cut = 0;
  let at = -Infinity;
  let sig: string | null = null;
  let stale = true;
  const signature = (): string => {
    try {
      return host.readText(`${root}/cgroup.stat`);
    } catch {
      return '';
    }
  };
  return {
    get() {
      const s = signature();
      if (!stale && s === sig && nowMs() - at < maxAgeMs) return { paths, cut, walked: false };
      ({ paths, cut } = walkCgroups(host, root));
      at = nowMs();
      sig = s;
      stale = false;
      return { paths, cut, walked: true };
    },
    invalidate() {
      stale = true;
    },
  };
}

/** Every cgroup2 cgroup's pressure files under the tree's root, in one read of all of them (the checklist's culprit search). */
export function readCgroupPressure(host: CgroupHost, root: string, tree: TreeCache): Map<string, CgroupPressure> {
  const { paths } = tree.get();
  const files: string[] = [];
  for (const p of paths) for (const f of ['cpu', 'memory', 'io']) files.push(`${p === '/' ? root : root + p}/${f}.pressure`);
  const texts = host.readFiles(files);
  const out = new Map<string, CgroupPressure>();
  const parse = (t: string | null | undefined): Pressure | null => (t ? parsePressure(t) : null);
  paths.forEach((p, i) => {
    const c = { cpu: parse(texts[i * 3]), memory: parse(texts[i * 3 + 1]), io: parse(texts[i * 3 + 2]) };
    if (!c.cpu && !c.memory && !c.io && p !== '/') tree.invalidate();
    else out.set(p, c);
  });
  return out;
}

/** --cgroup resolved: the path below the hierarchy's root, and for BPF its cgroup2 id and depth (the root is level 0). */
export interface CgroupFilter {
  path: string;
  /** the cgroup2 id (its directory's inode number); 0 where the cgroup is not a cgroup2 one (v1 only: no in-kernel filter) */
  id: number;
  level: number;
}

/**
 * A cgroup path as the user gave it (`/system.slice/x.service`, `system.slice/x.service`, or its directory under a
 * hierarchy's mount) → the path below the root, checked to exist. Null and why when it does not.
 */
export function resolveCgroup(
  arg: string,
  setup: Pick<CgroupSetup, 'mounts'>,
  statDir: (path: string) => { isDir: boolean; ino: number } | null,
): { ok: true; filter: CgroupFilter } | { ok: false; reason: string } {
  const roots = [setup.mounts.v2, ...new Set(setup.mounts.v1.values())].filter((r): r is string => r !== null);
  if (roots.length === 0) return { ok: false, reason: 'no cgroup hierarchy is mounted' };
  let rel = arg;
  for (const r of roots)
    if (arg === r || arg.startsWith(`${r}/`)) {
      rel = arg.slice(r.length);
      break;
    }
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'a cgroup path has no ".."' };
  const path = `/${parts.join('/')}`;
  // Membership is cgroup2's where the host has it: the cgroup must be there.
  const home = setup.mounts.v2 ?? setup.mounts.v1.get('name=systemd') ?? roots[0]!;
  const st = statDir(path === '/' ? home : home + path);
  if (!st?.isDir) return { ok: false, reason: `no cgroup ${path} under ${home}` };
  return { ok: true, filter: { path, id: setup.mounts.v2 ? st.ino : 0, level: parts.length } };
}

/** The host's pressure files, or why there are none (CONFIG_PSI off, or psi=0 on the kernel's command line). */
export function hostPsi(readText: (path: string) => string): { ok: boolean; reason: string | null } {
  try {
    return parsePressure(readText('/proc/pressure/cpu'))
      ? { ok: true, reason: null }
      : { ok: false, reason: '/proc/pressure/cpu is not in the expected format' };
  } catch {
    return { ok: false, reason: 'no pressure stall information: the kernel has no /proc/pressure (CONFIG_PSI off, or psi=0 on its command line)' };
  }
}

/** The host's ways of reading cgroups, from what the engine gives a reader. */
export function cgroupHostOf(host: Pick<HostInfo, 'readText' | 'listSubdirs' | 'readFiles'>): CgroupHost {
  const readText = host.readText;
  return {
    readText,
    listSubdirs: host.listSubdirs ?? ((): string[] => []),
    readFiles:
      host.readFiles ??
      ((paths) =>
        paths.map((p) => {
          try {
            return readText(p);
          } catch {
            return null;
          }
        })),
  };
}

/** A row's cgroup as the console shows it: its path ('' when unknown) and its workload. */
export interface CgroupName {
  cgroup: string;
  workload: string;
}

const NO_CGROUP: CgroupName = Object.freeze({ cgroup: '', workload: '' });

/**
 * Cgroup2 ids (what BPF records take with bpf_get_current_cgroup_id) → paths and workload names. The ids are the inode
 * numbers of the cgroups' directories: on an id not seen yet, the tree is walked and every directory's inode read
 * again, at most once a second (cgroups come and go; a removed one keeps its name here, a new one is found at the next
 * walk). Names are escaped.
 */
export function createCgroupNamer(
  host: Pick<HostInfo, 'readText' | 'listSubdirs' | 'readFiles' | 'statIno'>,
  nowMs: () => number = Date.now,
): (id: number) => CgroupName {
  const root = cgroupSetup(host.readText).mounts.v2;
  const ch = cgroupHostOf(host);
  const names = createWorkloadNames(ch);
  const byId = new Map<number, CgroupName>();
  let walked = -Infinity;
  const walk = (): void => {
    walked = nowMs();
    if (!root || !host.statIno) return;
    for (const path of walkCgroups(ch, root).paths) {
      const ino = host.statIno(path === '/' ? root : root + path);
      if (ino !== null && !byId.has(ino)) byId.set(ino, { cgroup: escapeControl(path), workload: escapeControl(workloadOf(path, names).name) });
    }
    // Bounded: ids of cgroups long gone go when there are many.
    if (byId.size > 4 * CGROUPS_MAX) byId.clear();
  };
  return (id) => {
    if (id === 0) return NO_CGROUP;
    let n = byId.get(id);
    if (n === undefined && nowMs() - walked >= 1000) {
      walk();
      n = byId.get(id);
    }
    return n ?? NO_CGROUP;
  };
}
