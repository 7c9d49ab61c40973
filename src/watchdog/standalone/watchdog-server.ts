import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SluiceError, VERSION, errors } from '../../api/index.js';
import type { CallSignal } from '../call-signal.js';
import type { WatchdogConfig } from '../config.js';
import { sendError } from '../respond.js';
import { serveCall, type CallEdge, type CallTarget } from '../serve-call.js';
import type { ModeHandler } from '../types.js';
import type { ServerAddress } from '../connect-probe.js';
import { proxyUpgrade } from '../upgrade.js';
import { lockFile } from './lock-file.js';
import type { WatchdogMetrics } from './metrics.js';

const HEALTH = '/_/health';
const READY = '/_/ready';

export interface WatchdogServerOptions {
  /** The function's name (`OPENFAAS_NAME`), for messages. */
  readonly name: string;
  readonly config: WatchdogConfig;
  readonly mode: ModeHandler;
  readonly metrics: WatchdogMetrics | undefined;
  readonly onError: (err: SluiceError, req: IncomingMessage) => void;
  /** http mode: where `Upgrade` requests (WebSocket…) are relayed. */
  readonly upgradeTo?: ServerAddress;
}

/**
 * The HTTP face of `sluice watchdog`: `/_/health` and `/_/ready`, then every other request through
 * the `max_inflight` limiter and the metrics to the function, by the same call path as the gateway.
 * The readiness check runs on the limiter's count but is itself never limited (of-watchdog wires the
 * readiness handler to the unwrapped handler for the same reason).
 */
export class WatchdogServer {
  readonly server: Server;
  /** False once shutdown begins: health and readiness fail, calls are still served. */
  healthy = true;
  /** False once the drain begins: new calls get 503. */
  #accepting = true;
  readonly #opts: WatchdogServerOptions;
  readonly #edge: CallEdge;
  readonly #inflight = new Set<CallSignal>();
  readonly #upgraded = new Set<Duplex>();
  #calls = 0;

  constructor(opts: WatchdogServerOptions) {
    this.#opts = opts;
    this.#edge = {
      bodyLimit: { bytes: opts.config.maxBodySize, setting: 'max_body_size' },
      inflight: this.#inflight,
      servedBy: `sluice-watchdog/${VERSION}`,
      onError: opts.onError,
      rewrite: asOfWatchdog,
    };
    this.server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => this.#route(req, res));
    const upgradeTo = opts.upgradeTo;
    if (upgradeTo) this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => proxyUpgrade(req, socket, head, upgradeTo, req.url ?? '/', this.#upgraded));
  }

  /** Calls running now. */
  get calls(): number {
    return this.#calls;
  }

  /** Waits up to `timeoutMs` for the calls in flight, then aborts the rest; closes the server. */
  async drain(timeoutMs: number): Promise<void> {
    this.healthy = false;
    this.#accepting = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const until = Date.now() + timeoutMs;
    while (this.#inflight.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const signal of this.#inflight) signal.abort(errors.shuttingDown());
    for (const socket of this.#upgraded) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  // --- internal ---

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === HEALTH) return this.#health(req, res);
    if (path === READY) return this.#ready(req, res);
    if (!this.#accepting) return sendError(res, errors.shuttingDown(), 'text', { connection: 'close' });
    void this.#call(req, res, path, q === -1 ? '' : url.slice(q + 1));
  }

  /** Metrics outermost, then the limiter (so 429s are counted), then the call. */
  async #call(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> {
    const metrics = this.#opts.metrics;
    const max = this.#opts.config.maxInflight;
    const started = performance.now();
    this.#calls++;
    metrics?.started();
    try {
      if (max > 0 && this.#calls > max) sendError(res, errors.concurrencyLimit(max), 'text');
      else await serveCall(this.#edge, req, res, () => this.#target(path, query));
    } finally {
      this.#calls--;
      metrics?.finished(req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000);
    }
  }

  #target(path: string, query: string): CallTarget {
    const { name, config, mode } = this.#opts;
    return { name, path, query, config, invoke: (inv, sink) => mode.invoke(inv, sink) };
  }

  /** Up and serving: accepting calls, and the lock file in place (unless suppressed). */
  #healthy(): boolean {
    const { config } = this.#opts;
    return this.healthy && (config.suppressLock || lockFile.exists(config.lockFile));
  }

  #health(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') return plain(res, 405, 'Method Not Allowed');
    if (this.#healthy()) plain(res, 200, 'OK');
    else plain(res, 503, 'Service Unavailable');
  }

  /** 503 when not serving, 429 at `max_inflight`, else the function's answer on `ready_path` or 200. */
  #ready(req: IncomingMessage, res: ServerResponse): void {
    const { config } = this.#opts;
    if (req.method !== 'GET') return plain(res, 405, 'Method Not Allowed');
    if (!this.#healthy()) return plain(res, 503, 'Service Unavailable');
    if (config.maxInflight > 0 && this.#calls >= config.maxInflight) return plain(res, 429, 'Too Many Requests');
    if (config.readyPath === undefined) return plain(res, 200, 'OK');
    const [path = '/', query = ''] = config.readyPath.split('?');
    void serveCall(this.#edge, req, res, () => this.#target(path, query));
  }
}

/** of-watchdog answers a failed upstream with 500 (the gateway, a proxy, says 502). */
function asOfWatchdog(err: SluiceError): SluiceError {
  return err.code === errors.upstreamFailed.code ? new SluiceError(err.code, 500, err.message, { cause: err.cause }) : err;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': text.length });
  res.end(text);
}
