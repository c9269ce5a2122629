/** A real pseudo-terminal through tmux, on a private server socket: keys in, screen out. */
import { execFileSync } from 'node:child_process';
import { scaled, sleep } from './kernel.js';

export class Tmux {
  readonly socket = `sixty-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly session = 'sixty';

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Starts `command` (a shell string) in a width×height terminal. CI is cleared: Ink prints nothing while it is set. */
  start(command: string, width = 120, height = 40): void {
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(width), '-y', String(height), `env -u CI ${command}`);
    this.tmux('set-option', '-t', this.session, 'remain-on-exit', 'on');
  }

  /** Everything the pane's program writes from now on, appended raw to `file` (escapes and all). */
  record(file: string): void {
    this.tmux('pipe-pane', '-o', '-t', this.session, `cat >> ${file}`);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** The pane's process has exited (remain-on-exit keeps the pane). */
  dead(): boolean {
    return this.tmux('display-message', '-p', '-t', this.session, '#{pane_dead}').trim() === '1';
  }

  panePid(): number {
    return Number(this.tmux('display-message', '-p', '-t', this.session, '#{pane_pid}').trim());
  }

  async waitFor(pred: (screen: string) => boolean, timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + scaled(timeoutMs);
    let s = '';
    while (Date.now() < deadline) {
      s = this.screen();
      if (pred(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for the screen; last screen:\n${s}`);
  }

  async waitDead(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + scaled(timeoutMs);
    while (Date.now() < deadline) {
      if (this.dead()) return;
      await sleep(50);
    }
    throw new Error(`pane still alive; screen:\n${this.screen()}`);
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}
