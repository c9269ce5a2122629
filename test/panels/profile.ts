import { execFileSync } from 'node:child_process';
import { profilePanel } from '../../src/panels/profile.js';
import type { StackEntry, StackSample } from '../../src/models/stacks.js';
import { atRate, profileGroundTruth, PROFILE_TRUTH_HZ } from '../helpers/profile-truth.js';
import { using, type PanelFixture } from './kit.js';

/** A stack's counter after k seconds at `per` samples a second. */
export function stackEntry(
  key: string,
  k: number,
  per: number,
  comm: string,
  pid: number,
  stack: string[],
  kinds: string,
  o: Partial<StackEntry> = {},
): StackEntry {
  return {
    key,
    tgid: pid,
    comm,
    cgroup: '/user.slice',
    workload: 'user.slice',
    kthread: false,
    count: per * k,
    ns: 0,
    state: null,
    waker: null,
    stack,
    kinds,
    cut: null,
    ...o,
  };
}

export function profileSamples(): StackSample[] {
  const at = (k: number): StackSample => ({
    entries: [
      stackEntry('a', k, 34, 'burn', 4242, ['__libc_start_call_main', 'main', 'work70'], 'uuu'),
      stackEntry('b', k, 15, 'burn', 4242, ['__libc_start_call_main', 'main', 'work30'], 'uuu'),
      stackEntry('c', k, 20, 'dd', 5151, ['__libc_start_call_main', 'main', 'read', 'entry_SYSCALL_64', 'ksys_read', 'vfs_read', 'read_zero'], 'uuukkkk'),
      stackEntry('d', k, 9, 'nofp', 6161, ['[stack cut]', 'work70'], '?u', { cut: 'astray' }),
      stackEntry('e', k, 5, 'node', 7171, ['__libc_start_call_main', 'node::Start(int, char**)', 'JS:*sixtyHotLoop /app/x.js:1'], 'uuj'),
    ],
    stats: { samples: 98 * k, idle: 15 * k },
    hz: 49,
    cpus: 2,
    kthreads: false,
  });
  return [at(1), at(2), at(3)];
}

export const fixture: PanelFixture = {
  panel: profilePanel,
  tiers: { '5.10': 'perf_event', '6.1': 'perf_event', '6.12': 'perf_event', '6.18': 'perf_event' },
  groundTruth: async (open) => atRate(PROFILE_TRUTH_HZ, async () => using(await open(), profileGroundTruth)),
  samples: { make: profileSamples, shows: 'burn' },
  bench: {
    // Two stack walks a sample; a user stack without frame pointers runs to 127 frames of whatever it finds.
    budgetNs: 16000,
    runsPerEvent: 1,
    // One busy loop for a second: a timer sample of every CPU walks two stacks.
    burst: () => execFileSync('sh', ['-c', 'timeout 1 sh -c "while :; do :; done"; true']),
  },
};
