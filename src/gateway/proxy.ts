import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { SluiceError, VERSION, errors, parseQualifiedName } from '../api/index.js';
import { formatSeconds } from '../config/index.js';
import type { Provider } from '../provider/index.js';
import { ClientGone, effectiveTimeout, type InvocationResult } from '../watchdog/index.js';
import { assertDeclaredSize, hasBody, sizeLimit } from './internal/body.js';
import { downstreamHeaders, identify, upstreamHeaders, type CallIdentity } from './internal/headers.js';
import { decodeSegment } from './internal/decode.js';
import { sendError } from './internal/respond.js';

const SERVED_BY = `sluice/${VERSION}`;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
const PREFIX = '/function/';

export interface ProxyOptions {
  readonly provider: Provider;
  readonly maxBodySize: number;
  /** Calls in flight, so shutdown can abort what outlives the drain. */
  readonly inflight: Set<AbortController>;
  readonly onError: (err: SluiceError, req: IncomingMessage) => void;
}

/**
 * The sync hot path, one hop: `/function/<name>[.<ns>][/path][?query]` straight to a replica of the
 * function through the runtime (no provider or watchdog hop as in OpenFaaS).
 */
export async function proxyFunction(opts: ProxyOptions, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  const id = identify(req);
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    // 1. Resolve the function and the part of the path that belongs to it.
    const { name, path, query } = splitTarget(url);
    const service = opts.provider.service(parseQualifiedName(name));
    if (!METHODS.has(req.method ?? '')) throw errors.methodNotAllowed(req.method ?? '', url);
    assertDeclaredSize(req, opts.maxBodySize);

    // 2. Deadline: exec_timeout (shortened by X-Timeout), capped by write_timeout; a slow body: 408.
    const spec = service.spec;
    const timeoutMs = minPositive(effectiveTimeout(spec.execTimeoutMs, req.headers['x-timeout']), spec.writeTimeoutMs);
    if (timeoutMs > 0) timer = setTimeout(() => controller.abort(errors.upstreamTimeout(spec.name, timeoutMs / 1000)), timeoutMs);
    const readTimer = spec.readTimeoutMs > 0 ? setTimeout(() => controller.abort(errors.requestTimeout(spec.readTimeoutMs / 1000)), spec.readTimeoutMs) : undefined;
    req.once('end', () => clearTimeout(readTimer));
    res.once('close', () => {
      clearTimeout(readTimer);
      if (!res.writableFinished) controller.abort(new ClientGone('client disconnected'));
    });
    opts.inflight.add(controller);

    // 3. Invoke: the body streams through, metered when its size was not declared.
    const body = !hasBody(req) ? null : req.headers['content-length'] ? req : req.pipe(sizeLimit(opts.maxBodySize, () => controller.abort(errors.bodyTooLarge(opts.maxBodySize))));
    const result = await service.invoke({ method: req.method as string, path, query, headers: upstreamHeaders(req, id), body, callId: id.callId, signal: controller.signal });

    // 4. Answer: the function's status and headers plus the gateway's, the body streamed back.
    res.writeHead(result.status, answerHeaders(result, req, id, started));
    sendBody(result, res, () => {
      clearTimeout(timer);
      opts.inflight.delete(controller);
    });
  } catch (err) {
    clearTimeout(timer);
    opts.inflight.delete(controller);
    if (err instanceof ClientGone) return void res.destroy();
    const failure = err instanceof SluiceError ? err : errors.upstreamFailed('?', String(err));
    opts.onError(failure, req);
    if (!req.complete) res.shouldKeepAlive = false;
    sendError(res, failure, 'text', { 'x-call-id': id.callId, 'x-served-by': SERVED_BY, 'x-duration-seconds': formatSeconds(performance.now() - started) });
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

function answerHeaders(result: InvocationResult, req: IncomingMessage, id: CallIdentity, started: number) {
  const headers = downstreamHeaders(result.headers, id, {
    'x-duration-seconds': formatSeconds(performance.now() - started),
    'x-served-by': SERVED_BY,
  });
  // OpenFaaS: the function's Content-Type, else the request's, else text/plain.
  headers['content-type'] ??= req.headers['content-type'] ?? 'text/plain';
  if (Buffer.isBuffer(result.body)) headers['content-length'] = result.body.length;
  return headers;
}

function sendBody(result: InvocationResult, res: ServerResponse, done: () => void): void {
  if (Buffer.isBuffer(result.body)) {
    res.end(result.body, done);
    return;
  }
  // A body that breaks midway (deadline, replica died) can only cut the response: headers are sent.
  pipeline(result.body, res, done);
}

function minPositive(a: number, b: number): number {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return Math.min(a, b);
}
