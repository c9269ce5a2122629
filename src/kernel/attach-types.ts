/**
 * Which BPF attach types this kernel really allows, learned by loading and attaching one tiny program per type
 * (bpf/probe.bpf.c). libbpf's feature probes answer wrongly on some kernels (KPROBE "supported" with no kprobe
 * PMU; TRACING "unsupported" where tp_btf works), so only a real attach counts. Each type is tried once, lazily.
 */
import type { Addon } from '../native.js';
import { oneLine } from '../errors.js';
import { bpfObjectPath } from '../paths.js';
import { ensureTracefs } from './tracefs.js';

export const ATTACH_TYPES = ['fentry', 'fexit', 'kprobe', 'kretprobe', 'tp_btf', 'raw_tp', 'tracepoint', 'perf_event'] as const;
export type AttachType = (typeof ATTACH_TYPES)[number];

export type ProbeResult = { ok: true } | { ok: false; reason: string };

export class AttachProber {
  private readonly results = new Map<AttachType, Promise<ProbeResult>>();

  constructor(
    private readonly addon: Addon,
    /** null when classic tracepoints can be attached (tracefs mounted and ours to use); otherwise why not */
    private readonly tracefs: () => string | null = ensureTracefs,
  ) {}

  probe(type: AttachType): Promise<ProbeResult> {
    let p = this.results.get(type);
    if (!p) {
      p = this.trial(type);
      this.results.set(type, p);
    }
    return p;
  }

  private async trial(type: AttachType): Promise<ProbeResult> {
    if (type === 'tracepoint') {
      const why = this.tracefs();
      if (why) return { ok: false, reason: why };
    }
    try {
      const obj = await this.addon.load(bpfObjectPath('probe'), [`probe_${type}`]);
      try {
        obj.attach();
      } finally {
        obj.close();
      }
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: oneLine(e) };
    }
  }
}
