/**
 * Frames → Prometheus metric families. Pure apart from its own accumulators: `update(frame)` folds one frame in, and
 * `families()` gives every family's samples as they stand. sixty's own families come first (frames, its cost, each
 * panel's state, drops and BPF cost); then each panel's own, which the panel declares with the fold that fills them
 * (src/panels/metric-kit.ts), in tab order. Counters are what the panels counted since sixty started (frames carry one
 * interval each, so they are summed here); gauges are the latest frame's. Labels are bounded: per vector and CPU, per
 * CPU, per disk and operation, and per process name capped at the `top` busiest (the rest summed as
 * comm="(other processes)"), so a fork storm or ten thousand connections add no series. Cardinality per family:
 * docs/prometheus.md.
 */
import type { Frame } from '../frame.js';
import { OTHER, type Labels, type MetricFamily, type MetricSink } from '../panels/metric-kit.js';
import type { AnyPanelSpec } from '../panels/types.js';
import { addCounts } from '../models/delta.js';

export { OTHER };
export type { Labels };
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
export type FamilyType = MetricFamily['type'];
export type FamilyDef = MetricFamily;
export interface Family extends FamilyDef {
  samples: readonly (Sample | HistogramSample)[];
}

/** sixty's own families, first in the exposition. Counter names end in _total, units are base units. */
export const FAMILIES = {
  frames: { name: 'sixty_frames_total', help: 'Frames read since sixty started (one per interval).', type: 'counter' },
  frameTime: { name: 'sixty_last_frame_timestamp_seconds', help: 'Wall-clock time of the latest frame, the one served.', type: 'gauge' },
  interval: { name: 'sixty_interval_seconds', help: 'Measured length of the latest interval.', type: 'gauge' },
  cpu: { name: 'sixty_process_cpu_seconds_total', help: "sixty's own CPU time (user and system, all threads).", type: 'counter' },
  rss: { name: 'sixty_process_resident_memory_bytes', help: "sixty's resident memory.", type: 'gauge' },
  panelUp: { name: 'sixty_panel_up', help: 'Whether the panel is reading (1) or not (0: starting, standby, off or in error).', type: 'gauge' },
  panelInfo: { name: 'sixty_panel_info', help: 'The panel, its status and the hook tier in use (value 1).', type: 'gauge' },
  dropped: {
    name: 'sixty_panel_dropped_total',
    help: 'Events or entries a panel could not count, by panel and reason (map full, LRU evicted, completions lost, BPF recursion, ring buffer full, over the rate bound).',
    type: 'counter',
  },
  bpfRuns: { name: 'sixty_bpf_runs_total', help: "Runs of a panel's BPF programs, counted while kernel.bpf_stats_enabled is on.", type: 'counter' },
  bpfSeconds: { name: 'sixty_bpf_run_seconds_total', help: "Time in a panel's BPF programs, counted while kernel.bpf_stats_enabled is on.", type: 'counter' },
} as const satisfies Record<string, FamilyDef>;
export type FamilyKey = keyof typeof FAMILIES;

/** A process name that has been quiet this long gives its place to another (its series ends). */
export const NAME_IDLE_NS = 10 * 60 * 1e9;

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
    addCounts(s.counts, counts);
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

/** One panel's families on the endpoint: its spec, its families by key, and its process name slots. */
interface PanelFamilies {
  spec: AnyPanelSpec;
  keys: readonly string[];
  names: NameSlots;
  /** what the panel's fold writes to: made once (its functions then stay optimized) */
  sink?: MetricSink<string>;
}

export class MetricsState {
  /** running totals and latest values, by family name */
  private readonly counters = new Map<string, Counter>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly gauges = new Map<string, Sample[]>();
  private readonly defs = new Map<string, FamilyDef>();
  private readonly panels = new Map<string, PanelFamilies>();
  private frames = 0;
  private clockNs = 0;

