import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalHeaderKey, errors, goUrl, parseQualifiedName } from '../api/index.js';
import type { AsyncConfig } from '../config/index.js';
import type { Provider } from '../provider/index.js';
import { queuedRecord, submitCall, type AsyncBackend } from '../queue/index.js';
import { readBuffer, sendJson } from '../watchdog/index.js';
import { queueFor, type AsyncMetrics, type Worker } from '../worker/index.js';
import { cancelCall } from './calls-routes.js';
import type { BasicAuth } from './auth.js';
import { decodeSegment } from './internal/decode.js';

const PREFIX = '/async-function/';
/** Methods an async call may keep (GET and HEAD make no sense without an answer; DELETE cancels). */
const CALL_METHODS = ['POST', 'PUT', 'PATCH'];

export interface AsyncContext {
  readonly provider: Provider;
  readonly backend: AsyncBackend;
  /** Absent on a gateway that only accepts async calls (`sluice serve --no-worker`). */
  readonly worker?: Worker;
  readonly config: AsyncConfig;
  readonly servedBy: string;
  readonly asyncMetrics: AsyncMetrics;
  /** Basic auth, for functions that require it; absent when auth is off. */
  readonly auth?: BasicAuth;
}

/**
 * `/async-function/{name}[/path][?query]`: stores the call durably, then answers 202 with its
 * X-Call-Id. `DELETE /async-function/{callId}` cancels a queued call.
 */
export async function handleAsync(ctx: AsyncContext, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  const target = splitTarget(url);
  const method = req.method ?? 'POST';
  if (method === 'DELETE' && target.path === '') return cancel(ctx, res, target.name);
  if (!CALL_METHODS.includes(method)) {
    res.setHeader('allow', [...CALL_METHODS, 'DELETE'].join(', '));
    throw errors.methodNotAllowed(method, `${PREFIX}${target.name} (an async call is sent with POST, PUT or PATCH; DELETE /async-function/{callId} cancels one)`);
  }
  await accept(ctx, req, res, target, method);
}

// --- internal ---

async function accept(ctx: AsyncContext, req: IncomingMessage, res: ServerResponse, target: Target, method: string): Promise<void> {
  const name = parseQualifiedName(target.name);
  const queue = queueFor(ctx.provider, name); // 404 for an unknown function: OpenFaaS says 202 and loses it
  if (ctx.auth && ctx.provider.authRequired(name)) ctx.auth.check(req, res, ctx.provider.authToken(name));
  const callbackUrl = callbackOf(req);
  const body = await readBuffer(req, { bytes: ctx.config.maxBodySize, setting: 'max_async_body_size' });
  const given = req.headers['x-call-id'];
  const callId = typeof given === 'string' && given ? given : randomUUID();
  const startTime = `${Date.now()}000000`;
  const record = queuedRecord(callId, name, queue, callbackUrl?.href);
  const key = req.headers['idempotency-key'];
  const request = {
    Header: headerMap(req, callId, startTime),
    Host: req.headers.host ?? '',
    Method: method,
    Path: target.path,
    QueryString: target.query,
    Function: target.name,
    QueueName: queue,
    ...(callbackUrl ? { CallbackUrl: goUrl(callbackUrl) } : {}),
    SluiceCallId: callId,
  };
  const acceptedId = await submitCall(ctx.backend, { record, request, body, ...(typeof key === 'string' && key ? { idempotencyKey: key } : {}) });
  if (acceptedId !== callId) return answerAccepted(ctx, res, acceptedId, startTime, true);
  ctx.worker?.ensureQueue(queue);
  answerAccepted(ctx, res, callId, startTime, false);
}

function answerAccepted(ctx: AsyncContext, res: ServerResponse, callId: string, startTime: string, replay: boolean): void {
  const headers: Record<string, string> = { 'x-call-id': callId, 'x-start-time': startTime, 'x-served-by': ctx.servedBy, 'content-length': '0' };
  if (replay) headers['idempotent-replayed'] = 'true';
  res.writeHead(202, headers);
  res.end();
}

async function cancel(ctx: AsyncContext, res: ServerResponse, callId: string): Promise<void> {
  sendJson(res, 200, await cancelCall(ctx, callId));
}

/** X-Callback-Url, checked: an absolute http(s) URL, or a 400 before anything is stored. */
function callbackOf(req: IncomingMessage): URL | undefined {
  const value = req.headers['x-callback-url'];
  if (value === undefined || value === '') return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw errors.callbackUrlInvalid(text, 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.callbackUrlInvalid(text, `the scheme ${url.protocol} is not supported`);
  return url;
}

/** The request's headers as Go's header map (canonical names, every value), with the call's id and time. */
function headerMap(req: IncomingMessage, callId: string, startTime: string): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) (map[canonicalHeaderKey(raw[i] as string)] ??= []).push(raw[i + 1] as string);
  map['X-Call-Id'] = [callId];
  map['X-Start-Time'] ??= [startTime];
  return map;
}

interface Target {
  readonly name: string;
  /** '' when the URL names only the function (OpenFaaS's Path). */
  readonly path: string;
  readonly query: string;
}

function splitTarget(url: string): Target {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const slash = pathname.indexOf('/', PREFIX.length);
  const name = decodeSegment(pathname.slice(PREFIX.length, slash === -1 ? undefined : slash));
  if (!name) throw errors.badRequest('no function name: call /async-function/{name}');
  return { name, path: slash === -1 ? '' : pathname.slice(slash), query: q === -1 ? '' : url.slice(q + 1) };
}
