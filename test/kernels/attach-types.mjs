// Which BPF attach types the running kernel allows: loads and attaches each program of bpf/probe.bpf.c on its own
// with the built addon, as src/kernel/attach-types.ts does, and prints one line per type. Root; exits 0 always.
//   test/kernels/run 6.1 -- node test/kernels/attach-types.mjs
import { createRequire } from 'node:module';
import { release } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const addon = createRequire(import.meta.url)(join(root, 'native', 'build', 'Release', 'sixty.node'));
class NativeError extends Error {
  constructor(op, errno, code, message) {
    super(message);
    Object.assign(this, { op, errno, code });
  }
}
addon.setErrorClass(NativeError);
const probe = join(root, 'native', 'build', 'Release', 'bpf', 'probe.bpf.o');
const types = ['fentry', 'fexit', 'kprobe', 'kretprobe', 'tp_btf', 'raw_tp', 'tracepoint'];

const ok = [];
for (const type of types) {
  const t0 = process.hrtime.bigint();
  let verdict;
  try {
    const obj = await addon.load(probe, [`probe_${type}`]);
    try {
      obj.attach();
    } finally {
      obj.close();
    }
    verdict = 'ok';
    ok.push(type);
  } catch (e) {
    const first = String(e && e.message ? e.message : e).split('\n')[0];
    verdict = `FAIL ${e && e.op ? `${e.op} ` : ''}${e && e.code ? `${e.code}: ` : ''}${first}`;
  }
  addon.takeLog();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${type.padEnd(10)} ${verdict} (${ms.toFixed(0)} ms)`);
}
console.log(`attach types that work on ${release()}: ${ok.join(' ') || 'none'}`);
