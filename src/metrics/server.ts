/**
 * The /metrics endpoint. It serves the latest frame, folded into families (families.ts) when the frame is published;
 * a scrape reads no map and starts no work beyond formatting that frame once per format (prom-client's registries do
 * the formatting: Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the scraper asks for it). Every client is bounded:
 * - 256 connections at once. A connection beyond that takes the place of the least useful one (the one that has gone
 *   longest without an answer taken, or since it connected), so idle or dribbling sockets cannot lock a scraper out;
 * - 8 KB of request head, 5 s to send it (checked every second, not at Node's default of every 30 s), 10 s of
 *   inactivity;
 * - one request answered at a time: while a connection has an answer in flight, sixty reads nothing more from it.
 *   Requests that came with it (HTTP pipelining) wait their turn, at most 4; a connection that sends more (a flood
 *   that does not read its answers, which would keep a request and a response object per request) is closed before
 *   they are parsed;
 * - the response is one shared buffer per frame and format.
 * So a slow or hostile client can neither stall the interval, nor make sixty's memory grow, nor keep a scraper out.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import promClient from 'prom-client';
import type { ListenAddress } from '../args.js';
import { UserError } from '../errors.js';
import { quoteInput } from '../format.js';
import type { Frame } from '../frame.js';
import { MetricsState, type Family, type FamilyDef, type HistogramSample, type Sample } from './families.js';
import type { AnyPanelSpec } from '../panels/types.js';

const { Registry } = promClient;
export const MAX_CONNECTIONS = 256;
/** Requests one connection may have waiting for their answers (read, not yet answered); beyond, it is closed. */
export const MAX_PIPELINED = 4;
const IDLE_MS = 10_000;
const HEAD_MS = 5_000;

