/** tcptop: connection count, totals, and map occupancy above the per-connection table. */
import type { TcptopRow } from '../../src/models/tcptop.js';
import { PanelView, type PanelViewProps } from '../PanelView.js';

const mib = (n: number): string => (n / 1048576).toFixed(2);

export function tcptopSummary(rows: readonly TcptopRow[], stats: Readonly<Record<string, number>>): string {
  let rx = 0;
  let tx = 0;
  for (const r of rows) {
    rx += r.rx_per_s ?? 0;
    tx += r.tx_per_s ?? 0;
  }
  return `${rows.length} active connections, RX ${mib(rx)} MiB/s, TX ${mib(tx)} MiB/s, map ${stats.entries ?? 0}/${stats.capacity ?? 0}`;
}

export function Tcptop(props: Omit<PanelViewProps, 'summary'>) {
  return <PanelView {...props} summary={tcptopSummary(props.panel.rows as TcptopRow[], props.panel.stats)} />;
}
