/**
 * The /metrics endpoint. It serves the latest frame, folded into families (families.ts) when the frame is published;
 * a scrape reads no map and starts no work beyond formatting that frame once per format (prom-client's registries do
 * the formatting: Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the scraper asks for it). Every client is bounded:
 * 256 connections at once (more are closed on arrival), 8 KB of request head, 5 s to send it, 10 s of inactivity, and
 * the response is one shared buffer per frame and format, so a slow or hostile client can neither stall the interval
 * nor make sixty's memory grow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import promClient from 'prom-client';
import type { ListenAddress } from '../args.js';
import { UserError } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { FAMILIES, MetricsState, type Family, type FamilyDef, type FamilyKey, type HistogramSample, type Sample } from './families.js';

const { Registry } = promClient;
export const MAX_CONNECTIONS = 256;
const IDLE_MS = 10_000;
const HEAD_MS = 5_000;

type Format = 'prometheus' | 'openmetrics';
interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** One family as prom-client's registry reads a metric: `get()` gives name, help, type and values. */
class FamilyMetric {
  readonly aggregator = 'sum';
  name: string;
  readonly help: string;
  readonly type: FamilyDef['type'];
  constructor(
    def: FamilyDef,
    private readonly current: () => Family,
  ) {
    this.name = def.name;
    this.help = def.help;
    this.type = def.type;
  }
  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    // The registry may rename a counter for OpenMetrics (it drops _total and adds it to each sample): use this.name.
    const values: Value[] = [];
    for (const s of this.current().samples) {
      if (this.type !== 'histogram') {
        values.push({ labels: { ...(s as Sample).labels }, value: (s as Sample).value });
        continue;
      }
      const h = s as HistogramSample;
      const base = this.name;
      for (const b of h.buckets) values.push({ labels: { ...h.labels, le: b.le }, value: b.count, metricName: `${base}_bucket` });
      values.push({ labels: { ...h.labels, le: '+Inf' }, value: h.count, metricName: `${base}_bucket` });
      values.push({ labels: { ...h.labels }, value: h.sum, metricName: `${base}_sum` });
      values.push({ labels: { ...h.labels }, value: h.count, metricName: `${base}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class MetricsEndpoint {
  private readonly state: MetricsState;
  private readonly registries: Record<Format, InstanceType<typeof Registry>>;
  private cache: Partial<Record<Format, Promise<Buffer>>> = {};
  private readonly sockets = new Set<Socket>();
  /** scrapes served, and how long formatting took (for the closing figures and the tests) */
  readonly served = { scrapes: 0, formatMs: 0, formats: 0 };

  private constructor(
    private readonly server: Server,
    readonly address: string,
    top: number,
  ) {
    this.state = new MetricsState(top);
    const om = new Registry();
    om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as unknown as typeof om.contentType);
    this.registries = { prometheus: new Registry(), openmetrics: om };
    for (const reg of Object.values(this.registries)) {
      // Each registry gets objects of its own: OpenMetrics formatting renames counters in place.
      // A family's samples are taken when a scrape formats it, not at every frame: with no scraper, nothing is built.
      for (const [key, def] of Object.entries(FAMILIES)) reg.registerMetric(new FamilyMetric(def, () => this.state.family(key as FamilyKey)) as unknown as promClient.Metric);
    }
  }

  /** Binds ADDR:PORT (before anything else starts); a bind that fails is one UserError line, exit 2. */
  static async listen(addr: ListenAddress, top: number): Promise<MetricsEndpoint> {
    const ref: { ep?: MetricsEndpoint } = {};
    const server = createServer({ maxHeaderSize: 8192, requestTimeout: HEAD_MS, headersTimeout: HEAD_MS, keepAliveTimeout: HEAD_MS }, (req, res) => ref.ep?.handle(req, res));
    server.maxConnections = MAX_CONNECTIONS;
    server.timeout = IDLE_MS;
    server.maxRequestsPerSocket = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: addr.host, port: addr.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`cannot serve metrics on ${quoteInput(addr.host, 80)}:${addr.port}: ${bindError(e)}`, 2);
    });
    const a = server.address();
    const where = typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : `${addr.host}:${addr.port}`;
    const self = new MetricsEndpoint(server, where, top);
    ref.ep = self;
    server.on('connection', (s: Socket) => {
      self.sockets.add(s);
      s.on('close', () => self.sockets.delete(s));
    });
    // A client error (a head too big, a malformed request, a reset) ends that client only.
    server.on('clientError', (_e, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    });
    return self;
  }

  /** A new frame: folded in once; the next scrape of each format formats it once. */
  update(frame: Frame): void {
    this.state.update(frame);
    this.cache = {};
  }

  private body(format: Format): Promise<Buffer> {
    let p = this.cache[format];
    if (!p) {
      const t0 = performance.now();
      p = this.registries[format].metrics().then((text) => {
        this.served.formatMs += performance.now() - t0;
        this.served.formats++;
        return Buffer.from(text);
      });
      this.cache[format] = p;
    }
    return p;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('only GET and HEAD\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('sixty: metrics at /metrics\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    const format: Format = /application\/openmetrics-text/i.test(req.headers.accept ?? '') ? 'openmetrics' : 'prometheus';
    this.served.scrapes++;
    this.body(format).then(
      (buf) => {
        if (res.destroyed) return;
        res.writeHead(200, { 'Content-Type': this.registries[format].contentType, 'Content-Length': buf.length });
        res.end(req.method === 'HEAD' ? undefined : buf);
      },
      (e: unknown) => {
        if (!res.destroyed) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`cannot format the metrics: ${e instanceof Error ? e.message : String(e)}\n`);
      },
    );
  }

  /** Stops listening and drops every client: at exit, nothing waits on them. */
  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

function bindError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return 'the port is in use';
    case 'EACCES':
      return 'permission denied (ports below 1024 need root)';
    case 'EADDRNOTAVAIL':
      return 'no such address on this host';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve';
    default:
      return e.code ?? e.message;
  }
}
