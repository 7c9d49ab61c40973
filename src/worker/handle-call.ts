import type { Logger } from 'pino';
import {
  FINISHED,
  WORKFLOW_FAILED_STEP_HEADER,
  decodeQueueRequest,
  errors,
  parseQualifiedName,
  queueHeader,
  type CallRecord,
  type CallResult,
  type QueueRequest,
} from '../api/index.js';
import { retryWait, type AsyncConfig, type RetryConfig } from '../config/index.js';
import { queuedRecord, type AsyncBackend, type Delivery } from '../queue/index.js';
import type { CallbackMessage } from './callback.js';
import type { Invoker } from './invoker.js';
import type { AsyncMetrics } from './metrics.js';
import { retryPolicy } from './retry.js';
import type { RunOutcome } from './run-call.js';

/** What handling a delivery needs: the node's parts, and the worker's counter for log lines. */
export interface CallContext {
  readonly invoker: Invoker;
  readonly backend: AsyncBackend;
  readonly config: AsyncConfig;
  readonly logger: Logger;
  postCallback(msg: CallbackMessage): Promise<number>;
  finished?(callId: string): void;
  readonly metrics?: AsyncMetrics;
  /** `[#n]` of the log lines, as the queue-worker numbers its messages. */
  nextSerial(): number;
  /** True once the node is stopping: a run cut short by that is not counted as a failure. */
  stopping(): boolean;
}

/**
 * Handles one delivery of an async call: runs the function (unless a previous delivery already did),
 * retries or dead-letters it by its policy, stores the result, then delivers the callback. Every step
 * is recorded first, so a delivery that comes again after a crash resumes where the last one was.
 */
export async function handleDelivery(ctx: CallContext, delivery: Delivery): Promise<void> {
  let request: QueueRequest;
  try {
    request = decodeQueueRequest(delivery.body);
  } catch (err) {
    ctx.logger.error({ messageId: delivery.id }, `dropped an unreadable queue message: ${(err as Error).message}`);
    return delivery.deadLetter((err as Error).message);
  }
  const { calls } = ctx.backend;
  const id = request.SluiceCallId;
  const now = new Date().toISOString();
  const start = (r: CallRecord): CallRecord => ({ ...r, status: 'running', attempts: r.attempts + 1, timings: { ...r.timings, started: now } });
  // The usual case first: a queued call (or one whose last run was cut short) starts running.
  let running = await calls.transition(id, ['queued', 'running'], start);
  if (!running) {
    const record = (await calls.get(id)) ?? (await recreateRecord(ctx, request, delivery));
    if (FINISHED.has(record.status)) {
      // Ran already (or cancelled); only the callback may be left (the last delivery stopped before it was done).
      if (record.status === 'cancelled' || record.callback?.status !== 'pending') return settle(ctx, delivery, request, record);
      return deliverCallback(ctx, delivery, request, record, await calls.getResult(id), false);
    }
    running = await calls.transition(id, ['queued', 'running'], start);
    if (!running) return delivery.ack(); // cancelled between the read and now
  }
  await runAndRecord(ctx, delivery, request, running);
}

// --- internal ---

