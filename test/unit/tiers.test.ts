import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Addon, BpfObject } from '../../native/sixty.js';
import { BpfError } from '../../src/errors.js';
import { AttachProber } from '../../src/kernel/attach-types.js';
import { openPanel } from '../../src/panels/open.js';
import { recvmsgRodata, tcptopPanel } from '../../src/panels/tcptop.js';

/** A fake addon: which attach types attach, and which programs are missing from the "kernel". */
function fakeAddon(working: string[], missingPrograms: string[] = []) {
  const loads: { programs: string[]; rodata?: Record<string, number> }[] = [];
  let closed = 0;
  let log = '';
  const addon = {
    takeLog: () => {
      const out = log;
      log = '';
      return out;
    },
    loads,
    closed: () => closed,
    async load(path: string, programs: string[], opts?: { rodata?: Record<string, number> }): Promise<BpfObject> {
      loads.push({ programs, rodata: opts?.rodata });
      const type = programs[0]?.startsWith('probe_') ? programs[0].slice(6) : null;
      if (type === 'fentry' || type === 'fexit') throw new BpfError('load', 1, 'EPERM', 'load: probe.bpf.o: Operation not permitted');
      return {
        attach() {
          if (type && !working.includes(type)) throw new BpfError('attach', 2, 'ENOENT', `attach: probe_${type}: No such file or directory`);
          const missing = programs.find((p) => missingPrograms.includes(p));
          if (missing) {
            log += `libbpf: prog '${missing}': failed to attach: No such file or directory\n`;
            throw new BpfError('attach', 2, 'ENOENT', `attach: ${missing}: No such file or directory`);
          }
          return programs;
        },
        close() {
          closed++;
        },
      } as unknown as BpfObject;
    },
    kernelFunctionParams: (name: string) => (name === 'tcp_recvmsg' ? 6 : -1),
  };
  return addon as unknown as Addon & typeof addon;
}

test('the first tier whose attach types all work is chosen; the ones before are listed with why', async () => {
  const addon = fakeAddon(['tp_btf', 'raw_tp', 'tracepoint']);
  const res = await openPanel(tcptopPanel, addon, new AttachProber(addon));
  assert.equal(res.ok, true);
  if (!res.ok) return;
  assert.equal(res.tier.name, 'tp_btf');
  assert.deepEqual(res.attempts.map((a) => a.tier), ['fentry', 'kprobe']);
  assert.match(res.attempts[0]!.reason, /fexit unavailable \(load: probe\.bpf\.o: Operation not permitted\)/);
  assert.match(res.attempts[1]!.reason, /kprobe unavailable/);
});

test('a tier whose hook is missing on this kernel (a tracepoint) falls through to the next one', async () => {
  const addon = fakeAddon(['tp_btf', 'raw_tp', 'tracepoint'], ['tcptop_send_length_btf']);
  const res = await openPanel(tcptopPanel, addon, new AttachProber(addon));
  assert.equal(res.ok && res.tier.name, 'raw_tp');
  assert.match(res.attempts[2]!.reason, /tcptop_send_length_btf/);
  assert.equal(res.attempts[2]!.log, "libbpf: prog 'tcptop_send_length_btf': failed to attach: No such file or directory");
  assert.ok(addon.closed() >= 1, 'the failed object was closed');
});

test('no tier attaches: the panel fails with every reason', async () => {
  const addon = fakeAddon([]);
  const res = await openPanel(tcptopPanel, addon, new AttachProber(addon));
  assert.equal(res.ok, false);
  if (res.ok) return;
  assert.equal(res.attempts.length, tcptopPanel.tiers.length);
  assert.match(res.reason, /^no hook tier attached \(fentry: .*; tracepoint: /);
});

test('each attach type is tried once, however many tiers need it', async () => {
  const addon = fakeAddon(['kprobe', 'kretprobe']);
  await openPanel(tcptopPanel, addon, new AttachProber(addon));
  const probes = addon.loads.filter((l) => l.programs[0]?.startsWith('probe_')).map((l) => l.programs[0]);
  assert.deepEqual(probes.sort(), ['probe_fexit', 'probe_kprobe', 'probe_kretprobe']);
  const tierLoad = addon.loads.find((l) => l.programs.includes('tcptop_recvmsg_kprobe'));
  assert.deepEqual(tierLoad?.rodata, { tcp_recvmsg_nargs: 6 });
});

test('tcp_recvmsg signatures: the parameter count goes to the programs', () => {
  for (const n of [4, 5, 6]) assert.deepEqual(recvmsgRodata({ functionParams: () => n }), { tcp_recvmsg_nargs: n });
  assert.deepEqual(recvmsgRodata({ functionParams: () => -1 }), { tcp_recvmsg_nargs: 4 });
});
