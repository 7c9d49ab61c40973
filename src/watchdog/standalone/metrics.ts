import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The watchdogs' Prometheus metrics (reference §4.1), in a registry of their own: requests by code
 * and method, their duration, and the calls in flight.
 */
export class WatchdogMetrics {
  readonly registry = new Registry();
  readonly #total = new Counter({ name: 'http_requests_total', help: 'Requests served, by status code and method', labelNames: ['code', 'method'], registers: [this.registry] });
  readonly #duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Seconds to serve a request, by status code and method', labelNames: ['code', 'method'], registers: [this.registry] });
  readonly #inflight = new Gauge({ name: 'http_requests_in_flight', help: 'Requests being served now', registers: [this.registry] });

  started(): void {
    this.#inflight.inc();
  }

  finished(method: string, code: number, seconds: number): void {
    this.#inflight.dec();
    const labels = { code: String(code), method };
    this.#total.inc(labels);
    this.#duration.observe(labels, seconds);
  }
}

/**
 * Serves `/metrics` on `port`. Several watchdogs may share a host, so a port in use is a warning
 * (`warn` hears it) and the watchdog runs on without metrics; resolves with the server, or undefined.
 */
export function serveMetrics(metrics: WatchdogMetrics, port: number, warn: (message: string) => void): Promise<Server | undefined> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    void metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      warn(`metrics not served: port ${port} ${err.code === 'EADDRINUSE' ? 'is in use' : `failed (${err.code ?? err.message})`}; set metrics_port to another port, or 0 to turn metrics off`);
      resolve(undefined);
    });
    server.listen(port, () => resolve(server));
  });
}
