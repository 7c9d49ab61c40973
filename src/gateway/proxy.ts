import type { IncomingMessage, ServerResponse } from 'node:http';
import { VERSION, errors, parseQualifiedName } from '../api/index.js';
import type { Provider } from '../provider/index.js';
import { serveCall, type CallEdge } from '../watchdog/index.js';
import { decodeSegment } from './internal/decode.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
const PREFIX = '/function/';

/** `X-Served-By` of the gateway's answers. */
export const SERVED_BY = `sluice/${VERSION}`;

export interface ProxyOptions extends CallEdge {
  readonly provider: Provider;
}

/**
 * The sync hot path, one hop: `/function/<name>[.<ns>][/path][?query]` straight to a replica of the
 * function through the runtime (no provider or watchdog hop as in OpenFaaS).
 */
export function proxyFunction(opts: ProxyOptions, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  return serveCall(opts, req, res, () => {
    const { name, path, query } = splitTarget(url);
    const service = opts.provider.service(parseQualifiedName(name));
    if (!METHODS.has(req.method as string)) throw errors.methodNotAllowed(req.method ?? '', url);
    return { name: service.spec.name, path, query, config: service.spec.config, invoke: (inv, sink) => service.invoke(inv, sink) };
  });
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
