/**
 * Frames → Prometheus metric families. Pure apart from its own accumulators: `update(frame)` folds one frame in, and
 * `families()` gives every family's samples as they stand. Counters are what the panels counted since sixty started
 * (frames carry one interval each, so they are summed here); gauges are the latest frame's. Labels are bounded: per
 * vector and CPU, per CPU, per disk and operation, and per process name capped at the `top` busiest (the rest summed
 * as comm="(other processes)"), so a fork storm or ten thousand connections add no series. Cardinality per family: docs/prometheus.md.
 */
import type { Frame, PanelFrame } from '../frame.js';

export type Labels = Readonly<Record<string, string>>;
export interface Sample {
  labels: Labels;
  value: number;
}
export interface HistogramSample {
  labels: Labels;
  /** cumulative counts at each upper bound (ascending); +Inf is `count` */
  buckets: readonly { le: number; count: number }[];
  sum: number;
  count: number;
}
export type FamilyType = 'counter' | 'gauge' | 'histogram';
export interface FamilyDef {
  name: string;
  help: string;
  type: FamilyType;
}
export interface Family extends FamilyDef {
  samples: readonly (Sample | HistogramSample)[];
}

/** Every family sixty exposes, in the order of the exposition. Counter names end in _total, units are base units. */
export const FAMILIES = {
  frames: { name: 'sixty_frames_total', help: 'Frames read since sixty started (one per interval).', type: 'counter' },
  frameTime: { name: 'sixty_last_frame_timestamp_seconds', help: 'Wall-clock time of the latest frame, the one served.', type: 'gauge' },
  interval: { name: 'sixty_interval_seconds', help: 'Measured length of the latest interval.', type: 'gauge' },
  cpu: { name: 'sixty_process_cpu_seconds_total', help: "sixty's own CPU time (user and system, all threads).", type: 'counter' },
  rss: { name: 'sixty_process_resident_memory_bytes', help: "sixty's resident memory.", type: 'gauge' },
  panelUp: { name: 'sixty_panel_up', help: 'Whether the panel is reading (1) or not (0: starting, standby, off or in error).', type: 'gauge' },
  panelInfo: { name: 'sixty_panel_info', help: 'The panel, its status and the hook tier in use (value 1).', type: 'gauge' },
  dropped: { name: 'sixty_panel_dropped_total', help: 'Events or entries a panel could not count, by panel and reason (map full, LRU evicted, completions lost, BPF recursion).', type: 'counter' },
  bpfRuns: { name: 'sixty_bpf_runs_total', help: "Runs of a panel's BPF programs, counted while kernel.bpf_stats_enabled is on.", type: 'counter' },
  bpfSeconds: { name: 'sixty_bpf_run_seconds_total', help: "Time in a panel's BPF programs, counted while kernel.bpf_stats_enabled is on.", type: 'counter' },
  softirqs: { name: 'sixty_softirqs_total', help: 'Softirqs run, by vector and CPU (cpu="all" where the tier has no per-CPU split).', type: 'counter' },
  softirqSeconds: { name: 'sixty_softirq_seconds_total', help: 'Time spent running softirqs, by vector and CPU.', type: 'counter' },
  runq: { name: 'sixty_runqueue_length', help: 'Run queue length (tasks waiting, the running one not counted) at timer samples, 99 Hz per CPU.', type: 'histogram' },
  runqOccupancy: { name: 'sixty_runqueue_occupancy_ratio', help: 'Share of the latest interval\'s samples that found a task waiting, by CPU.', type: 'gauge' },
  diskIos: { name: 'sixty_disk_ios_total', help: 'Block I/Os completed, by disk and operation.', type: 'counter' },
  diskBytes: { name: 'sixty_disk_bytes_total', help: 'Bytes moved by completed block I/Os, by disk and operation.', type: 'counter' },
  diskLatency: { name: 'sixty_disk_io_latency_seconds', help: 'Block I/O latency, issue to completion, by disk and operation.', type: 'histogram' },
  tcpRx: { name: 'sixty_tcp_received_bytes_total', help: 'TCP bytes received, by process name (the busiest; the rest as comm="(other processes)").', type: 'counter' },
  tcpTx: { name: 'sixty_tcp_sent_bytes_total', help: 'TCP bytes sent, by process name (the busiest; the rest as comm="(other processes)").', type: 'counter' },
  fileReadBytes: { name: 'sixty_file_read_bytes_total', help: 'Bytes read through read(2)-family calls, by process name and file type.', type: 'counter' },
  fileWriteBytes: { name: 'sixty_file_written_bytes_total', help: 'Bytes written through write(2)-family calls, by process name and file type.', type: 'counter' },
  fileReads: { name: 'sixty_file_reads_total', help: 'read(2)-family calls, by process name and file type.', type: 'counter' },
  fileWrites: { name: 'sixty_file_writes_total', help: 'write(2)-family calls, by process name and file type.', type: 'counter' },
  cacheHits: { name: 'sixty_page_cache_hits_total', help: 'Page cache accesses that hit, by process name.', type: 'counter' },
  cacheMisses: { name: 'sixty_page_cache_misses_total', help: 'Page cache accesses that missed (pages added), by process name.', type: 'counter' },
  cacheDirtied: { name: 'sixty_page_cache_dirtied_pages_total', help: 'Page cache pages dirtied, by process name.', type: 'counter' },
} as const satisfies Record<string, FamilyDef>;
export type FamilyKey = keyof typeof FAMILIES;
type Key = FamilyKey;

