/** softirqs: totals over all vectors above the per-vector table. */
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import { PanelView, type PanelViewProps } from '../PanelView.js';

export function softirqsSummary(rows: readonly SoftirqsRow[]): string {
  let count = 0;
  let pct = 0;
  for (const r of rows) {
    count += r.count_per_s ?? 0;
    pct += r.cpu_pct ?? 0;
  }
  return `all vectors: ${Math.round(count)}/s, ${pct.toFixed(2)}% of CPU time`;
}

export function Softirqs(props: Omit<PanelViewProps, 'summary'>) {
  return <PanelView {...props} summary={softirqsSummary(props.panel.rows as SoftirqsRow[])} />;
}
