/**
 * Which of a panel's hook tiers this kernel supports, found independently of the panel's own ladder: the tier's attach
 * types pass their trial, every hook its programs name exists (a tracepoint in tracefs, a function in the kernel's
 * BTF), and its programs load and attach on their own. The kernel tests run every supported tier against ground
 * truth, check that the others are refused, and that the ladder picks the first supported one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { AttachProber } from '../../src/kernel/attach-types.js';
import { ensureTracefs } from '../../src/kernel/tracefs.js';
import { loadAddon } from '../../src/native.js';
import { bpfObjectPath } from '../../src/paths.js';
import type { AnyPanelDef, BpfSource, Tier } from '../../src/panels/types.js';
import { fixtureOf } from '../panels/index.js';

export interface TierSupport {
  tier: Tier;
  supported: boolean;
  /** why not, when not */
  why: string;
}

function tracepointExists(name: string): boolean {
  ensureTracefs();
  const events = '/sys/kernel/tracing/events';
  if (name.includes('/')) return existsSync(`${events}/${name}`);
  try {
    return readdirSync(events).some((sys) => existsSync(`${events}/${sys}/${name}`));
  } catch {
    return false;
  }
}

/** The hook a program's section names, and whether this kernel has it. */
function hookExists(section: string): string | null {
  const m = /^\??(tp_btf|raw_tp|raw_tracepoint|tracepoint|tp|fentry|fexit|kprobe|kretprobe)\/(.+)$/.exec(section);
  if (!m) return null;
  const [, kind, hook] = m as unknown as [string, string, string];
  if (kind === 'fentry' || kind === 'fexit' || kind === 'kprobe' || kind === 'kretprobe') {
    return loadAddon().kernelFunctionParams(hook) >= 0 ? null : `no function ${hook} in the kernel's BTF`;
  }
  return tracepointExists(hook) ? null : `no tracepoint ${hook}`;
}

export async function tierSupport(def: AnyPanelDef): Promise<TierSupport[]> {
  const source = def.source as BpfSource<unknown>;
  const addon = loadAddon();
  const prober = new AttachProber(addon);
  const obj = await addon.load(bpfObjectPath(source.stem), []);
  const sections = new Map(obj.programs().map((p) => [p.name, p.section]));
  obj.close();
  const kernel = { functionParams: (n: string) => addon.kernelFunctionParams(n) };
  const out: TierSupport[] = [];
  for (const tier of source.tiers) {
    let why = '';
    for (const t of tier.types) {
      const r = await prober.probe(t);
      if (!r.ok) why ||= `${t} unavailable (${r.reason})`;
    }
    for (const p of tier.programs) why ||= hookExists(sections.get(p) ?? '') ?? '';
    if (!why) {
      try {
        const rodata = tier.rodata?.(kernel);
        const o = await addon.load(bpfObjectPath(source.stem), [...tier.programs], rodata ? { rodata } : {});
        try {
          o.attach();
        } finally {
          o.close();
        }
      } catch (e) {
        why = `its programs do not load or attach here: ${(e as Error).message}`;
      }
    }
    out.push({ tier, supported: !why, why });
  }
  return out;
}

/** This kernel as the table names it: the guest's SIXTY_KERNEL, or major.minor of the running kernel. */
export function kernelKey(): string {
  return process.env.SIXTY_KERNEL ?? release().split('.').slice(0, 2).join('.');
}

/**
 * The tier the ladder must pick: the first supported one, which on a kernel of the matrix must also be the one its
 * fixture (test/panels/ID.ts) writes down (elsewhere, the first supported is all that can be said).
 */
export async function expectedTier(def: AnyPanelDef): Promise<string> {
  const support = await tierSupport(def);
  const first = support.find((s) => s.supported)?.tier.name ?? '(none)';
  const written = (fixtureOf(def).tiers as Readonly<Record<string, string>> | undefined)?.[kernelKey()];
  if (written !== undefined && written !== first) {
    const why = support.map((s) => `${s.tier.name}: ${s.supported ? 'supported' : s.why}`).join('; ');
    throw new Error(`${def.id} on ${kernelKey()} should run on ${written}, but the first supported tier is ${first} (${why})`);
  }
  return first;
}
