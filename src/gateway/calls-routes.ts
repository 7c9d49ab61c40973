import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALL_STATUSES, FINISHED, decodeQueueRequest, errors, type CallRecord, type CallStatus } from '../api/index.js';
import { parseDuration } from '../config/index.js';
import type { AsyncBackend } from '../queue/index.js';
import { sendJson } from '../watchdog/index.js';
import type { AsyncMetrics, Worker } from '../worker/index.js';

/** The longest `?wait=` a client may ask for. */
const MAX_WAIT_MS = 5 * 60_000;
const MAX_LIST = 1000;
/** Workflows calling workflows: the depth of steps `GET /system/calls/{id}` shows. */
const MAX_STEP_DEPTH = 8;

export interface CallsContext {
  readonly backend: AsyncBackend;
  /** Absent on a gateway that only accepts async calls (`sluice serve --no-worker`). */
  readonly worker?: Worker;
  readonly asyncMetrics: AsyncMetrics;
}

type Params = { readonly name: string; readonly query: URLSearchParams };
type CallsHandler = (ctx: CallsContext, req: IncomingMessage, res: ServerResponse, params: Params) => Promise<void>;

/** Sluice's call records (issue: "no way to ask what happened to a call" in OpenFaaS). */
export const callsRoutes: Record<string, Record<string, CallsHandler>> = {
  '/system/calls': {
    GET: async (ctx, _req, res, { query }) => {
      const status = query.get('status') ?? undefined;
      if (status !== undefined && !(CALL_STATUSES as readonly string[]).includes(status)) {
        throw errors.badRequest(`status=${status}: use one of ${CALL_STATUSES.join(', ')}`);
      }
      const fn = query.get('function') ?? undefined;
      const limit = limitOf(query.get('limit'));
      sendJson(res, 200, await ctx.backend.calls.list({ ...(fn ? { function: fn } : {}), ...(status ? { status: status as CallStatus } : {}), limit }));
    },
  },
  '/system/calls/redrive': {
    POST: async (ctx, _req, res, { query }) => sendJson(res, 200, await redrive(ctx, query)),
  },
  '/system/calls/{name}': {
    GET: async (ctx, req, res, { name, query }) => sendJson(res, 200, await withSteps(ctx.backend, await waited(ctx, req, name, query), 0)),
    DELETE: async (ctx, _req, res, { name }) => sendJson(res, 200, await cancelCall(ctx, name)),
  },
  '/system/calls/{name}/result': {
    GET: async (ctx, req, res, { name, query }) => {
      const record = await waited(ctx, req, name, query);
      if (!FINISHED.has(record.status)) throw errors.resultNotReady(name, record.status);
      const result = await ctx.backend.calls.getResult(name);
      if (!result) throw errors.resultGone(name, record.status);
      res.writeHead(result.status, { ...result.headers, 'content-length': result.body.length, 'x-call-id': name, 'x-function-status': result.status });
      res.end(result.body);
    },
  },
};

/** Cancels a queued call: `DELETE /system/calls/{id}`, and OpenFaaS-style `DELETE /async-function/{id}`. */
export async function cancelCall(ctx: Pick<CallsContext, 'backend' | 'asyncMetrics'>, callId: string): Promise<CallRecord> {
  const cancelled = await ctx.backend.calls.transition(callId, ['queued'], (r) => ({ ...r, status: 'cancelled', timings: { ...r.timings, finished: new Date().toISOString() } }));
  if (cancelled) {
    ctx.asyncMetrics.callFinished(cancelled.function, 'cancelled');
    return cancelled;
  }
  const record = await ctx.backend.calls.get(callId);
  if (!record) throw errors.callNotFound(callId);
  throw errors.callNotCancellable(callId, record.status);
}

/**
 * A workflow call's record with its steps' records (`steps`, oldest first), theirs nested in turn for
 * a step that is itself a workflow. Other records come back as they are.
 */
async function withSteps(backend: AsyncBackend, record: CallRecord, depth: number): Promise<CallRecord> {
  if (depth >= MAX_STEP_DEPTH) return record;
  const steps = (await backend.calls.list({ parent: record.callId, limit: MAX_LIST })).reverse();
  if (!steps.length) return record;
  return { ...record, steps: await Promise.all(steps.map((step) => withSteps(backend, step, depth + 1))) };
}

/** The record, after waiting (`?wait=30s`) until the call finishes, the wait is over or the client leaves. */
async function waited(ctx: CallsContext, req: IncomingMessage, callId: string, query: URLSearchParams): Promise<CallRecord> {
  const waitText = query.get('wait');
  const waitMs = waitText === null ? 0 : parseDuration(waitText);
  if (waitMs === undefined || waitMs > MAX_WAIT_MS) throw errors.badRequest(`wait=${waitText}: use a duration up to 5m, e.g. wait=30s`);
  const until = Date.now() + waitMs;
  let pause = 20;
  for (;;) {
    const record = await ctx.backend.calls.get(callId);
    if (!record) throw errors.callNotFound(callId);
    if (FINISHED.has(record.status) || Date.now() >= until || req.destroyed) return record;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, until - Date.now())));
    pause = Math.min(pause * 2, 250);
  }
}

/** Puts dead calls back in their queues: all, or those of `?function=` that died `?since=` (a duration ago or an ISO time). */
async function redrive(ctx: CallsContext, query: URLSearchParams): Promise<{ redriven: number; callIds: string[] }> {
  const fn = query.get('function');
  const since = sinceOf(query.get('since'));
  const dead = await ctx.backend.queue.deadLetters();
  const chosen = dead.filter((letter) => {
    if (letter.diedAt < since) return false;
    if (fn === null) return true;
    try {
      return decodeQueueRequest(letter.body).Function.split('.')[0] === fn;
    } catch {
      return false;
    }
  });
  const ids = chosen.map((letter) => letter.id);
  for (const id of ids) {
    await ctx.backend.calls.transition(id, ['dead'], (r) => {
      const next: CallRecord = { ...r, status: 'queued', attempts: 0, timings: { queued: new Date().toISOString() } };
      delete next.error;
      if (next.callback) next.callback = { url: next.callback.url, status: 'pending', attempts: 0 };
      return next;
    });
  }
  const redriven = await ctx.backend.queue.redrive(ids);
  for (const queue of new Set(chosen.map((letter) => letter.queue))) ctx.worker?.ensureQueue(queue);
  return { redriven, callIds: ids };
}

function limitOf(text: string | null): number {
  if (text === null) return 100;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST) throw errors.badRequest(`limit=${text}: use a whole number from 1 to ${MAX_LIST}`);
  return n;
}

function sinceOf(text: string | null): number {
  if (text === null || text === '') return 0;
  const ago = parseDuration(text);
  if (ago !== undefined) return Date.now() - ago;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw errors.badRequest(`since=${text}: use a duration (1h) or an ISO time (2026-11-28T10:00:00Z)`);
  return at;
}
