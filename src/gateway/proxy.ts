import type { IncomingMessage, ServerResponse } from 'node:http';
import { SluiceError, VERSION, errors, parseQualifiedName } from '../api/index.js';
import { formatSeconds } from '../config/index.js';
import type { Provider } from '../provider/index.js';
import { CallSignal, ClientGone, effectiveTimeout } from '../watchdog/index.js';
import { assertDeclaredSize, bodyOf, type BodyLimit } from './internal/body.js';
import { ClientSink } from './internal/client-sink.js';
import { armDeadline, earliest } from './internal/deadline.js';
import { decodeSegment } from './internal/decode.js';
import { identify, upstreamHeaders } from './internal/headers.js';
import { sendError } from './internal/respond.js';

const SERVED_BY = `sluice/${VERSION}`;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
const PREFIX = '/function/';

export interface ProxyOptions {
  readonly provider: Provider;
  /** max_body_size. */
  readonly bodyLimit: BodyLimit;
  /** Calls in flight, so shutdown can abort what outlives the drain. */
  readonly inflight: Set<CallSignal>;
  readonly onError: (err: SluiceError, req: IncomingMessage) => void;
}

/**
 * The sync hot path, one hop: `/function/<name>[.<ns>][/path][?query]` straight to a replica of the
 * function through the runtime (no provider or watchdog hop as in OpenFaaS).
 */
export async function proxyFunction(opts: ProxyOptions, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  const id = identify(req);
  const started = performance.now();
  const signal = new CallSignal();
  let timer: NodeJS.Timeout | undefined;
  let name = '';
  try {
    // 1. Resolve the function and the part of the path that belongs to it.
    const target = splitTarget(url);
    const { path, query } = target;
    name = target.name;
    const service = opts.provider.service(parseQualifiedName(name));
    if (!METHODS.has(req.method as string)) throw errors.methodNotAllowed(req.method ?? '', url);
    assertDeclaredSize(req, opts.bodyLimit);

    // 2. Limits: exec_timeout (shortened by X-Timeout) capped by write_timeout; read_timeout for the body.
    const spec = service.spec;
    const deadlineMs = earliest(effectiveTimeout(spec.execTimeoutMs, req.headers['x-timeout']), spec.writeTimeoutMs);
    timer = armDeadline(spec.name, req, signal, spec.readTimeoutMs, deadlineMs);
    res.once('close', () => {
      if (!res.writableFinished) signal.abort(new ClientGone('client disconnected'));
    });
    opts.inflight.add(signal);

    // 3. The body: small ones read whole (one upstream write), large ones streamed, chunked ones metered.
    const body = await bodyOf(req, signal, opts.bodyLimit);

    // 4. The answer streams straight into the client's response (ClientSink adds the gateway headers).
    const inv = { method: req.method as string, path, query, headers: upstreamHeaders(req, id), body, callId: id.callId, signal };
    await service.invoke(inv, new ClientSink(res, req, id, started, SERVED_BY));
  } catch (err) {
    // 5. Failures: a gone client gets nothing; before headers, the error; after, a cut response.
    if (err instanceof ClientGone) return void res.destroy();
    const failure = err instanceof SluiceError ? err : errors.upstreamFailed(name, String(err));
    opts.onError(failure, req);
    sendError(res, failure, 'text', { 'x-call-id': id.callId, 'x-served-by': SERVED_BY, 'x-duration-seconds': formatSeconds(performance.now() - started) });
  } finally {
    clearTimeout(timer);
    opts.inflight.delete(signal);
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
