import { offcputimePanel } from '../../src/panels/offcputime.js';
import type { StackSample } from '../../src/models/stacks.js';
import { offcputimeGroundTruth } from '../helpers/profile-truth.js';
import { schedloop, SWITCH_BURST, using, type PanelFixture } from './kit.js';
import { stackEntry } from './profile.js';

function offcputimeSamples(): StackSample[] {
  const at = (k: number): StackSample => ({
    entries: [
      stackEntry('a', k, 10, 'sleeper', 4242, ['start_thread', 'sleeper', 'sleep_here', 'clock_nanosleep', 'do_nanosleep', 'schedule'], 'uuuukk', {
        ns: 1.0005e9 * k,
        state: 'S',
        waker: 'swapper/1 0',
      }),
      stackEntry('b', k, 200, 'postgres', 5151, ['main', 'PostmasterMain', 'WaitEventSetWait', 'epoll_wait', 'do_epoll_wait', 'schedule'], 'uuuukk', {
        ns: 0.4e9 * k,
        state: 'S',
        waker: 'postgres 5152',
      }),
      stackEntry('c', k, 30, 'dd', 6161, ['[stack cut]', 'read', 'vfs_read', 'blk_mq_submit_bio', 'io_schedule'], '?ukkk', {
        ns: 0.2e9 * k,
        state: 'D',
        waker: 'ksoftirqd/0 14',
        cut: 'astray',
      }),
    ],
    stats: { samples: 240 * k },
    hz: 0,
    cpus: 2,
    kthreads: false,
  });
  return [at(1), at(2), at(3)];
}

export const fixture: PanelFixture = {
  panel: offcputimePanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), offcputimeGroundTruth),
  samples: { make: offcputimeSamples, shows: 'sleeper' },
  bench: {
    budgetNs: 4000,
    // A context switch of the ping-pong runs sched_switch once and sched_waking once.
    runsPerEvent: 2,
    perEvent: schedloop('pingpong', 100000),
    burst: SWITCH_BURST,
  },
};
