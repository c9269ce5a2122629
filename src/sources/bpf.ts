/**
 * Opens a panel's BPF source: checks what BPF needs once for all panels (privileges, kernel BTF, the addon), walks
 * the panel's tier ladder (the first tier whose attach types all work, then load + attach), and resolves the
 * panel's record layouts from the loaded object's BTF. Failures stay in the panel, with the reason.
 */
import { existsSync } from 'node:fs';
import { AttachProber } from '../kernel/attach-types.js';
import { missingBpfPrivileges, type Privileges } from '../kernel/privileges.js';
import type { Addon, BpfObject } from '../native.js';
import { oneLine } from '../errors.js';
import { escapeLines } from '../format.js';
import type { TierAttempt } from '../frame.js';
import { bpfObjectPath } from '../paths.js';
import { resolveLayout, type RecordLayout } from '../records/layout.js';
import type { BpfSource, HostInfo, OpenOutcome, Tier } from './types.js';

/** How much of libbpf's log a failed tier keeps: the end, where the verifier says why. */
const LOG_TAIL = 2000;

export const KERNEL_BTF = '/sys/kernel/btf/vmlinux';

/** sixty's objects are CO-RE: they need the running kernel's BTF. */
export function missingBtf(path = KERNEL_BTF): string | null {
  return existsSync(path) ? null : `this kernel has no BTF (${path}): sixty's BPF panels need a kernel built with CONFIG_DEBUG_INFO_BTF=y`;
}

/** What every BPF source shares: the verdict on privileges and BTF, the addon, and the attach-type trials. */
export type BpfContext = { ok: false; reason: string } | { ok: true; addon: Addon; prober: AttachProber };

export function bpfContext(privileges: Privileges, btfPath: string, loadAddon: () => Addon, tracefs?: () => string | null): BpfContext {
  const why = missingBpfPrivileges(privileges) ?? missingBtf(btfPath);
  if (why) return { ok: false, reason: why };
  try {
    const addon = loadAddon();
    return { ok: true, addon, prober: new AttachProber(addon, tracefs) };
  } catch (e) {
    return { ok: false, reason: oneLine(e) };
  }
}

export type TierResult = { ok: true; obj: BpfObject; tier: Tier; attempts: TierAttempt[] } | { ok: false; reason: string; attempts: TierAttempt[] };

/** Walks the tier ladder: the first tier whose attach types all passed their trial and whose programs attach. */
export async function openTiers(source: BpfSource<unknown>, addon: Addon, prober: AttachProber, host?: HostInfo): Promise<TierResult> {
  const attempts: TierAttempt[] = [];
  const sizes = host && source.mapSizes ? source.mapSizes(host) : undefined;
  const mapSizes = sizes ? (Object.fromEntries(Object.entries(sizes).filter(([, v]) => v !== undefined)) as Record<string, number>) : undefined;
  for (const tier of source.tiers) {
    // A tier is only tried when every attach type it needs passed its trial on this kernel.
    const probes = await Promise.all(tier.types.map(async (t) => ({ t, r: await prober.probe(t) })));
    const failed = probes.find((p) => !p.r.ok);
    if (failed && !failed.r.ok) {
      attempts.push({ tier: tier.name, reason: `${failed.t} unavailable (${failed.r.reason})` });
      continue;
    }
    let obj: BpfObject | undefined;
    addon.takeLog(); // start this tier's log empty
    try {
      const own = tier.rodata?.({ functionParams: (name) => addon.kernelFunctionParams(name) });
      // --cgroup, in the kernel: only the subtree's tasks are counted.
      const filter =
        source.cgroupFilter && host?.cgroupFilter?.id ? { cgroup_filter_id: host.cgroupFilter.id, cgroup_filter_level: host.cgroupFilter.level } : undefined;
      // --serve: its own process, in the kernel, where its reads of /proc would be most of what the programs see.
      const omit = source.omitsSelf && host?.omitTgid ? { omit_tgid: host.omitTgid } : undefined;
      const rodata = own || filter || omit ? { ...own, ...filter, ...omit } : undefined;
      obj = await addon.load(bpfObjectPath(source.stem), [...tier.programs], { ...(rodata ? { rodata } : {}), ...(mapSizes ? { mapSizes } : {}) });
      obj.attach(tier.perfFreq ? { perfFreq: tier.perfFreq } : undefined);
      return { ok: true, obj, tier, attempts };
    } catch (e) {
      // The types work but this hook does not (a tracepoint or function missing on this kernel): next tier.
      obj?.close();
      const log = escapeLines(addon.takeLog().trim().slice(-LOG_TAIL));
      attempts.push({ tier: tier.name, reason: oneLine(e), ...(log ? { log } : {}) });
    }
  }
  const tried = attempts.map((a) => `${a.tier}: ${a.reason}`).join('; ');
  return { ok: false, reason: `no hook tier attached (${tried})`, attempts };
}

/** The panel's /proc part, where it has one, when BPF cannot load: tier `proc`, and its hooks say why. */
function withoutBpf<S>(source: BpfSource<S>, host: HostInfo, reason: string, attempts: TierAttempt[]): OpenOutcome<S> | null {
  if (!source.withoutBpf) return null;
  try {
    const read = source.withoutBpf(host);
    return {
      ok: true,
      handle: {
        tier: 'proc',
        hooks: `/proc only, without BPF (${reason})`,
        attempts: [...attempts, { tier: 'bpf', reason }],
        read,
        programStats: null,
        close: () => {},
      },
    };
  } catch (e) {
    return { ok: false, status: 'error', reason: oneLine(e), attempts };
  }
}

/** Opens a BPF source end to end. A record layout that disagrees with the object's BTF is the panel's error. */
export async function openBpfSource<S>(source: BpfSource<S>, ctx: BpfContext, host: HostInfo): Promise<OpenOutcome<S>> {
  if (!ctx.ok) return withoutBpf(source, host, ctx.reason, []) ?? { ok: false, status: 'off', reason: ctx.reason, attempts: [] };
  const res = await openTiers(source as BpfSource<unknown>, ctx.addon, ctx.prober, host);
  if (!res.ok) return withoutBpf(source, host, res.reason, res.attempts) ?? { ok: false, status: 'error', reason: res.reason, attempts: res.attempts };
  const { obj, tier, attempts } = res;
  try {
    const layouts: Record<string, RecordLayout> = {};
    for (const [name, decl] of Object.entries(source.records)) layouts[name] = resolveLayout(decl, obj.layout(decl.struct));
    const read = source.createReader(obj, layouts, host, tier);
    return {
      ok: true,
      handle: {
        tier: tier.name,
        hooks: tier.hooks,
        attempts,
        read,
        programStats: () => {
          const [missed, runs, runNs] = obj.programTotals();
          return { missed, runs, runNs };
        },
        close: () => obj.close(),
        closeAsync: () => obj.closeAsync(),
      },
    };
  } catch (e) {
    obj.close();
    return { ok: false, status: 'error', reason: oneLine(e), attempts };
  }
}
