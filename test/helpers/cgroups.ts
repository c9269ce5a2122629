/**
 * Cgroups a test makes for itself, on whatever layout the machine has: under cgroup2 (membership, pressure, and the
 * controllers where cgroup2 has them: a pure v2 host or guest) and, on a hybrid host, the same path under each v1
 * controller the test limits (cpu, memory). Workloads start inside them (spawned held, moved in, then released).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { parseCgroupMounts } from '../../src/records/cgroupfs.js';
import type { CgroupFilter } from '../../src/kernel/cgroups.js';
import { sleep } from './kernel.js';

const mounts = (): ReturnType<typeof parseCgroupMounts> => parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));

export interface TestCgroup {
  /** below the hierarchy's root, as sixty shows it */
  path: string;
  /** its directories: cgroup2's first */
  dirs: string[];
  /** --cgroup for it: cgroup2 id and level */
  filter: CgroupFilter;
  add(pid: number): void;
  /** a CPU limit of `cpus` CPUs: cpu.max where cgroup2 has the cpu controller, else v1's cfs quota */
  cpuLimit(cpus: number): void;
  /** memory.high where cgroup2 has the memory controller, else v1's memory.limit_in_bytes */
  memoryLimit(bytes: number): void;
  /** times it went over its memory limit so far: memory.events high and max where cgroup2 limits, else v1's failcnt */
  memoryEvents(): number;
  /** what the layout used for each limit, for the test's report */
  readonly how: string[];
  /** a command started inside it */
  run(cmd: string, args: readonly string[]): ChildProcess;
}

/** Controllers cgroup2 can give its children here (they are enabled down the test's tree). */
function v2Controllers(root: string): Set<string> {
  try {
    return new Set(readFileSync(`${root}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

function enable(dir: string, ctrls: readonly string[]): void {
  const have = new Set(readFileSync(`${dir}/cgroup.subtree_control`, 'utf8').trim().split(/\s+/).filter(Boolean));
  for (const c of ctrls) if (!have.has(c)) writeFileSync(`${dir}/cgroup.subtree_control`, `+${c}`);
}

/**
 * `names` made under /sixty-test-PID, and a function that removes them all (their processes must have ended). On a
 * hybrid host the v1 cpu and memory hierarchies get the same paths.
 */
export function makeCgroups(names: readonly string[]): { groups: Map<string, TestCgroup>; remove: () => Promise<void> } {
  const m = mounts();
  if (!m.v2) throw new Error('no cgroup2 hierarchy mounted: the cgroup tests need one');
  const v2 = m.v2;
  const top = `/sixty-test-${process.pid}`;
  const ctrls = [...v2Controllers(v2)].filter((c) => ['cpu', 'memory', 'io', 'pids'].includes(c));
  mkdirSync(v2 + top, { recursive: true });
  // Controllers cgroup2 has: enabled at the root and in the test's parent, so the children can be limited.
  if (ctrls.length > 0) {
    enable(v2, ctrls);
    enable(v2 + top, ctrls);
  }
  const v1 = (['cpu', 'memory'] as const).filter((c) => !ctrls.includes(c) && m.v1.has(c)).map((c) => ({ c, root: m.v1.get(c)! }));
  const made: string[] = [v2 + top];
  for (const x of v1) {
    mkdirSync(x.root + top, { recursive: true });
    made.push(x.root + top);
  }
  const groups = new Map<string, TestCgroup>();
  for (const name of names) {
    const path = `${top}/${name}`;
    const dirs = [v2 + path, ...v1.map((x) => x.root + path)];
    for (const d of dirs) mkdirSync(d, { recursive: true });
    made.push(...dirs);
    const how: string[] = [];
    const v1Dir = (c: string): string | undefined => v1.find((x) => x.c === c) && `${m.v1.get(c)!}${path}`;
    const g: TestCgroup = {
      path,
      dirs,
      how,
      filter: { path, id: Number(statSync(v2 + path, { bigint: true }).ino), level: path.split('/').filter(Boolean).length },
      add: (pid) => {
        for (const d of dirs) writeFileSync(`${d}/cgroup.procs`, String(pid));
      },
      cpuLimit: (cpus) => {
        const period = 100000;
        if (ctrls.includes('cpu')) {
          writeFileSync(`${v2 + path}/cpu.max`, `${Math.round(cpus * period)} ${period}`);
          how.push('cpu.max');
        } else {
          const d = v1Dir('cpu');
          if (!d) throw new Error('no cpu controller in either hierarchy');
          writeFileSync(`${d}/cpu.cfs_period_us`, String(period));
          writeFileSync(`${d}/cpu.cfs_quota_us`, String(Math.round(cpus * period)));
          how.push('v1 cpu.cfs_quota_us');
        }
      },
      memoryEvents: () => {
        if (ctrls.includes('memory')) {
          const ev = readFileSync(`${v2 + path}/memory.events`, 'utf8');
          return ['high', 'max'].reduce((s, k) => s + Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(ev)?.[1] ?? 0), 0);
        }
        const d = v1Dir('memory');
        return d ? Number(readFileSync(`${d}/memory.failcnt`, 'utf8').trim()) : 0;
      },
      memoryLimit: (bytes) => {
        if (ctrls.includes('memory')) {
          writeFileSync(`${v2 + path}/memory.high`, String(bytes));
          how.push('memory.high');
        } else {
          const d = v1Dir('memory');
          if (!d) throw new Error('no memory controller in either hierarchy');
          writeFileSync(`${d}/memory.limit_in_bytes`, String(bytes));
          how.push('v1 memory.limit_in_bytes');
        }
      },
      run: (cmd, args) => {
        // Held on its stdin until it is inside the cgroup, then it execs the command there.
        const child = spawn('sh', ['-c', 'read _ && exec "$@"', 'sh', cmd, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
        g.add(child.pid!);
        child.stdin!.end('\n');
        return child;
      },
    };
    groups.set(name, g);
  }
  const remove = async (): Promise<void> => {
    // Children before parents; a cgroup whose last process is still being reaped refuses for a moment.
    for (const d of made.reverse()) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await sleep(100);
        }
      }
    }
  };
  return { groups, remove };
}

/** Waits for a child to exit; its stdout, as text. */
export function output(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, sig) => (code === 0 ? resolve(out) : reject(new Error(`${child.spawnargs.join(' ')}: exit ${code ?? sig}`))));
  });
}
