/** tcptop model: bytes per connection per interval, from cumulative per-entry counters. Pure. */
import type { TcptopRecord } from '../records/tcptop.js';
import { delta, perSecond } from './delta.js';

/** A kernel map entry as the model sees it: named by an opaque id, never by its kernel key. */
export interface TcptopConn extends Omit<TcptopRecord, 'rawKey' | 'key'> {
  /** opaque and stable while the entry lives (the reader numbers entries as it first sees them) */
  id: string;
}

export interface TcptopSample {
  /** by id */
  conns: Map<string, TcptopConn>;
  /** events dropped because the kernel map was full, cumulative */
  mapFull: bigint;
  /** entries in the kernel map and its capacity */
  entries: number;
  capacity: number;
}

/** A row names its connection as the record does, and carries the interval's bytes and rates. */
export interface TcptopRow extends Omit<TcptopConn, 'rx' | 'tx'> {
  rx_bytes: number | null;
  tx_bytes: number | null;
  rx_per_s: number | null;
  tx_per_s: number | null;
}

/**
 * One row per entry that moved bytes in this interval. An entry absent from `previous` is new since the last read,
 * so all its bytes belong to this interval. A counter that went backwards gives null, never a negative.
 */
export function deriveTcptop(sample: TcptopSample, previous: TcptopSample | undefined, elapsedNs: number): TcptopRow[] {
  const rows: TcptopRow[] = [];
  for (const cur of sample.conns.values()) {
    const p = previous?.conns.get(cur.id);
    const rx = p ? delta(cur.rx, p.rx) : Number(cur.rx);
    const tx = p ? delta(cur.tx, p.tx) : Number(cur.tx);
    if (rx === 0 && tx === 0) continue;
    const { rx: _rx, tx: _tx, ...conn } = cur;
    rows.push({
      ...conn,
      rx_bytes: rx,
      tx_bytes: tx,
      rx_per_s: perSecond(rx, elapsedNs),
      tx_per_s: perSecond(tx, elapsedNs),
    });
  }
  return rows;
}

export function tcptopStats(sample: TcptopSample, previous: TcptopSample | undefined): Record<string, number> {
  return {
    map_full_drops: previous ? (delta(sample.mapFull, previous.mapFull) ?? 0) : Number(sample.mapFull),
    map_full_drops_total: Number(sample.mapFull),
    entries: sample.entries,
    capacity: sample.capacity,
  };
}