/** Bucket bounds: run queue lengths, and latency at every power of 4 from 1 µs to 17 s (log2 slots merged by two). */
const RUNQ_BOUNDS = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24];
const LATENCY_SLOTS = Array.from({ length: 13 }, (_, i) => 10 + 2 * i); // 2^10 … 2^34 ns
const FILE_TYPES: Readonly<Record<string, string>> = { R: 'regular', S: 'socket', O: 'other' };
/** A process name that has been quiet this long gives its place to another (its series ends). */
export const NAME_IDLE_NS = 10 * 60 * 1e9;
/**
 * The label of everything beyond the top names. Longer than any process name can be (comm is at most 15 bytes, and
 * this holds no backslash, so no escaped name gives it either): a process that calls itself "other" is itself.
 */
export const OTHER = '(other processes)';

const labelKey = (l: Labels): string => JSON.stringify(l);

/** Running totals of one counter family, by label set. */
class Counter {
  readonly series = new Map<string, Sample>();
  add(labels: Labels, v: number): void {
    if (!(v > 0)) return;
    const k = labelKey(labels);
    const s = this.series.get(k);
    if (s) s.value += v;
    else this.series.set(k, { labels, value: v });
  }
  /** A total kept elsewhere (a panel's own running count): the latest value stands. */
  set(labels: Labels, v: number): void {
    this.series.set(labelKey(labels), { labels, value: v });
  }
  drop(pred: (l: Labels) => boolean): void {
    for (const [k, s] of this.series) if (pred(s.labels)) this.series.delete(k);
  }
}

/** Running histograms of one family, by label set; buckets are per-bound counts, made cumulative on export. */
class Histogram {
  readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(private readonly bounds: readonly number[]) {}
  add(labels: Labels, counts: readonly number[], sum: number, count: number): void {
    if (!(count > 0)) return;
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 }));
    counts.forEach((c, i) => (s.counts[i]! += c));
    s.sum += sum;
    s.count += count;
  }
  samples(): HistogramSample[] {
    return [...this.series.values()].map((s) => {
      let acc = 0;
      return { labels: s.labels, buckets: this.bounds.map((le, i) => ({ le, count: (acc += s.counts[i]!) })), sum: s.sum, count: s.count };
    });
  }
}

/**
 * The process names that get series of their own in one panel's families: at most `top`, taken by the busiest when
 * there is room; a name quiet for NAME_IDLE_NS leaves (and its series with it), making room for another.
 */
