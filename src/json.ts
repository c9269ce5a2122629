/** A frame as JSON: raw units only (bytes, ns, counts); one object per interval. */
import type { Frame, PanelState } from './store.js';

/** Row fields that never leave the process: `id` holds a kernel pointer (it would leak KASLR). */
const PRIVATE_FIELDS = new Set(['id']);

function panelJson(p: PanelState): Record<string, unknown> {
  const out: Record<string, unknown> = { status: p.status, tier: p.tier };
  if (p.hooks) out.hooks = p.hooks;
  if (p.reason) out.reason = p.reason;
  if (p.attempts.length > 0) out.attempts = p.attempts;
  out.sort = p.sort;
  out.stats = p.stats;
  out.rows = p.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !PRIVATE_FIELDS.has(k))));
  return out;
}

export function frameToJson(frame: Frame): Record<string, unknown> {
  return {
    time: frame.time.toISOString(),
    interval_ns: frame.elapsedNs,
    panels: Object.fromEntries(frame.panels.map((p) => [p.def.id, panelJson(p)])),
  };
}
