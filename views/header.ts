/**
 * The host's essentials on every screen, htop-style: load averages against the CPU count, memory and swap, and a meter
 * per CPU (busy, its softirq share and iowait visible). Pure: from the frame's host figures (src/frame.ts).
 */
import type { HostFigures } from '../src/frame.js';
import { fit } from './cells.js';

const gib = (kb: number): string => (kb >= 1048576 ? `${(kb / 1048576).toFixed(1)}G` : `${Math.round(kb / 1024)}M`);

/** One CPU's meter: `0[|||ss  w  45%]`: `|` busy, `s` its softirq share, `w` iowait, on `width` cells of bar. */
export function cpuMeter(cpu: number, busy: number, soft: number, iowait: number, width = 10): string {
  const cells = (pct: number): number => Math.round((Math.max(0, Math.min(100, pct)) / 100) * width);
  const b = cells(busy);
  const s = Math.min(b, cells(soft));
  const w = Math.min(width - b, cells(iowait));
  const bar = '|'.repeat(b - s) + 's'.repeat(s) + 'w'.repeat(w) + ' '.repeat(width - b - w);
  return `${cpu}[${bar}${Math.round(busy).toString().padStart(3)}%]`;
}

/**
 * Pressure stall over the interval, as the header says it: `psi cpu 12% mem 0/0% io 3/1%` (some, and for memory and
 * I/O full after the slash); `no PSI` on a kernel without it; '' before the first interval.
 */
export function psiText(host: HostFigures): string {
  const p = host.psi;
  if (p === undefined) return '';
  if (p === null) return 'no PSI';
  const r = (v: number): string => (v > 0 && v < 1 ? '<1' : String(Math.round(v)));
  return `psi cpu ${r(p.cpu)}% mem ${r(p.memory)}/${r(p.memoryFull)}% io ${r(p.io)}/${r(p.ioFull)}%`;
}

/**
 * Two lines: load, pressure and memory; then as many CPU meters as fit (the busiest first when not all fit, with how many more).
 * Empty when the frame carries no host figures (no home panel in this run).
 */
export function hostLines(host: HostFigures | undefined, width: number): string[] {
  if (!host) return [];
  const load = `load ${host.load1.toFixed(2)} ${host.load5.toFixed(2)} ${host.load15.toFixed(2)} on ${host.cpus} CPUs`;
  // As htop reads: used of total first (used = total − available, as free(1) counts it), then what is available and
  // what the page cache holds, each named, so that no figure reads as another.
  const total = host.memTotalKb;
  const used = host.memUsedKb;
  const pct = total > 0 ? ` (${Math.round((used / total) * 100)}%)` : '';
  const mem = `mem used ${gib(used)}/${gib(total)}${pct} avail ${gib(host.memAvailableKb)} cache ${gib(host.memBuffCacheKb)}`;
  const swap = `swap used ${gib(host.swapUsedKb)}/${gib(host.swapTotalKb)}`;
  const psi = psiText(host);
  const first = fit(`${load}  ${psi ? `${psi}  ` : ''}${mem}  ${swap}`, width).trimEnd();
  const meters = host.meters;
  if (meters.length === 0) return [first, 'CPU meters after the first interval'];
  const one = cpuMeter(0, 0, 0, 0).length + 1;
  let shown = meters;
  let more = '';
  if (meters.length * one > width) {
    const room = Math.max(1, Math.floor((width - 12) / one));
    shown = [...meters].sort((a, b) => b.busy - a.busy || a.cpu - b.cpu).slice(0, room);
    more = ` +${meters.length - shown.length} CPUs`;
  }
  return [first, fit(shown.map((m) => cpuMeter(m.cpu, m.busy, m.soft, m.iowait)).join(' ') + more, width).trimEnd()];
}