export class NameSlots {
  private readonly last = new Map<string, number>();
  constructor(private readonly top: number) {}
  /** Assigns this frame's names (with how busy each was): the label each is counted under. */
  assign(busy: ReadonlyMap<string, number>, nowNs: number): { labelOf: (name: string) => string; left: string[] } {
    const left: string[] = [];
    for (const [name, t] of this.last) {
      if (!busy.has(name) && nowNs - t >= NAME_IDLE_NS) {
        this.last.delete(name);
        left.push(name);
      }
    }
    const ranked = [...busy].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [name] of ranked) {
      if (this.last.has(name) || this.last.size < this.top) this.last.set(name, nowNs);
    }
    return { labelOf: (name) => (this.last.has(name) ? name : OTHER), left };
  }
  get size(): number {
    return this.last.size;
  }
}

type Rows = readonly Record<string, unknown>[];
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

export class MetricsState {
  private readonly counters = new Map<Key, Counter>();
  private readonly histograms = new Map<Key, Histogram>();
  private readonly gauges = new Map<Key, Sample[]>();
  private readonly names: Record<'tcptop' | 'filetop' | 'cachetop', NameSlots>;
  private frames = 0;
  private clockNs = 0;

  constructor(top = 20) {
    this.names = { tcptop: new NameSlots(top), filetop: new NameSlots(top), cachetop: new NameSlots(top) };
    this.histograms.set('runq', new Histogram(RUNQ_BOUNDS));
    this.histograms.set('diskLatency', new Histogram(LATENCY_SLOTS.map((s) => 2 ** s / 1e9)));
  }

  private counter(k: Key): Counter {
    let c = this.counters.get(k);
    if (!c) this.counters.set(k, (c = new Counter()));
    return c;
  }

  /** Folds one frame in. Frames are taken in order; each carries one interval's counts. */
  update(frame: Frame): void {
    this.frames++;
    // Time for ageing names out: the frames' own clock, so a replayed or a stalled run ages as it was measured.
    this.clockNs += frame.elapsedNs > 0 ? frame.elapsedNs : 0;
    this.counter('frames').set({}, this.frames);
    const g: Partial<Record<Key, Sample[]>> = {
      frameTime: [{ labels: {}, value: Date.parse(frame.time) / 1000 }],
      interval: [{ labels: {}, value: frame.elapsedNs / 1e9 }],
    };
    if (frame.self) {
      if (frame.self.cpuPct !== null) this.counter('cpu').add({}, (frame.self.cpuPct / 100) * (frame.elapsedNs / 1e9));
      g.rss = [{ labels: {}, value: frame.self.rssBytes }];
    }
    g.panelUp = [];
    g.panelInfo = [];
    g.runqOccupancy = [];
    for (const p of frame.panels) {
      g.panelUp.push({ labels: { panel: p.id }, value: p.status === 'ok' ? 1 : 0 });
      g.panelInfo.push({ labels: { panel: p.id, status: p.status, tier: p.tier ?? '' }, value: 1 });
      for (const [k, v] of Object.entries(p.stats)) {
        const reason = /^(.*_drops|.*evicted|unmatched_completions)_total$/.exec(k)?.[1];
        if (reason) this.counter('dropped').set({ panel: p.id, reason }, v);
      }
      if (p.stats.bpf_runs !== undefined) this.counter('bpfRuns').add({ panel: p.id }, p.stats.bpf_runs);
      if (p.stats.bpf_run_ns !== undefined) this.counter('bpfSeconds').add({ panel: p.id }, p.stats.bpf_run_ns / 1e9);
      if (p.status !== 'ok') continue;
      const rows = p.rows as unknown as Rows;
      switch (p.id) {
        case 'softirqs':
          this.softirqs(rows);
          break;
        case 'runqlen':
          this.runqlen(rows, g.runqOccupancy);
          break;
        case 'biotop':
          this.biotop(rows);
          break;
        case 'tcptop':
          this.tcptop(rows, p);
          break;
        case 'filetop':
          this.filetop(rows, p);
          break;
        case 'cachetop':
          this.cachetop(rows);
          break;
      }
    }
    for (const [k, v] of Object.entries(g)) this.gauges.set(k as Key, v);
  }

