import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Negotiator from 'negotiator';
import { CONTENT_TYPES, type ExpositionFormat } from './exposition.js';
import type { ListenAddress } from './listen-address.js';

/** Anything that answers a scrape (the exporter). */
export interface ScrapeHandler {
  /** Null when a scrape can be answered, else why not (answered 503): no sample yet, the sampler stopped. */
  readonly unavailable: string | null;
  scrape(format: ExpositionFormat): Promise<string>;
}

export interface MetricsServer {
  /** The address actually bound (port 0 picks a free one). */
  readonly address: AddressInfo;
  /** Stops accepting, ends idle keep-alive connections, resolves when closed (bounded: see closeTimeoutMs). */
  close(): Promise<void>;
}

export const METRICS_PATH = '/metrics';

/** Bounds for a slow or stuck client: nothing waits forever. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;
const MAX_CONNECTIONS = 64;

const OFFERED = [`text/plain; version=0.0.4`, `application/openmetrics-text; version=1.0.0`];

/** Picks the format by the Accept header, like Prometheus's own client: OpenMetrics only when asked for, text otherwise. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  const chosen = new Negotiator({ headers: accept === undefined ? {} : { accept } }).mediaType(OFFERED);
  return chosen?.startsWith('application/openmetrics-text') ? 'openmetrics' : 'text';
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, head = false): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(head ? undefined : body);
}

async function handle(handler: ScrapeHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) return reply(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
  if (path === '/') return reply(res, 200, `proctop metrics exporter: see ${METRICS_PATH}\n`, {}, head);
  if (path !== METRICS_PATH) return reply(res, 404, 'not found\n', {}, head);
  const unavailable = handler.unavailable;
  if (unavailable !== null) return reply(res, 503, `${unavailable}\n`, { 'retry-after': '1' }, head);
  const format = negotiateFormat(req.headers.accept);
  const body = await handler.scrape(format);
  reply(res, 200, body, { 'content-type': CONTENT_TYPES[format] }, head);
}

/** Serves /metrics until closed. Rejects when the address cannot be bound (in use, not local, no permission). */
export function startMetricsServer(handler: ScrapeHandler, listen: ListenAddress): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    handle(handler, req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, `scrape failed: ${error instanceof Error ? error.message : String(error)}\n`);
      else res.destroy();
    });
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve({
        address: server.address() as AddressInfo,
        close: () =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              server.closeAllConnections();
              done();
            }, CLOSE_TIMEOUT_MS);
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
