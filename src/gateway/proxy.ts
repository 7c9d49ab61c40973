import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { VERSION, errors, parseInvokedName, toSluiceError } from '../api/index.js';
import type { Provider } from '../provider/index.js';
import { proxyUpgrade, sendErrorOnSocket, serveCall, type CallEdge } from '../watchdog/index.js';
import type { BasicAuth } from './auth.js';
import { decodeSegment } from './internal/decode.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
const PREFIX = '/function/';

/** `X-Served-By` of the gateway's answers. */
export const SERVED_BY = `sluice/${VERSION}`;

export interface ProxyOptions extends CallEdge {
  readonly provider: Provider;
  /** Basic auth, for functions that require it; absent when auth is off. */
  readonly auth?: BasicAuth;
  /** Upgraded (WebSocket) connections, so shutdown can close them. */
  readonly upgraded: Set<Duplex>;
}

/**
 * The sync hot path, one hop: `/function/<name>[.<ns>][/path][?query]` straight to a replica of the
 * function through the runtime (no provider or watchdog hop as in OpenFaaS).
 */
export function proxyFunction(opts: ProxyOptions, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  return serveCall(opts, req, res, () => {
    const { name, path, query } = splitTarget(url);
    const service = opts.provider.service(parseInvokedName(name));
    if (opts.auth && opts.provider.authRequired(service.spec.name)) opts.auth.check(req, res, opts.provider.authToken(service.spec.name));
    if (!METHODS.has(req.method as string)) throw errors.methodNotAllowed(req.method ?? '', url);
    return { name: service.spec.name, path, query, config: service.spec.config, invoke: (inv, sink) => service.invoke(inv, sink) };
  });
}

/**
 * `Upgrade` requests (WebSocket…) to `/function/<name>/…` are relayed to a ready replica of an
 * http-mode function, bytes both ways; anything that cannot be is answered on the socket.
 */
export function upgradeFunction(opts: ProxyOptions, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  try {
    const url = req.url ?? '/';
    if (!url.startsWith(PREFIX)) throw errors.notFound(req.method ?? 'GET', url);
    const { name, path, query } = splitTarget(url);
    const service = opts.provider.service(parseInvokedName(name));
    if (opts.auth && opts.provider.authRequired(service.spec.name)) opts.auth.check(req, undefined, opts.provider.authToken(service.spec.name));
    proxyUpgrade(req, socket, head, service.upgradeTarget(), query ? `${path}?${query}` : path, opts.upgraded);
  } catch (err) {
    sendErrorOnSocket(socket, toSluiceError(err));
  }
}

// --- internal ---

function splitTarget(url: string): { name: string; path: string; query: string } {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const slash = pathname.indexOf('/', PREFIX.length);
  return {
    name: decodeSegment(pathname.slice(PREFIX.length, slash === -1 ? undefined : slash)),
    path: slash === -1 ? '/' : pathname.slice(slash),
    query: q === -1 ? '' : url.slice(q + 1),
  };
}
