import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachProber } from '../../src/kernel/attach-types.js';
import { openTiers } from '../../src/sources/bpf.js';
import { recvmsgRodata, tcptopPanel } from '../../src/panels/tcptop.js';
import type { BpfSource } from '../../src/panels/types.js';
import { fakeAddon, fakeKernel } from '../helpers/fake-addon.js';
import { opensnoopPanel } from '../../src/panels/opensnoop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { inInitialPidNamespace } from '../../src/kernel/privileges.js';
import type { HostInfo } from '../../src/sources/types.js';

const source = tcptopPanel.source as BpfSource<unknown>;

function setup(working: string[], missingPrograms: string[] = [], tracefs: string | null = null) {
  const kernel = fakeKernel(working);
  kernel.missingPrograms = missingPrograms;
  const addon = fakeAddon(kernel);
  return { kernel, addon, prober: new AttachProber(addon, () => tracefs) };
}

test('the first tier whose attach types all work is chosen; the ones before are listed with why', async () => {
  const { addon, prober } = setup(['tp_btf', 'raw_tp', 'tracepoint']);
  const res = await openTiers(source, addon, prober);
  assert.equal(res.ok, true);
  if (!res.ok) return;
  assert.equal(res.tier.name, 'tp_btf');
  assert.deepEqual(
    res.attempts.map((a) => a.tier),
    ['fentry', 'kprobe'],
  );
  assert.match(res.attempts[0]!.reason, /fexit unavailable \(load: probe\.bpf\.o: Operation not permitted\)/);
  assert.match(res.attempts[1]!.reason, /kprobe unavailable/);
});

test('a tier whose hook is missing on this kernel (a tracepoint) falls through to the next one', async () => {
  const { kernel, addon, prober } = setup(['tp_btf', 'raw_tp', 'tracepoint'], ['tcptop_send_length_btf']);
  const res = await openTiers(source, addon, prober);
  assert.equal(res.ok && res.tier.name, 'raw_tp');
  assert.match(res.attempts[2]!.reason, /tcptop_send_length_btf/);
  assert.equal(res.attempts[2]!.log, "libbpf: prog 'tcptop_send_length_btf': failed to attach: No such file or directory");
  assert.ok(kernel.closed >= 1, 'the failed object was closed');
});

test('tracefs is checked only by tiers that need it', async () => {
  const { addon, prober } = setup(['tracepoint'], [], 'no access to /sys/kernel/tracing (classic tracepoints need root)');
  const res = await openTiers(source, addon, prober);
  assert.equal(res.ok, false);
  assert.match(res.attempts.at(-1)!.reason, /^tracepoint unavailable \(no access to \/sys\/kernel\/tracing/);
  const other = setup(['raw_tp'], [], 'no access to /sys/kernel/tracing');
  const ok = await openTiers(source, other.addon, other.prober);
  assert.equal(ok.ok && ok.tier.name, 'raw_tp', 'a tier without classic tracepoints does not care about tracefs');
});

test('no tier attaches: the panel fails with every reason', async () => {
  const { addon, prober } = setup([]);
  const res = await openTiers(source, addon, prober);
  assert.equal(res.ok, false);
  if (res.ok) return;
  assert.equal(res.attempts.length, source.tiers.length);
  assert.match(res.reason, /^no hook tier attached \(fentry: .*; tracepoint: /);
});

test('each attach type is tried once, however many tiers need it', async () => {
  const { kernel, addon, prober } = setup(['kprobe', 'kretprobe']);
  await openTiers(source, addon, prober);
  const probes = kernel.loads.filter((l) => l.stem === 'probe').map((l) => l.programs[0]);
  assert.deepEqual(probes.sort(), ['probe_fexit', 'probe_kprobe', 'probe_kretprobe']);
  const tierLoad = kernel.loads.find((l) => l.programs.includes('tcptop_recvmsg_kprobe'));
  assert.deepEqual(tierLoad?.rodata, { tcp_recvmsg_nargs: 6 });
});

test('tcp_recvmsg signatures: the parameter count goes to the programs', () => {
  for (const n of [4, 5, 6]) assert.deepEqual(recvmsgRodata({ functionParams: () => n }), { tcp_recvmsg_nargs: n });
  assert.deepEqual(recvmsgRodata({ functionParams: () => -1 }), { tcp_recvmsg_nargs: 4 });
});

test("--serve's own process: omit_tgid goes to the programs of panels that can leave it out, and no others", async () => {
  const host = { omitTgid: 4242 } as HostInfo;
  const { kernel, addon, prober } = setup(['tracepoint', 'tp_btf', 'raw_tp', 'kprobe', 'kretprobe']);
  for (const p of [opensnoopPanel, filetopPanel, tcptopPanel]) {
    const res = await openTiers(p.source as BpfSource<unknown>, addon, prober, host);
    assert.equal(res.ok, true, `${p.id} opened`);
  }
  const rodata = (stem: string): Record<string, number> | undefined => kernel.loads.filter((l) => l.stem === stem).at(-1)?.rodata;
  assert.equal(rodata('opensnoop')?.omit_tgid, 4242);
  assert.equal(rodata('filetop')?.omit_tgid, 4242);
  assert.equal(rodata('tcptop')?.omit_tgid, undefined, 'tcptop does not declare it');
  // Without it asked for, nothing is set.
  const again = setup(['tracepoint']);
  await openTiers(opensnoopPanel.source as BpfSource<unknown>, again.addon, again.prober, {} as HostInfo);
  assert.equal(again.kernel.loads.find((l) => l.stem === 'opensnoop')?.rodata?.omit_tgid, undefined);
});

test('its own pid is left out only in the host PID namespace, where it is the tgid BPF sees', () => {
  assert.equal(
    inInitialPidNamespace(() => 'pid:[4026531836]'),
    true,
  );
  assert.equal(
    inInitialPidNamespace(() => 'pid:[4026532211]'),
    false,
    "a container's namespace",
  );
  assert.equal(
    inInitialPidNamespace(() => null),
    false,
    'unreadable',
  );
  assert.equal(
    inInitialPidNamespace(() => {
      throw new Error('EACCES');
    }),
    false,
  );
});
