/** Opens a panel: walks its tier ladder, first tier whose attach types all work, then load + attach. */
import type { AttachProber } from '../kernel/attach-types.js';
import type { Addon, BpfObject } from '../native.js';
import { oneLine } from '../errors.js';
import { bpfObjectPath } from '../paths.js';
import type { TierAttempt } from '../store.js';
import type { AnyPanelDef, Tier } from './types.js';

/** How much of libbpf's log a failed tier keeps: the end, where the verifier says why. */
const LOG_TAIL = 2000;

export type OpenResult =
  | { ok: true; obj: BpfObject; tier: Tier; attempts: TierAttempt[] }
  | { ok: false; reason: string; attempts: TierAttempt[] };

export async function openPanel(def: AnyPanelDef, addon: Addon, prober: AttachProber): Promise<OpenResult> {
  const attempts: TierAttempt[] = [];
  for (const tier of def.tiers) {
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
      const rodata = tier.rodata?.({ functionParams: (name) => addon.kernelFunctionParams(name) });
      obj = await addon.load(bpfObjectPath(def.stem), [...tier.programs], rodata ? { rodata } : {});
      obj.attach();
      return { ok: true, obj, tier, attempts };
    } catch (e) {
      // The types work but this hook does not (a tracepoint or function missing on this kernel): next tier.
      obj?.close();
      const log = addon.takeLog().trim().slice(-LOG_TAIL);
      attempts.push({ tier: tier.name, reason: oneLine(e), ...(log ? { log } : {}) });
    }
  }
  const tried = attempts.map((a) => `${a.tier}: ${a.reason}`).join('; ');
  return { ok: false, reason: `no hook tier attached (${tried})`, attempts };
}