/** A client connection: when it was last useful (it connected, or an answer was taken) and its requests unanswered. */
interface Conn {
  useful: number;
  pending: number;
}

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
  private readonly conns = new Map<Socket, Conn>();
  /**
   * scrapes served, and how long formatting took; connections closed to make room for a new one, or for pipelining
   * deeper than MAX_PIPELINED (for the closing figures and the tests)
   */
  readonly served = { scrapes: 0, formatMs: 0, formats: 0, evicted: 0, flooded: 0 };

  private constructor(
    private readonly server: Server,
    readonly address: string,
    specs: readonly AnyPanelSpec[],
    top: number,
  ) {
    this.state = new MetricsState(specs, top);
    const om = new Registry();
    om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as unknown as typeof om.contentType);
    this.registries = { prometheus: new Registry(), openmetrics: om };
    for (const reg of Object.values(this.registries)) {
      // Each registry gets objects of its own: OpenMetrics formatting renames counters in place.
      // A family's samples are taken when a scrape formats it, not at every frame: with no scraper, nothing is built.
      for (const { key, def } of this.state.definitions())
        reg.registerMetric(new FamilyMetric(def, () => this.state.family(key)) as unknown as promClient.Metric);
    }
  }

  /** Binds ADDR:PORT (before anything else starts); a bind that fails is one UserError line, exit 2. */
  static async listen(addr: ListenAddress, specs: readonly AnyPanelSpec[], top: number): Promise<MetricsEndpoint> {
    const ref: { ep?: MetricsEndpoint } = {};
    // connectionsCheckingInterval: how often Node checks the head and request deadlines. Its default, 30 s, lets a
    // socket that sends nothing, or a byte of head now and then, hold its place for up to 35 s.
    const server = createServer(
      { maxHeaderSize: 8192, requestTimeout: HEAD_MS, headersTimeout: HEAD_MS, keepAliveTimeout: HEAD_MS, connectionsCheckingInterval: 1000 },
      (req, res) => ref.ep?.handle(req, res),
    );
    // No server.maxConnections: Node would close the newcomer, and 256 idle sockets would keep every scraper out.
    // admit() makes room instead.
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
    const self = new MetricsEndpoint(server, where, specs, top);
    ref.ep = self;
    server.on('connection', (s: Socket) => self.admit(s));
    // A client error (a head too big, a malformed request, a reset) ends that client only.
    server.on('clientError', (_e, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    });
    return self;
  }

  /** A new connection. At the limit, the least useful one (longest without an answer taken) makes room for it. */
  private admit(s: Socket): void {
    if (this.conns.size >= MAX_CONNECTIONS) {
      let victim: Socket | undefined;
      let oldest = Infinity;
      for (const [sock, c] of this.conns) {
        if (c.useful < oldest) {
          oldest = c.useful;
          victim = sock;
        }
      }
      if (victim) this.drop(victim, 'evicted');
    }
    const c: Conn = { useful: performance.now(), pending: 0 };
    this.conns.set(s, c);
    s.on('close', () => this.conns.delete(s));
    // Each chunk read is screened before Node's parser sees it. The parser turns every request head in a chunk into a
    // request and a response object before any is answered, however many there are: a 64 KB chunk of pipelined GETs
    // is some 1,500 pairs, about 14 ms of CPU and, while the client does not read, a queue that never drains. Node's
    // server reads the socket straight into its parser until a 'data' listener is added; from then on its own 'data'
    // listener feeds the parser. Ours replaces it and passes on what is not a flood.
    const parse = s.listeners('data') as ((d: Buffer) => void)[];
    if (parse.length === 0) return;
    s.removeAllListeners('data');
    s.on('data', (d: Buffer) => {
      if (c.pending + heads(d, MAX_PIPELINED + 1) > MAX_PIPELINED) {
        this.drop(s, 'flooded');
        return;
      }
      for (const f of parse) f.call(s, d);
    });
  }

  private drop(s: Socket, why: 'evicted' | 'flooded'): void {
    this.conns.delete(s);
    s.destroy();
    this.served[why]++;
  }

  /**
   * A request read. Until its answer is with the kernel, sixty reads nothing more from that connection: its bytes wait
   * in the kernel and the client's sends stall. Requests read in the same chunk (HTTP pipelining) queue behind it, up
   * to MAX_PIPELINED; a client with more (one that sends requests without reading their answers) is closed. False
   * when the request is not to be answered.
   */
  private begin(req: IncomingMessage, res: ServerResponse): boolean {
    const s = req.socket;
    const c = this.conns.get(s);
    if (!c || s.destroyed) return false;
    if (++c.pending > MAX_PIPELINED) {
      this.drop(s, 'flooded');
      return false;
    }
    s.pause();
    let settled = false;
    // 'finish': the answer is with the kernel; 'close' without 'finish': the connection ended first.
    const settle = (): void => {
      if (settled) return;
      settled = true;
      c.pending--;
      c.useful = performance.now();
      // Node pauses the socket itself when its queued output backs up (its _paused flag) and resumes it when that
      // drains; resuming it here first would hand its parser data it asserts it is not given.
      if (c.pending === 0 && !s.destroyed && !(s as Socket & { _paused?: boolean })._paused) s.resume();
    };
    res.once('finish', settle);
    res.once('close', settle);
    return true;
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
    if (!this.begin(req, res)) return;
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
        if (!res.destroyed)
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`cannot format the metrics: ${e instanceof Error ? e.message : String(e)}\n`);
      },
    );
  }

  /** Stops listening and drops every client: at exit, nothing waits on them. */
  close(): void {
    this.server.close();
    for (const s of this.conns.keys()) s.destroy();
    this.conns.clear();
  }
}

/** Request heads in a chunk (blank lines that end one), counted up to `limit`. */
function heads(d: Buffer, limit: number): number {
  let n = 0;
  for (let i = d.indexOf(CRLF2); i >= 0 && n < limit; i = d.indexOf(CRLF2, i + 4)) n++;
  return n;
}
const CRLF2 = Buffer.from('\r\n\r\n');

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
