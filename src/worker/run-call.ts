import type { IncomingHttpHeaders } from 'node:http';
import { SluiceError, errors, parseQualifiedName, type QueueRequest } from '../api/index.js';
import type { Provider } from '../provider/index.js';
import { CallSignal } from '../watchdog/index.js';
import { ResultSink } from './result-sink.js';

/** Request headers a queued call does not pass on: hop-by-hop ones, and the length (set from the body). */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'content-length']);

/** How one run of an async call ended. */
export interface RunOutcome {
  /** The function's status; the gateway's error status when it failed to answer (transport: 502/503/504). */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly seconds: number;
  /** Set when the function did not answer itself (not deployed, crashed, timed out): what happened. */
  readonly error?: SluiceError;
}

/**
 * Runs a queued call through the same runtime as a sync call (the provider's replicas, no HTTP hop),
 * bounded by the async timeout instead of the function's exec_timeout.
 */
export async function runCall(provider: Provider, request: QueueRequest, body: Buffer, timeoutMs: number): Promise<RunOutcome> {
  const started = performance.now();
  const signal = new CallSignal();
  const name = parseQualifiedName(request.Function);
  const sink = new ResultSink(name, signal);
  const timer = timeoutMs > 0 ? setTimeout(() => signal.abort(errors.upstreamTimeout(name, timeoutMs / 1000)), timeoutMs) : undefined;
  try {
    const service = provider.service(name);
    const inv = {
      method: request.Method || 'POST',
      path: request.Path || '/',
      query: request.QueryString,
      headers: invocationHeaders(request, body.length),
      body: body.length ? body : null,
      callId: request.SluiceCallId,
      signal,
    };
    await service.invoke(inv, sink);
    if (signal.aborted) throw signal.reason;
    return { status: sink.status, headers: sink.headers, body: sink.body, seconds: elapsed(started) };
  } catch (err) {
    const reason = signal.aborted ? signal.reason : err;
    const error = reason instanceof SluiceError ? reason : errors.upstreamFailed(name, reason instanceof Error ? reason.message : String(reason));
    return { status: error.status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${error.message}\n`), seconds: elapsed(started), error };
  } finally {
    clearTimeout(timer);
  }
}

/** The original request's headers, as node:http would have given them to a sync call. */
export function invocationHeaders(request: QueueRequest, length: number): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, values] of Object.entries(request.Header)) {
    const key = name.toLowerCase();
    if (!DROPPED.has(key) && values.length) headers[key] = values.join(', ');
  }
  headers['content-length'] = String(length);
  headers['x-call-id'] = request.SluiceCallId;
  return headers;
}

/** Seconds since `started`, to the microsecond (as X-Duration-Seconds prints them). */
function elapsed(started: number): number {
  return Number(((performance.now() - started) / 1000).toFixed(6));
}
