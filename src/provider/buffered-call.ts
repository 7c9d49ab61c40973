import type { IncomingHttpHeaders } from 'node:http';
import { SluiceError, errors, parseQualifiedName } from '../api/index.js';
import { CallSignal } from '../watchdog/index.js';
import type { Provider } from './provider.js';
import { ResultSink, type AnswerLimit } from './result-sink.js';

/** A call made from inside Sluice (a queued call, a workflow step), with its whole body at hand. */
export interface BufferedCall {
  /** `name` or `name.namespace`. */
  readonly function: string;
  readonly method: string;
  /** Path after the function's name, starting with '/'. */
  readonly path: string;
  /** Query string without '?'. */
  readonly query: string;
  /** Request headers, lower-case names; content-length is set from the body. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly callId: string;
  /** An async call the queue worker runs (Invocation.queued). */
  readonly queued?: true;
}

/** How one buffered call ended. */
export interface CallOutcome {
  /** The function's status; the gateway's error status when it failed to answer (transport: 502/503/504). */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly seconds: number;
  /** Set when the function did not answer itself (not deployed, crashed, timed out): what happened. */
  readonly error?: SluiceError;
}

/** Options of callBuffered. */
export interface BufferedCallOptions {
  /** Bound on the call; 0: only the function's own limits. */
  readonly timeoutMs: number;
  /** The caller may abort it to stop the call early. */
  readonly signal?: CallSignal;
  /** The largest answer kept. @default 32 MiB, an async call's result */
  readonly answerLimit?: AnswerLimit;
  /** What passing `timeoutMs` fails with, when the caller says better whose bound it was. @default ERR_UPSTREAM_TIMEOUT */
  readonly timeoutError?: () => SluiceError;
}

/**
 * Runs a call through the same runtime as a sync call (the provider's replicas, no HTTP hop), with
 * the answer collected in memory. Never rejects: a failure is an outcome.
 */
export async function callBuffered(provider: Provider, call: BufferedCall, opts: BufferedCallOptions): Promise<CallOutcome> {
  const { timeoutMs, signal = new CallSignal(), answerLimit } = opts;
  const started = performance.now();
  const name = parseQualifiedName(call.function);
  const sink = new ResultSink(name, signal, answerLimit);
  const timedOut = opts.timeoutError ?? (() => errors.upstreamTimeout(name, timeoutMs / 1000));
  const timer = timeoutMs > 0 ? setTimeout(() => signal.abort(timedOut()), timeoutMs) : undefined;
  try {
    const service = provider.service(name);
    const headers = { ...call.headers, 'content-length': String(call.body.length), 'x-call-id': call.callId };
    const inv = { method: call.method, path: call.path, query: call.query, headers, body: call.body.length ? call.body : null, callId: call.callId, signal, ...(call.queued ? { queued: call.queued } : {}) };
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

/** Seconds since `started`, to the microsecond (as X-Duration-Seconds prints them). */
function elapsed(started: number): number {
  return Number(((performance.now() - started) / 1000).toFixed(6));
}