async function runAndRecord(ctx: CallContext, delivery: Delivery, request: QueueRequest, running: CallRecord): Promise<void> {
  const name = parseQualifiedName(request.Function);
  const body = await requestBody(ctx, request);
  const outcome = body ? await whileLeased(ctx, delivery, () => ctx.invoker.run(request, body, ctx.config.timeoutMs)) : missingBody(request);
  if (outcome.error && ctx.stopping()) return delivery.nack(0); // cut short by the shutdown: runs again after the restart

  const policy = await policyOf(ctx, name);
  const failed = outcome.status < 200 || outcome.status >= 300;
  const retryable = failed && ownRetries(running, outcome) && (policy.codes.includes(outcome.status) || (outcome.error !== undefined && (outcome.error.status >= 500 || outcome.status === 429)));
  const serial = ctx.nextSerial();
  const fields = { callId: running.callId, function: request.Function, attempt: running.attempts };
  const invoked = `[#${serial}] Invoked: ${request.Function} [${outcome.status}] in ${outcome.seconds.toFixed(6)}s`;
  const lastError = outcome.error?.message;
  if (retryable && running.attempts < policy.attempts) {
    const wait = retryWait(running.attempts, policy, outcome.headers['retry-after']);
    const note = `attempt ${running.attempts} of ${policy.attempts} answered ${outcome.status}${lastError ? ` (${lastError})` : ''}; retrying in ${(wait / 1000).toFixed(1)}s`;
    ctx.logger.warn(fields, `${invoked} — retry ${running.attempts + 1}/${policy.attempts} in ${(wait / 1000).toFixed(1)}s`);
    const queued: CallRecord = { ...running, status: 'queued', statusCode: outcome.status, error: note, timings: { ...running.timings, durationSeconds: outcome.seconds } };
    return commit(ctx, queued, undefined, () => delivery.nack(wait));
  }
  const status = !failed ? 'succeeded' : retryable ? 'dead' : 'failed';
  const error = status === 'dead' ? `gave up after ${running.attempts} attempt(s): the last answered ${outcome.status}${lastError ? ` (${lastError})` : ''}` : lastError;
  const finished: CallRecord = {
    ...running,
    status,
    statusCode: outcome.status,
    timings: { ...running.timings, finished: new Date().toISOString(), durationSeconds: outcome.seconds },
  };
  if (error === undefined) delete finished.error;
  else finished.error = error;
  if (status === 'dead') ctx.logger.error(fields, `${invoked} — dead-lettered: ${error}`);
  else ctx.logger.info(fields, invoked);
  ctx.metrics?.callFinished(running.function, status);
  // The outcome is stored once, with the callback's: a crash before that runs the call again.
  if (finished.callback) return deliverCallback(ctx, delivery, request, finished, outcome, true);
  return settle(ctx, delivery, request, finished, outcome);
}

/**
 * POSTs the result to X-Callback-Url; a failed POST is retried (the call is not run again). `fresh`:
 * the result was just made and is not stored yet.
 */
async function deliverCallback(ctx: CallContext, delivery: Delivery, request: QueueRequest, record: CallRecord, result: CallResult | undefined, fresh: boolean): Promise<void> {
  const callback = record.callback as NonNullable<CallRecord['callback']>;
  let code: number | undefined;
  let error: string | undefined;
  try {
    code = await whileLeased(ctx, delivery, () =>
      ctx.postCallback({
        url: callback.url,
        status: result?.status ?? record.statusCode ?? 503,
        headers: result?.headers ?? {},
        body: result?.body ?? Buffer.alloc(0),
        callId: record.callId,
        functionName: request.Function,
        durationSeconds: record.timings.durationSeconds ?? 0,
        attempt: delivery.attempt,
      }),
    );
    if (code >= 400) error = `the callback URL answered ${code}`;
  } catch (err) {
    error = (err as Error).message;
  }
  ctx.metrics?.callbackPosted(code);
  const attempts = callback.attempts + 1;
  const policy = ctx.config.callbackRetry;
  const fields = { callId: record.callId, function: request.Function, attempt: attempts };
  const outcome = { ...(code === undefined ? {} : { statusCode: code }), ...(error === undefined ? {} : { error }) };
  const stored = fresh ? result : undefined;
  if (error !== undefined && attempts < policy.attempts) {
    const wait = retryWait(attempts, policy);
    ctx.logger.warn(fields, `Callback to ${callback.url} for ${request.Function} failed: ${error}; retry ${attempts + 1}/${policy.attempts} in ${(wait / 1000).toFixed(1)}s`);
    const pending: CallRecord = { ...record, callback: { url: callback.url, status: 'pending', attempts, ...outcome } };
    return commit(ctx, pending, stored, () => delivery.nack(wait));
  }
  const done: CallRecord = { ...record, callback: { url: callback.url, status: error === undefined ? 'delivered' : 'failed', attempts, ...outcome } };
  if (error === undefined) ctx.logger.info(fields, `Posted result for ${request.Function} to callback-url: ${callback.url}, status: ${code}`);
  else ctx.logger.error(fields, `Gave up posting the result of ${request.Function} to callback-url: ${callback.url} after ${attempts} attempt(s): ${error}`);
  return settle(ctx, delivery, request, done, stored);
}

