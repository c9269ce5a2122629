/**
 * kernel.bpf_stats_enabled, switched by `B`: on, the kernel counts every BPF program's runs and time (a small cost on
 * every program of the host, sixty's and others'), so sixty puts it back as it found it when it ends. An end it
 * cannot act on (SIGKILL, a crash) would leave it on for the whole system: while it is on, a note in /run names the
 * sixty that switched it, and the next sixty to start puts it back when that one is gone.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLine } from '../errors.js';

export const BPF_STATS = '/proc/sys/kernel/bpf_stats_enabled';

/** Where the note is kept (root-only: /run is root's, and so is the folder). */
export interface BpfStatsPlaces {
  sysctl: string;
  noteDir: string;
  /** the start time of a live process (field 22 of /proc/PID/stat), or null when it is gone */
  startOf: (pid: number) => string | null;
  self: number;
}

function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export const DEFAULT_PLACES: BpfStatsPlaces = { sysctl: BPF_STATS, noteDir: '/run/sixty', startOf: procStart, self: process.pid };

interface Note {
  pid: number;
  start: string;
  /** what kernel.bpf_stats_enabled was before that sixty switched it */
  before: string;
}

/** Switches kernel.bpf_stats_enabled for `B`, and puts it back at the end. */
export class BpfStatsSwitch {
  /** the value sixty found, once it changed it */
  private before: string | null = null;

  constructor(private readonly places: BpfStatsPlaces = DEFAULT_PLACES) {}

  private get note(): string {
    return join(this.places.noteDir, 'bpf-stats-enabled.json');
  }

  /**
   * At start: a note left by a sixty that is gone (killed with SIGKILL while stats were on) means the switch is still as
   * that sixty left it: put it back, and say so. Returns the line to say, or null.
   */
  recoverAbandoned(): string | null {
    let note: Note;
    try {
      note = JSON.parse(readFileSync(this.note, 'utf8')) as Note;
    } catch {
      return null;
    }
    if (typeof note.pid !== 'number' || typeof note.before !== 'string' || !/^[01]$/.test(note.before)) {
      rmSync(this.note, { force: true });
      return null;
    }
    const alive = this.places.startOf(note.pid);
    if (alive !== null && alive === note.start) return null; // that sixty still runs, and will put it back itself
    try {
      const now = readFileSync(this.places.sysctl, 'utf8').trim();
      rmSync(this.note, { force: true });
      if (now === '1' && note.before === '0') {
        writeFileSync(this.places.sysctl, '0');
        return `kernel.bpf_stats_enabled was left on by a sixty that ended without cleaning up (pid ${note.pid}): turned off again`;
      }
    } catch {
      /* not ours to fix (no root): left as it is */
    }
    return null;
  }

  /** `B`: switches it; says what it did or why not. */
  toggle(): { text: string; error: boolean } {
    try {
      const now = readFileSync(this.places.sysctl, 'utf8').trim();
      this.before ??= now;
      const next = now === '0' ? '1' : '0';
      if (next === '1' && this.before === '0') this.writeNote();
      writeFileSync(this.places.sysctl, next);
      if (next === this.before) this.dropNote();
      return {
        text:
          next === '1'
            ? "BPF program stats on: each panel's status line gives its time in the kernel (B turns them off; sixty turns them off when it ends)"
            : 'BPF program stats off',
        error: false,
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        return { text: 'BPF program stats need root (they are switched by writing kernel.bpf_stats_enabled)', error: true };
      return { text: `cannot switch BPF program stats: ${oneLine(e)}`, error: true };
    }
  }

  /** At the end: as sixty found it. */
  restore(): void {
    if (this.before === null) return;
    try {
      writeFileSync(this.places.sysctl, this.before);
    } catch {
      /* as it is */
    }
    this.before = null;
    this.dropNote();
  }

  private writeNote(): void {
    mkdirSync(this.places.noteDir, { recursive: true, mode: 0o700 });
    const note: Note = { pid: this.places.self, start: this.places.startOf(this.places.self) ?? '', before: this.before ?? '0' };
    writeFileSync(this.note, `${JSON.stringify(note)}\n`, { mode: 0o600 });
  }

  private dropNote(): void {
    rmSync(this.note, { force: true });
  }
}
