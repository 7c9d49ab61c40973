import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { SluiceError, errors, toSluiceError } from '../api/index.js';
import type { AsyncConfig } from '../config/index.js';
import type { Provider } from '../provider/index.js';
import type { AsyncBackend } from '../queue/index.js';
import { sendError, sendErrorOnSocket, type CallSignal } from '../watchdog/index.js';
import type { AsyncMetrics, Worker } from '../worker/index.js';
import { handleAsync, type AsyncContext } from './async-routes.js';
import type { BasicAuth } from './auth.js';
import { SERVED_BY, proxyFunction, upgradeFunction, type ProxyOptions } from './proxy.js';
import { matchSystemRoute, type SystemContext } from './system-routes.js';

export interface GatewayOptions {
  readonly provider: Provider;
  readonly maxBodySize: number;
  readonly maxBundleSize: number;
  readonly drainTimeoutMs: number;
  readonly logger: Logger;
  /** Async calls: where they are stored, and the worker that runs them. */
  readonly backend: AsyncBackend;
  /** Absent on a gateway that only accepts async calls (`sluice serve --no-worker`). */
  readonly worker?: Worker;
  readonly async: AsyncConfig;
  /** What `GET /metrics` serves: the functions', the queue's and the node's metrics. */
  readonly metrics: MetricsRegistry;
  readonly asyncMetrics: AsyncMetrics;
  /** HTTP basic auth on `/system/*` and on functions that require it; absent: auth is off. */
  readonly auth?: BasicAuth;
}

/** The running gateway: an HTTP server over the provider. */
export interface Gateway {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops taking connections, lets in-flight calls finish (up to the drain timeout), aborts the rest. */
  close(): Promise<void>;
}

/**
 * The gateway (architecture layer 4): OpenFaaS routes over one node:http server. The request path
 * is decided once here — `/function/` goes to the proxy, `/async-function/` to the queue, everything
 * else to the /system table.
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const inflight = new Set<CallSignal>();
  const onError = (err: SluiceError, req: IncomingMessage): void => logError(opts.logger, err, req);
  const upgraded = new Set<Duplex>();
  const auth = opts.auth ? { auth: opts.auth } : {};
  const proxy: ProxyOptions = { provider: opts.provider, bodyLimit: { bytes: opts.maxBodySize, setting: 'max_body_size' }, inflight, onError, servedBy: SERVED_BY, upgraded, ...auth };
  const system: SystemContext = { provider: opts.provider, maxBundleSize: opts.maxBundleSize, backend: opts.backend, ...(opts.worker ? { worker: opts.worker } : {}), metrics: opts.metrics, asyncMetrics: opts.asyncMetrics };
  const asyncCalls: AsyncContext = { provider: opts.provider, backend: opts.backend, ...(opts.worker ? { worker: opts.worker } : {}), config: opts.async, servedBy: SERVED_BY, asyncMetrics: opts.asyncMetrics, ...auth };
  /** `/system/*` behind basic auth when it is on; /healthz and /metrics open, as OpenFaaS keeps them. */
  const guarded = async (req: IncomingMessage, res: ServerResponse, url: string): Promise<void> => {
    if (opts.auth && /^\/system(?:[/?]|$)/.test(url)) opts.auth.check(req, res);
    await handleSystem(system, req, res, url);
  };
  let closing = false;
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024, requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    if (closing) return sendError(res, errors.shuttingDown(), 'text', { connection: 'close' });
    const url = req.url ?? '/';
    if (url.startsWith('/function/')) return void proxyFunction(proxy, req, res, url);
    const handled = url.startsWith('/async-function/') ? handleAsync(asyncCalls, req, res, url) : guarded(req, res, url);
    void handled.catch((err: unknown) => {
      const failure = toSluiceError(err);
      onError(failure, req);
      sendError(res, failure, 'json');
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) return sendErrorOnSocket(socket, errors.shuttingDown());
    upgradeFunction(proxy, req, socket, head);
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? errors.portInUse(`${host}:${port}`) : err));
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      }),
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const until = Date.now() + opts.drainTimeoutMs;
      while (inflight.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      for (const signal of inflight) signal.abort(errors.shuttingDown());
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handleSystem(ctx: SystemContext, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const route = matchSystemRoute(pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname);
  const method = req.method ?? 'GET';
  if (!route) throw errors.notFound(method, pathname);
  const handler = route.methods[method];
  if (!handler) {
    res.setHeader('allow', Object.keys(route.methods).join(', '));
    throw errors.methodNotAllowed(method, pathname);
  }
  await handler(ctx, req, res, { name: route.name, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)) });
}

function logError(logger: Logger, err: SluiceError, req: IncomingMessage): void {
  const entry = { code: err.code, status: err.status, method: req.method, url: req.url, callId: req.headers['x-call-id'] };
  if (err.status >= 500) logger.warn({ ...entry, cause: err.cause }, err.message);
  else logger.debug(entry, err.message);
}
