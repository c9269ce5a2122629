/** Waiting for a rendered screen (ink-testing-library): polls, and fails with the last screen after 5 s. */
import assert from 'node:assert/strict';

/** Polls until the frame satisfies `ok` (a bare setTimeout(0) is flaky with Ink). */
export async function until(get: () => string | undefined, ok: (s: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const s = get() ?? '';
    if (ok(s)) return s;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last screen:\n${s.replace(/\x1b\[[0-9;]*m/g, '')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
