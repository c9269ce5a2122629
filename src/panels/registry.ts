/** Every panel sixty knows, in tab order. Adding a panel is one line here. */
import { softirqsPanel } from './softirqs.js';
import { tcptopPanel } from './tcptop.js';
import type { AnyPanelDef } from './types.js';

export const PANELS: readonly AnyPanelDef[] = [softirqsPanel, tcptopPanel];

export function panelById(id: string): AnyPanelDef | undefined {
  return PANELS.find((p) => p.id === id);
}
