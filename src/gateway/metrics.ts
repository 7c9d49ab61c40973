import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry as MetricsRegistry } from 'prom-client';
import { errors, toSluiceError } from '../api/index.js';
import { sendError } from '../watchdog/index.js';

/**
 * Answers `GET /metrics`: the registry's families in Prometheus text, then `more` (families a
 * component renders itself, such as the provider's call metrics).
 */
export async function sendMetrics(res: ServerResponse, registry: MetricsRegistry, more = ''): Promise<void> {
  const text = (await registry.metrics()) + more;
  res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers `GET /healthz`: the process is up. */
export function sendHealthy(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('OK');
}

/** A node's `/metrics` and `/healthz` on a port of their own. */
export interface MetricsServer {
  /** `setting` names what chose the port, for the error when it is in use. */
  listen(port: number, host: string, setting: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * The metrics server of a node that has no gateway (`sluice worker --metrics-port`): `GET /metrics`
 * answers the registry as the gateway's `/metrics` does, `GET /healthz` answers OK, anything else
 * is the gateway's 404 or 405.
 */
export function createMetricsServer(registry: MetricsRegistry): MetricsServer {
  const routes: Record<string, (res: ServerResponse) => Promise<void> | void> = { '/metrics': (res) => sendMetrics(res, registry), '/healthz': sendHealthy };
  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] as string;
    const method = req.method ?? 'GET';
    const route = routes[pathname];
    if (!route) return sendError(res, errors.notFound(method, pathname), 'text');
    if (method !== 'GET' && method !== 'HEAD') return sendError(res, errors.methodNotAllowed(method, pathname), 'text', { allow: 'GET, HEAD' });
    void Promise.resolve(route(res)).catch((err: unknown) => sendError(res, toSluiceError(err), 'text'));
  });
  return {
    listen: async (port, host, setting) => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? errors.portInUse(`${host}:${port}`, setting) : err));
        server.listen(port, host, resolve);
      });
      server.removeAllListeners('error');
      return server.address() as AddressInfo;
    },
    close: async () => {
      // A scrape is short and Prometheus keeps its connection open between scrapes: cut it.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
