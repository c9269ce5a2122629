/** tcptop: connection count, totals, and map occupancy above the per-connection table. */
import type { TcptopRow } from '../../src/models/tcptop.js';
import { PanelView, type PanelViewProps } from '../PanelView.js';

const mib = (n: number): string => (n / 1048576).toFixed(2);

export function tcptopSummary(rows: readonly TcptopRow[], stats: Readonly<Record<string, number>>, elapsedNs: number): string {
  let rx = 0;
  let tx = 0;
  for (const r of rows) {
    rx += r.rx_bytes ?? 0;
    tx += r.tx_bytes ?? 0;
  }
  const s = elapsedNs > 0 ? 1e9 / elapsedNs : 0;
  return `${rows.length} active connections, RX ${mib(rx * s)} MiB/s, TX ${mib(tx * s)} MiB/s, map ${stats.entries ?? 0}/${stats.capacity ?? 0}`;
}

export function Tcptop(props: Omit<PanelViewProps, 'summary'> & { elapsedNs: number }) {
  const { elapsedNs, ...rest } = props;
  return <PanelView {...rest} summary={tcptopSummary(props.panel.rows as TcptopRow[], props.panel.stats, elapsedNs)} />;
}
