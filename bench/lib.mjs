// What the benchmarks share: programs run in tmux panes, found by what runs below the pane (sixty names itself
// "sixty", so its command line no longer says main.js), and their CPU and memory from /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** `pid` and every process below it. */
export function descendants(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* ended */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, p] of parent) if (p === out[i]) out.push(child);
  return out;
}

/** The first process below `pid` whose executable is `exe` (a path, or a basename), or 0. */
export function below(pid, exe) {
  for (const p of descendants(pid)) {
    try {
      const e = readlinkSync(`/proc/${p}/exe`);
      if (e === exe || e.endsWith(`/${exe}`)) return p;
    } catch {
      /* ended, or a kernel thread */
    }
  }
  return 0;
}

/** utime + stime of a process (all its threads), in clock ticks. */
export function ticks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM). */
export function statusKb(pid, key) {
  return Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** A tmux server of its own, with one session `s` running `command` in a width×height pane. */
export class Pane {
  constructor(name, command, width = 120, height = 40) {
    this.sock = `sixty-bench-${name}-${process.pid}`;
    this.tmux('new-session', '-d', '-s', 's', '-x', String(width), '-y', String(height), command);
  }

  tmux(...args) {
    return execFileSync('tmux', ['-L', this.sock, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  panePid() {
    return Number(this.tmux('display-message', '-p', '-t', 's', '#{pane_pid}').trim());
  }

  /** The process below the pane running `exe`, once it runs (0 after 10 s). */
  async find(exe) {
    for (let i = 0; i < 100; i++) {
      const p = below(this.panePid(), exe);
      if (p) return p;
      await sleep(100);
    }
    return 0;
  }

  screen(escapes = false) {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 's');
  }

  kill() {
    try {
      this.tmux('kill-server');
    } catch {
      /* gone */
    }
  }
}
