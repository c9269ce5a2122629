/** A frame as JSON: raw units only (bytes, ns, counts); one object per interval. Rows carry their opaque ids. */
import type { Frame, PanelFrame } from './frame.js';

function panelJson(p: PanelFrame): Record<string, unknown> {
  const out: Record<string, unknown> = { status: p.status, tier: p.tier };
  if (p.hooks) out.hooks = p.hooks;
  if (p.reason) out.reason = p.reason;
  if (p.attempts.length > 0) out.attempts = p.attempts;
  out.summary = p.summary.values;
  out.stats = p.stats;
  out.rows = p.rows;
  return out;
}

export function frameToJson(frame: Frame): Record<string, unknown> {
  return {
    time: frame.time,
    interval_ns: frame.elapsedNs,
    panels: Object.fromEntries(frame.panels.map((p) => [p.id, panelJson(p)])),
  };
}
