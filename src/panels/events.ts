/**
 * What event panels share (execsnoop, opensnoop): their events cross through a ring buffer that the addon drains into
 * a bounded staging buffer; what either turned away is counted, never silently lost. Their counters, the clock their
 * events are listed by, and the columns every one of them has.
 */
import { humanCount } from '../format.js';
import type { HostInfo } from '../sources/types.js';
import { asNumber, type Column, type DropCounter } from './types.js';

/**
 * What the addon's thread stages between two reads: beyond it, records are counted as over the rate, not kept. 8 MiB
 * is about 22,000 execs of a typical command line, or 28,000 opens of a 200-byte path, in one interval.
 */
export const STAGING_BYTES = 8 * 1024 * 1024;

/**
 * --serve's event rings (each panel's own is 1 to 8 MiB, bpf/<panel>.h). A ring's pages are the kernel's from load, and
 * the addon maps them to read them (the data area twice, so that a record can wrap): in the console, 43 MB of sixty's
 * RSS. 1 MiB holds about 3,000 opens of a 200-byte path; the addon drains a busy ring every 25 ms and an idle one at
 * least every 100 ms (bench/event-rate.mjs measures where loss begins). What a burst beyond it loses is counted.
 */
export const DAEMON_RING_BYTES = 1024 * 1024;

/** An event panel's ring buffer map at the size the host asks for (--ring-size, --serve), else its own (mapSizes). */
export function ringMapSize<M extends string>(map: M): (host: HostInfo) => Partial<Record<M, number>> {
  return (host) => (host.ringBytes ? ({ [map]: host.ringBytes } as Partial<Record<M, number>>) : {});
}

/** Events the ring buffer had no room for (the reader fell behind a burst). */
export const RING_FULL: DropCounter = { key: 'ring_full_drops', total: 'ring_full_drops_total', reason: 'ring_full', shown: 'ring full drops' };
/** Events over what sixty takes in per interval (the staging bound). */
export const RATE_DROPPED: DropCounter = { key: 'rate_drops', total: 'rate_drops_total', reason: 'over_rate', shown: 'events over the rate bound' };

/** The counters every event panel's sample carries, cumulative since load. */
export interface RingCounters {
  ringFull: number;
  mapFull: number;
  rateDropped: number;
}

/** The interval's and the running totals of what was lost, as stats. */
export function ringStats(sample: RingCounters, previous: RingCounters | undefined): Record<string, number> {
  const since = (k: keyof RingCounters): number => Math.max(0, sample[k] - (previous?.[k] ?? 0));
  return {
    ring_full_drops: since('ringFull'),
    ring_full_drops_total: sample.ringFull,
    rate_drops: since('rateDropped'),
    rate_drops_total: sample.rateDropped,
    map_full_drops: since('mapFull'),
    map_full_drops_total: sample.mapFull,
  };
}

/** Events lost in the interval, for the summary (its warning). */
export const lostEvents = (stats: Readonly<Record<string, number>>): number => (stats.ring_full_drops ?? 0) + (stats.rate_drops ?? 0);

/** The summary's words for them. */
export const lostText = (lost: number): string => (lost ? `; ${lost} events lost (ring full or over the rate): the counts are short by them` : '');

/** An event's wall-clock time, local, to the millisecond. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** TIME: the column an event list is in order by (its arrival), drawn as the clock. */
export function timeColumn<E extends { seq: number; time_ms: number }>(help: string): Column<E> {
  return { key: 'seq', title: 'TIME', width: 12, align: 'left', value: (e) => e.seq, format: (_v, e) => clock(e.time_ms), help };
}

/** A count in the interval (shown per second). */
export function countColumn<R>(key: keyof R & string, title: string, help: string, width = 7): Column<R> {
  return {
    key,
    title,
    width,
    align: 'right',
    perInterval: true,
    unit: 'count',
    value: (r) => r[key] as number,
    format: (v) => humanCount(asNumber(v)),
    help,
    decimals: 0,
  };
}

/** The scrollback after an interval: the newest `max` of what it held and what came, oldest first. */
export function keepRecent<E>(recent: readonly E[], fresh: readonly E[], max: number): E[] {
  const kept = recent.concat(fresh.length > max ? fresh.slice(-max) : fresh);
  return kept.length > max ? kept.slice(-max) : kept;
}
