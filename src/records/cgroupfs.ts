/**
 * The cgroup files sixty reads: where the hierarchies are mounted (/proc/self/mountinfo), which cgroups a process is in
 * (/proc/PID/cgroup), pressure stall information (/proc/pressure/*, and each v2 cgroup's *.pressure), and the
 * controllers' counters (cpu.stat, memory.events, io.stat; v1's cpuacct, memory and blkio files). Pure parsers of the
 * files' text, tested on fixtures; units as the kernel gives them.
 */

/** Where the cgroup hierarchies are: cgroup2 (null without one) and each v1 controller's mount. */
export interface CgroupMounts {
  /** the cgroup2 mount point: /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified (hybrid) */
  v2: string | null;
  /** each v1 controller's mount point, by controller name (`memory`, `cpuacct`, `name=systemd`) */
  v1: ReadonlyMap<string, string>;
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Options of a v1 cgroup mount that are not controllers. */
const NOT_CONTROLLERS = new Set(['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'xattr', 'clone_children', 'noprefix', 'cpuset_v2_mode']);

/**
 * /proc/self/mountinfo → the cgroup mounts. Only mounts of a hierarchy's root are taken (a container sees its own
 * cgroup mounted as root and is fine; a bind mount of a sub-cgroup elsewhere is not the hierarchy). The first mount of
 * each wins.
 */
export function parseCgroupMounts(text: string): CgroupMounts {
  let v2: string | null = null;
  const v1 = new Map<string, string>();
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    const root = pre[3];
    const point = pre[4];
    if (!point || root !== '/') continue;
    if (fstype === 'cgroup2') {
      v2 ??= unescapeMount(point);
    } else if (fstype === 'cgroup') {
      for (const opt of (post[2] ?? '').split(',')) {
        if (NOT_CONTROLLERS.has(opt) || opt.startsWith('release_agent=')) continue;
        if (!v1.has(opt)) v1.set(opt, unescapeMount(point));
      }
    }
  }
  return { v2, v1 };
}

/** A process's cgroups: its cgroup2 path (null when it has none) and its path in each v1 hierarchy, by controller. */
export interface ProcCgroup {
  v2: string | null;
  v1: ReadonlyMap<string, string>;
}

/** /proc/PID/cgroup: `0::/path` is cgroup2; `4:memory:/path` (or `3:cpu,cpuacct:/path`) v1. */
export function parseProcCgroup(text: string): ProcCgroup {
  let v2: string | null = null;
  const v1 = new Map<string, string>();
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const ctrls = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (line.slice(0, a) === '0' && ctrls === '') v2 = path;
    else for (const c of ctrls.split(',')) if (c) v1.set(c, path);
  }
  return { v2, v1 };
}

/** One line of a pressure file: averages in percent, `total` in µs stalled since boot (or since the cgroup began). */
export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  totalUs: number;
}

/** A pressure file: `some` (at least one task stalled) and `full` (every non-idle task stalled; null where absent). */
export interface Pressure {
  some: PressureLine;
  full: PressureLine | null;
}

/** /proc/pressure/{cpu,memory,io} or a cgroup's {cpu,memory,io}.pressure; null for text that is not one. */
export function parsePressure(text: string): Pressure | null {
  let some: PressureLine | null = null;
  let full: PressureLine | null = null;
  for (const m of text.matchAll(/^(some|full) avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+) total=(\d+)$/gm)) {
    const line = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
    if (m[1] === 'some') some = line;
    else full = line;
  }
  return some ? { some, full } : null;
}

/** A cgroup's (or the host's) pressure files: cpu, memory and io (null where a file is missing or unreadable). */
export interface CgroupPressure {
  cpu: Pressure | null;
  memory: Pressure | null;
  io: Pressure | null;
}

/** A flat-keyed file (`name value` per line: cpu.stat, memory.events, memory.stat, cpuacct.stat). */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+) (\d+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** A file of one number (memory.current, pids.current, cpuacct.usage); `max` (no limit) is Infinity, else null. */
export function parseSingle(text: string): number | null {
  const t = text.trim();
  if (t === 'max') return Infinity;
  const v = Number(t);
  return t !== '' && Number.isFinite(v) ? v : null;
}

/** Bytes and requests per device, cumulative. */
export interface DeviceIo {
  /** major:minor */
  dev: string;
  rbytes: number;
  wbytes: number;
  rios: number;
  wios: number;
}

/** cgroup2's io.stat: `8:0 rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…` per device. */
export function parseIoStat(text: string): DeviceIo[] {
  const out: DeviceIo[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...kv] = line.trim().split(' ');
    if (!dev || !/^\d+:\d+$/.test(dev)) continue;
    const f = new Map(kv.map((x) => x.split('=') as [string, string]));
    const n = (k: string): number => Number(f.get(k) ?? 0) || 0;
    out.push({ dev, rbytes: n('rbytes'), wbytes: n('wbytes'), rios: n('rios'), wios: n('wios') });
  }
  return out;
}

/**
 * v1's blkio.throttle.io_service_bytes and blkio.throttle.io_serviced (`8:0 Read 4096` … `Total 8192`): bytes (or
 * requests) per device and direction; merged into DeviceIo by the two files.
 */
export function parseBlkio(bytesText: string, iosText: string): DeviceIo[] {
  const by = new Map<string, DeviceIo>();
  const add = (text: string, rKey: 'rbytes' | 'rios', wKey: 'wbytes' | 'wios'): void => {
    for (const m of text.matchAll(/^(\d+:\d+) (Read|Write) (\d+)$/gm)) {
      const d = by.get(m[1]!) ?? { dev: m[1]!, rbytes: 0, wbytes: 0, rios: 0, wios: 0 };
      d[m[2] === 'Read' ? rKey : wKey] += Number(m[3]);
      by.set(m[1]!, d);
    }
  };
  add(bytesText, 'rbytes', 'wbytes');
  add(iosText, 'rios', 'wios');
  return [...by.values()];
}
