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

/**
 * The tier each panel must get on the kernels sixty is proven on: Debian's 5.10, 6.1 and 6.12 under the kernel
 * matrix (test/kernels/run), and this project's 6.18 host (no kprobes, fentry refused). Written down, not derived,
 * so that a tier that stops attaching where it should is a failure, not a quiet fall to the next one.
 */
export const EXPECTED_TIERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // 5.10: tcptop's fexit programs need socket storage from tracing programs (5.11+); block_io_* tracepoints are 6.5+.
  // cachetop: 5.10 has no folios, so its page functions (fentry_page).
  '5.10': { softirqs: 'tp_btf', tcptop: 'kprobe', biotop: 'fentry', filetop: 'fentry', cachetop: 'fentry_page', runqlen: 'perf_event' },
  // 6.1: blk_account_io_start is inlined and block_io_start does not exist yet: biotop takes the legacy tracepoints.
  '6.1': { softirqs: 'tp_btf', tcptop: 'fentry', biotop: 'raw_tp_legacy', filetop: 'fentry', cachetop: 'fentry', runqlen: 'perf_event' },
  '6.12': { softirqs: 'tp_btf', tcptop: 'fentry', biotop: 'tp_btf', filetop: 'fentry', cachetop: 'fentry', runqlen: 'perf_event' },
  // 6.18 here: no kprobes, fentry refused; so cachetop's accesses are the estimated proxy.
  '6.18': { softirqs: 'tp_btf', tcptop: 'tp_btf', biotop: 'tp_btf', filetop: 'tracepoint', cachetop: 'tracepoint', runqlen: 'perf_event' },
};

/** This kernel as the table names it: the guest's SIXTY_KERNEL, or major.minor of the running kernel. */
export function kernelKey(): string {
  return process.env.SIXTY_KERNEL ?? release().split('.').slice(0, 2).join('.');
}

/**
 * The tier the ladder must pick: the first supported one, which on a kernel in EXPECTED_TIERS must also be the one
 * written there (elsewhere, the first supported is all that can be said).
 */
export async function expectedTier(def: AnyPanelDef): Promise<string> {
  const support = await tierSupport(def);
  const first = support.find((s) => s.supported)?.tier.name ?? '(none)';
  const written = EXPECTED_TIERS[kernelKey()]?.[def.id];
  if (written !== undefined && written !== first) {
    const why = support.map((s) => `${s.tier.name}: ${s.supported ? 'supported' : s.why}`).join('; ');
    throw new Error(`${def.id} on ${kernelKey()} should run on ${written}, but the first supported tier is ${first} (${why})`);
  }
  return first;
}