/**
 * Stores a finished call (and its result, when new) and settles its message: a dead call goes to the
 * dead letters (kept for redrive), others are removed.
 */
async function settle(ctx: CallContext, delivery: Delivery, request: QueueRequest, record: CallRecord, result?: CallResult): Promise<void> {
  const settleMessage = (): Promise<void> =>
    record.status === 'dead' ? delivery.deadLetter(record.error ?? `the last attempt answered ${record.statusCode}`) : delivery.ack();
  await commit(ctx, record, result, settleMessage);
  if (request.SluiceBodyRef && record.status !== 'dead') await ctx.backend.blobs.delete(request.SluiceBodyRef);
}

/**
 * Stores a record (and its result), then settles the message. Where the backend commits them together
 * (SQLite: one transaction per turn) they are issued at once and land atomically. Elsewhere each
 * waits for the one before: the result before the record that says it exists, the record before the
 * message goes — a crash between leaves the message to run again, never a record that lies.
 */
async function commit(ctx: CallContext, record: CallRecord, result: CallResult | undefined, settleMessage: () => Promise<void>): Promise<void> {
  const { calls } = ctx.backend;
  const storeResult = (): Promise<void> => (result ? calls.putResult(record.callId, { status: result.status, headers: result.headers, body: result.body }) : Promise.resolve());
  if (ctx.backend.sharedCommit) await Promise.all([storeResult(), calls.put(record), settleMessage()]);
  else {
    await storeResult();
    await calls.put(record);
    await settleMessage();
  }
  if (FINISHED.has(record.status)) ctx.finished?.(record.callId);
}

/** Runs `work`, telling the queue we are still on it, so a long run is never handed to another worker. */
async function whileLeased<T>(ctx: CallContext, delivery: Delivery, work: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => void delivery.inProgress().catch(() => {}), Math.max(100, ctx.config.ackWaitMs / 3));
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

/** The request body, from the message or the blob store; undefined when its blob is gone. */
async function requestBody(ctx: CallContext, request: QueueRequest): Promise<Buffer | undefined> {
  if (!request.SluiceBodyRef) return Buffer.from(request.Body, 'base64');
  return ctx.backend.blobs.get(request.SluiceBodyRef);
}

/** A call whose stored body is gone cannot run, now or later: it fails (400, not retried). */
function missingBody(request: QueueRequest): RunOutcome {
  const error = errors.badRequest(`the body of call ${request.SluiceCallId} is missing from the blob store (${request.SluiceBodyRef})`);
  return { status: error.status, headers: {}, body: Buffer.from(`${error.message}\n`), seconds: 0, error };
}

/**
 * Whether the worker's retry policy covers this call's failure. Not a workflow step's call: its
 * workflow retries it by the step's `retry`, as in a sync run. Not a workflow call that a step
 * stopped: the step was retried already, and a rerun would only replay the stored answers.
 */
function ownRetries(record: CallRecord, outcome: RunOutcome): boolean {
  return record.parentCallId === undefined && outcome.headers[WORKFLOW_FAILED_STEP_HEADER] === undefined;
}

async function policyOf(ctx: CallContext, name: string): Promise<RetryConfig> {
  const { policy, problems } = retryPolicy(await ctx.invoker.annotations(name), ctx.config.retry);
  if (problems.length) ctx.logger.warn({ function: name }, `ignoring invalid retry annotations: ${problems.join(', ')}`);
  return policy;
}

/** A message with no record (its record was lost, or another producer wrote it): make one from the message. */
async function recreateRecord(ctx: CallContext, request: QueueRequest, delivery: Delivery): Promise<CallRecord> {
  const record = queuedRecord(request.SluiceCallId, parseQualifiedName(request.Function), delivery.queue, queueHeader(request, 'x-callback-url'));
  await ctx.backend.calls.create(record);
  return record;
}