  private softirqs(rows: Rows): void {
    for (const r of rows) {
      const vector = str(r.vector);
      const counts = r.cpu_counts as readonly number[] | null;
      const times = r.cpu_time_ns as readonly number[] | null;
      if (counts && times) {
        counts.forEach((c, cpu) => this.counter('softirqs').add({ vector, cpu: String(cpu) }, c));
        times.forEach((t, cpu) => this.counter('softirqSeconds').add({ vector, cpu: String(cpu) }, t / 1e9));
      } else {
        this.counter('softirqs').add({ vector, cpu: 'all' }, num(r.count));
        this.counter('softirqSeconds').add({ vector, cpu: 'all' }, num(r.time_ns) / 1e9);
      }
    }
  }

  private runqlen(rows: Rows, occupancy: Sample[]): void {
    for (const r of rows) {
      if (r.cpu === 'all') continue;
      const cpu = String(r.cpu);
      const hist = (r.hist as readonly number[] | undefined) ?? [];
      const counts = RUNQ_BOUNDS.map(() => 0);
      let sum = 0;
      let count = 0;
      hist.forEach((c, len) => {
        if (!(c > 0)) return;
        const b = RUNQ_BOUNDS.findIndex((le) => len <= le);
        if (b >= 0) counts[b]! += c;
        sum += len * c;
        count += c;
      });
      this.histograms.get('runq')!.add({ cpu }, counts, sum, count);
      if (r.occupancy_pct !== null && r.occupancy_pct !== undefined) occupancy.push({ labels: { cpu }, value: num(r.occupancy_pct) / 100 });
    }
  }

  private biotop(rows: Rows): void {
    const lat = this.histograms.get('diskLatency')!;
    for (const r of rows) {
      const labels = { disk: str(r.disk), op: str(r.op) };
      const io = num(r.io);
      this.counter('diskIos').add(labels, io);
      this.counter('diskBytes').add(labels, num(r.bytes));
      const hist = (r.lat_hist as readonly number[] | undefined) ?? [];
      // Slot i holds 2^i … 2^(i+1) − 1 ns: it is under the bound 2^k when i < k.
      const counts = LATENCY_SLOTS.map(() => 0);
      let inHist = 0;
      hist.forEach((c, i) => {
        if (!(c > 0)) return;
        const b = LATENCY_SLOTS.findIndex((k) => i < k);
        if (b >= 0) counts[b]! += c;
        inHist += c;
      });
      lat.add(labels, counts, (num(r.avg_lat_ns) * io) / 1e9, inHist);
    }
  }

  /** Sums rows by process name into the panel's name slots; returns each label's sums. */
  private byName<T extends string>(panel: 'tcptop' | 'filetop' | 'cachetop', rows: Rows, fields: readonly T[], rank: (r: Record<string, unknown>) => number, extra?: (r: Record<string, unknown>) => string): Map<string, { labels: Labels; sums: Record<T, number> }> {
    const busy = new Map<string, number>();
    for (const r of rows) busy.set(str(r.comm), (busy.get(str(r.comm)) ?? 0) + rank(r));
    const { labelOf, left } = this.names[panel].assign(busy, this.clockNs);
    if (left.length) {
      const gone = new Set(left);
      for (const [k, c] of this.counters) if (FAMILY_PANEL[k] === panel) c.drop((l) => gone.has(l.comm ?? ''));
    }
    const out = new Map<string, { labels: Labels; sums: Record<T, number> }>();
    for (const r of rows) {
      const labels: Record<string, string> = { comm: labelOf(str(r.comm)) };
      if (extra) labels.type = extra(r);
      const k = labelKey(labels);
      let e = out.get(k);
      if (!e) out.set(k, (e = { labels, sums: Object.fromEntries(fields.map((f) => [f, 0])) as Record<T, number> }));
      for (const f of fields) e.sums[f] += num(r[f]);
    }
    return out;
  }