  /** `specs`: the panels whose families the endpoint lists, in tab order (each one's, even before it reads). */
  constructor(
    private readonly specs: readonly AnyPanelSpec[],
    private readonly top = 20,
  ) {
    for (const [k, def] of Object.entries(FAMILIES)) this.defs.set(k, def);
    for (const spec of specs) {
      if (!spec.metrics) continue;
      const families = spec.metrics.families as Record<string, FamilyDef>;
      for (const [k, def] of Object.entries(families)) {
        if ([...this.defs.values()].some((d) => d.name === def.name)) throw new Error(`metric family ${def.name} declared twice`);
        this.defs.set(familyKey(spec.id, k), def);
        if (def.type === 'histogram') this.histograms.set(familyKey(spec.id, k), new Histogram(def.bounds ?? []));
      }
      this.panels.set(spec.id, { spec, keys: Object.keys(families), names: new NameSlots(this.top) });
    }
  }

  private counter(k: string): Counter {
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
    this.gauges.set('frameTime', [{ labels: {}, value: Date.parse(frame.time) / 1000 }]);
    this.gauges.set('interval', [{ labels: {}, value: frame.elapsedNs / 1e9 }]);
    if (frame.self) {
      if (frame.self.cpuPct !== null) this.counter('cpu').add({}, (frame.self.cpuPct / 100) * (frame.elapsedNs / 1e9));
      this.gauges.set('rss', [{ labels: {}, value: frame.self.rssBytes }]);
    }
    const up: Sample[] = [];
    const info: Sample[] = [];
    // A gauge holds what the latest frame gave it: none from a panel that is not reading now.
    for (const [id, pf] of this.panels) for (const k of pf.keys) if (pf.spec.metrics!.families[k]!.type === 'gauge') this.gauges.set(familyKey(id, k), []);
    for (const p of frame.panels) {
      up.push({ labels: { panel: p.id }, value: p.status === 'ok' ? 1 : 0 });
      info.push({ labels: { panel: p.id, status: p.status, tier: p.tier ?? '' }, value: 1 });
      const pf = this.panels.get(p.id);
      const spec = pf?.spec ?? this.specs.find((s) => s.id === p.id);
      for (const d of spec?.drops ?? []) {
        const v = p.stats[d.total];
        if (v !== undefined) this.counter('dropped').set({ panel: p.id, reason: d.reason }, v);
      }
      if (p.stats.bpf_runs !== undefined) this.counter('bpfRuns').add({ panel: p.id }, p.stats.bpf_runs);
      if (p.stats.bpf_run_ns !== undefined) this.counter('bpfSeconds').add({ panel: p.id }, p.stats.bpf_run_ns / 1e9);
      if (p.status !== 'ok' || !pf) continue;
      pf.spec.metrics!.fold(p, (pf.sink ??= this.sinkOf(p.id, pf)));
    }
    this.gauges.set('panelUp', up);
    this.gauges.set('panelInfo', info);
  }

  private sinkOf(id: string, pf: PanelFamilies): MetricSink<string> {
    const key = (k: string): string => familyKey(id, k);
    return {
      add: (k, labels, v) => this.counter(key(k)).add(labels, v),
      gauge: (k, labels, v) => this.gauges.get(key(k))!.push({ labels, value: v }),
      observe: (k, labels, counts, sum, count) => this.histograms.get(key(k))!.add(labels, counts, sum, count),
      processLabels: (busy) => {
        const { labelOf, left } = pf.names.assign(busy, this.clockNs);
        if (left.length) {
          // A name that left takes its series with it, in every family of this panel that has a comm label.
          const gone = new Set(left);
          for (const k of pf.keys) this.counters.get(key(k))?.drop((l) => gone.has(l.comm ?? ''));
        }
        return labelOf;
      },
    };
  }

  /** Every family's definition, in the order of the exposition. */
  definitions(): { key: string; def: FamilyDef }[] {
    return [...this.defs].map(([key, def]) => ({ key, def }));
  }

  /** One family with its samples as they stand (none yet: HELP and TYPE still say what it is). */
  family(key: string): Family {
    const def = this.defs.get(key);
    if (!def) throw new Error(`no metric family ${key}`);
    const samples: (Sample | HistogramSample)[] =
      def.type === 'histogram'
        ? (this.histograms.get(key)?.samples() ?? [])
        : def.type === 'counter'
          ? [...(this.counters.get(key)?.series.values() ?? [])]
          : (this.gauges.get(key) ?? []);
    return { ...def, samples };
  }

  /** Every family, in the order of the exposition. */
  families(): Family[] {
    return [...this.defs.keys()].map((k) => this.family(k));
  }
}

/** A panel's family, among all: its panel and its own key. */
const familyKey = (panel: string, k: string): string => `${panel}.${k}`;
