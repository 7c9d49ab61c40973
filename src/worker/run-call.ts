import type { IncomingHttpHeaders } from 'node:http';
import type { QueueRequest } from '../api/index.js';
import { callBuffered, type CallOutcome, type Provider } from '../provider/index.js';

/** Request headers a queued call does not pass on: hop-by-hop ones, and the length (set from the body). */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'content-length']);

/** How one run of an async call ended. */
export type RunOutcome = CallOutcome;

/**
 * Runs a queued call through the same runtime as a sync call (the provider's replicas, no HTTP hop),
 * bounded by the async timeout instead of the function's exec_timeout.
 */
export function runCall(provider: Provider, request: QueueRequest, body: Buffer, timeoutMs: number): Promise<RunOutcome> {
  const call = {
    function: request.Function,
    method: request.Method || 'POST',
    path: request.Path || '/',
    query: request.QueryString,
    headers: invocationHeaders(request, body.length),
    body,
    callId: request.SluiceCallId,
    queued: true as const,
  };
  return callBuffered(provider, call, { timeoutMs });
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