  private tcptop(rows: Rows, p: PanelFrame): void {
    // Every connection by process name when the panel gives it; else the listed rows, and the rest of the totals as other.
    const all = p.byProcess?.map((t) => ({ comm: t.comm, ...t.values }));
    const sums = this.byName('tcptop', all ?? rows, ['rx_bytes', 'tx_bytes'] as const, (r) => num(r.rx_bytes) + num(r.tx_bytes));
    let rx = 0;
    let tx = 0;
    for (const { labels, sums: s } of sums.values()) {
      this.counter('tcpRx').add(labels, s.rx_bytes);
      this.counter('tcpTx').add(labels, s.tx_bytes);
      rx += s.rx_bytes;
      tx += s.tx_bytes;
    }
    if (all) return;
    this.counter('tcpRx').add({ comm: OTHER }, num(p.stats.rx_bytes) - rx);
    this.counter('tcpTx').add({ comm: OTHER }, num(p.stats.tx_bytes) - tx);
  }

  private filetop(rows: Rows, p: PanelFrame): void {
    const f = ['read_bytes', 'write_bytes', 'reads', 'writes'] as const;
    const all = p.byProcess?.map((t) => ({ comm: t.comm, type: t.type, ...t.values }));
    const sums = this.byName('filetop', all ?? rows, f, (r) => num(r.read_bytes) + num(r.write_bytes), (r) => FILE_TYPES[str(r.type)] ?? 'other');
    const seen = { read_bytes: 0, write_bytes: 0, reads: 0, writes: 0 };
    for (const { labels, sums: s } of sums.values()) {
      this.counter('fileReadBytes').add(labels, s.read_bytes);
      this.counter('fileWriteBytes').add(labels, s.write_bytes);
      this.counter('fileReads').add(labels, s.reads);
      this.counter('fileWrites').add(labels, s.writes);
      for (const k of f) seen[k] += s[k];
    }
    if (all) return;
    // Files beyond the listed 2000 busiest: in the totals, of no known type.
    const rest = { comm: OTHER, type: 'unlisted' };
    this.counter('fileReadBytes').add(rest, num(p.stats.read_bytes) - seen.read_bytes);
    this.counter('fileWriteBytes').add(rest, num(p.stats.write_bytes) - seen.write_bytes);
    this.counter('fileReads').add(rest, num(p.stats.reads) - seen.reads);
    this.counter('fileWrites').add(rest, num(p.stats.writes) - seen.writes);
  }

  private cachetop(rows: Rows): void {
    const sums = this.byName('cachetop', rows, ['hits', 'misses', 'dirties'] as const, (r) => num(r.accesses));
    for (const { labels, sums: s } of sums.values()) {
      this.counter('cacheHits').add(labels, s.hits);
      this.counter('cacheMisses').add(labels, s.misses);
      this.counter('cacheDirtied').add(labels, s.dirties);
    }
  }

  /** One family with its samples as they stand (none yet: HELP and TYPE still say what it is). */
  family(k: FamilyKey): Family {
    const def = FAMILIES[k];
    const samples: (Sample | HistogramSample)[] =
      def.type === 'histogram' ? (this.histograms.get(k)?.samples() ?? []) : def.type === 'counter' ? [...(this.counters.get(k)?.series.values() ?? [])] : (this.gauges.get(k) ?? []);
    return { ...def, samples };
  }

  /** Every family, in the order of the exposition. */
  families(): Family[] {
    return (Object.keys(FAMILIES) as FamilyKey[]).map((k) => this.family(k));
  }
}

/** Which panel's name slots a family's comm label comes from. */
const FAMILY_PANEL: Partial<Record<Key, 'tcptop' | 'filetop' | 'cachetop'>> = {
  tcpRx: 'tcptop',
  tcpTx: 'tcptop',
  fileReadBytes: 'filetop',
  fileWriteBytes: 'filetop',
  fileReads: 'filetop',
  fileWrites: 'filetop',
  cacheHits: 'cachetop',
  cacheMisses: 'cachetop',
  cacheDirtied: 'cachetop',
};
