import type { IncomingMessage, ServerResponse } from 'node:http';
import { SluiceError, errors } from '../api/index.js';
import { formatSeconds } from '../config/index.js';
import { CallSignal } from './call-signal.js';
import { ClientSink } from './client-sink.js';
import type { WatchdogConfig } from './config.js';
import { armDeadline, callDeadline } from './deadline.js';
import { identify, upstreamHeaders } from './headers.js';
import { ClientGone } from './outcome.js';
import { assertDeclaredSize, bodyOf, type BodyLimit } from './request-body.js';
import { sendError } from './respond.js';
import type { Invocation, ResponseSink } from './types.js';

/** Where one call goes: found by the gateway's router, or the standalone watchdog's one function. */
export interface CallTarget {
  /** Function name, for error messages. */
  readonly name: string;
  /** Path and raw query as the function sees them. */
  readonly path: string;
  readonly query: string;
  readonly config: WatchdogConfig;
  invoke(inv: Invocation, sink: ResponseSink): Promise<void>;
}

/** What the server around the calls provides: the same for the gateway and `sluice watchdog`. */
export interface CallEdge {
  readonly bodyLimit: BodyLimit;
  /** Calls in flight, so shutdown can abort what outlives the drain. */
  readonly inflight: Set<CallSignal>;
  /** `X-Served-By` on every answer. */
  readonly servedBy: string;
  readonly onError: (err: SluiceError, req: IncomingMessage) => void;
  /** Where a server answers one of the platform's errors differently (of-watchdog: 500, not 502). */
  readonly rewrite?: (err: SluiceError) => SluiceError;
}

/**
 * Serves one function call over HTTP, the sync hot path: finds the target, arms its deadlines,
 * reads the body (small ones whole, large ones streamed), and streams the answer straight into the
 * client's response with the call headers (X-Call-Id, X-Start-Time, X-Duration-Seconds).
 */
export async function serveCall(edge: CallEdge, req: IncomingMessage, res: ServerResponse, find: () => CallTarget): Promise<void> {
  const id = identify(req);
  const started = performance.now();
  const signal = new CallSignal();
  let timer: NodeJS.Timeout | undefined;
  let name = '';
  try {
    // 1. The target, and a body size it may take.
    const target = find();
    name = target.name;
    assertDeclaredSize(req, edge.bodyLimit);

    // 2. Limits: exec_timeout (shortened by X-Timeout) capped by write_timeout; read_timeout for the body.
    const { config } = target;
    timer = armDeadline(req, signal, config.readTimeoutMs, callDeadline(name, config, req.headers['x-timeout']));
    res.once('close', () => {
      if (!res.writableFinished) signal.abort(new ClientGone('client disconnected'));
    });
    edge.inflight.add(signal);

    // 3. The body: small ones read whole (one upstream write), large ones streamed, chunked ones metered.
    const body = await bodyOf(req, signal, edge.bodyLimit);

    // 4. The answer streams straight into the client's response (ClientSink adds the call headers).
    const inv = { method: req.method as string, path: target.path, query: target.query, headers: upstreamHeaders(req, id), body, callId: id.callId, signal };
    await target.invoke(inv, new ClientSink(res, req, id, started, edge.servedBy));
  } catch (err) {
    // 5. Failures: a gone client gets nothing; before headers, the error; after, a cut response.
    if (err instanceof ClientGone) return void res.destroy();
    const raised = err instanceof SluiceError ? err : errors.upstreamFailed(name, String(err));
    const failure = edge.rewrite ? edge.rewrite(raised) : raised;
    edge.onError(failure, req);
    sendError(res, failure, 'text', { 'x-call-id': id.callId, 'x-served-by': edge.servedBy, 'x-duration-seconds': formatSeconds(performance.now() - started) });
  } finally {
    clearTimeout(timer);
    edge.inflight.delete(signal);
  }
}
