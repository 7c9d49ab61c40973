import type { IncomingHttpHeaders } from 'node:http';
import { FINISHED, SluiceError, canonicalHeaderKey, errors, goUrl, parseQualifiedName, type CallRecord, type QueueRequest } from '../api/index.js';
import type { BufferedCall, CallOutcome } from '../provider/index.js';
import { enqueueCall, queuedRecord, submitCall, type AsyncBackend } from '../queue/index.js';
import type { CallSignal } from '../watchdog/index.js';
import type { StepCaller, StepRun } from './runner.js';
import type { StepWatch } from './step-watch.js';

/** How often a waiting workflow call looks at its step's record, at most (a step run by another node). */
const MAX_POLL_MS = 500;
const FIRST_POLL_MS = 20;

/** What async workflow runs need from the node: its queue, and the worker's view of queues. */
export interface DurableSteps {
  readonly backend: AsyncBackend;
  /** The queue a deployed function's calls go through; throws ERR_FUNCTION_NOT_FOUND when it is not deployed. */
  queueOf(name: string): string;
  /** Has this node's worker consume `queue` (a step's function may name one nobody consumes yet). */
  ensureQueue(queue: string): void;
  readonly watch: StepWatch;
}

/**
 * The step caller of an async workflow call: each run of a step is a queued call of its own, with a
 * record (`parentCallId`, `step`) and an id made from the workflow call's and the step's place
 * (`<id>.1.small.0`, `.r2` for a retry). The workflow call waits for it, and after a restart runs
 * again from the top: steps that finished answer from their stored results, the one that was running
 * is waited for, so the chain resumes where it was. A store or queue that fails rejects: the
 * workflow call fails as a whole and the worker runs it again later, resuming the same way.
 */
export function durableStepCaller(steps: DurableSteps, workflowCallId: string): StepCaller {
  return async (call, run, timeoutMs, signal) => {
    const started = performance.now();
    const callId = stepCallId(workflowCallId, run);
    const record = await steps.backend.calls.get(callId);
    if (record && (record.parentCallId !== workflowCallId || record.step !== run.step.name)) return failure(errors.callIdTaken(callId, run.step.name), started);
    if (!record) {
      const refused = await submit(steps, workflowCallId, callId, call, run);
      if (refused) return failure(refused, started);
    }
    // Never started: its message may be missing (a crash between record and message). The queue keeps one per id.
    else if (record.status === 'queued' && record.attempts === 0) await enqueueCall(steps.backend, record.queue, queueRequest(callId, record.queue, call, run), call.body);
    const finished = await waitFinished(steps, callId, timeoutMs, signal);
    if (finished) return outcomeOf(steps.backend, finished, started);
    await cancelQueued(steps.backend, callId);
    return failure(stepTimedOut(call, run, timeoutMs), started);
  };
}

/** What a step that did not answer within its `timeout` fails with. */
export function stepTimedOut(call: BufferedCall, run: StepRun, timeoutMs: number): SluiceError {
  return errors.stepTimeout(run.step.name, parseQualifiedName(call.function), timeoutMs / 1000);
}

// --- internal ---

/** A step run's call id: the workflow call's id, the step's place, and the attempt after the first. */
function stepCallId(workflowCallId: string, run: StepRun): string {
  return `${workflowCallId}.${run.label}${run.attempt > 1 ? `.r${run.attempt}` : ''}`;
}

/** Stores the step run's call; returns why not when its function is not deployed (as a sync call would: 404). */
async function submit(steps: DurableSteps, workflowCallId: string, callId: string, call: BufferedCall, run: StepRun): Promise<SluiceError | undefined> {
  const name = parseQualifiedName(call.function);
  let queue: string;
  try {
    queue = steps.queueOf(name);
  } catch (err) {
    if (err instanceof SluiceError && err.status < 500) return err;
    throw err;
  }
  const callbackUrl = run.step.callbackUrl;
  const record: CallRecord = { ...queuedRecord(callId, name, queue, callbackUrl), parentCallId: workflowCallId, step: run.step.name };
  await submitCall(steps.backend, { record, request: queueRequest(callId, queue, call, run), body: call.body });
  steps.ensureQueue(queue);
  return undefined;
}

function queueRequest(callId: string, queue: string, call: BufferedCall, run: StepRun): Omit<QueueRequest, 'Body' | 'SluiceBodyRef'> {
  const callbackUrl = run.step.callbackUrl;
  return {
    Header: headerMap(call.headers, callId, callbackUrl),
    Host: '',
    Method: call.method,
    Path: call.path,
    QueryString: call.query,
    Function: call.function,
    QueueName: queue,
    ...(callbackUrl ? { CallbackUrl: goUrl(new URL(callbackUrl)) } : {}),
    SluiceCallId: callId,
  };
}

function headerMap(headers: IncomingHttpHeaders, callId: string, callbackUrl: string | undefined): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) map[canonicalHeaderKey(name)] = Array.isArray(value) ? value : [value];
  map['X-Call-Id'] = [callId];
  if (callbackUrl) map['X-Callback-Url'] = [callbackUrl];
  return map;
}

/**
 * The step's record once it finished; undefined when `timeoutMs` (> 0) passed first. Rejects with the
 * signal's reason when the workflow call is aborted (its deadline, the node stopping).
 */
async function waitFinished(steps: DurableSteps, callId: string, timeoutMs: number, signal: CallSignal): Promise<CallRecord | undefined> {
  const until = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  let aborted: (reason: unknown) => void = () => {};
  const abort = new Promise<never>((_resolve, reject) => (aborted = reject));
  abort.catch(() => {});
  signal.onAbort((reason) => aborted(reason));
  try {
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      const record = await Promise.race([steps.backend.calls.get(callId), abort]);
      if (!record) throw new Error(`its record ${callId} is gone`);
      if (FINISHED.has(record.status)) return record;
      const left = until - Date.now();
      if (left <= 0) return undefined;
      await Promise.race([steps.watch.wait(callId, Math.min(pause, left)), abort]);
    }
  } finally {
    signal.onAbort(undefined);
  }
}

/** A step that timed out is cancelled if it has not started, so it does not run for nobody. */
async function cancelQueued(backend: AsyncBackend, callId: string): Promise<void> {
  const now = new Date().toISOString();
  await backend.calls.transition(callId, ['queued'], (r) => ({ ...r, status: 'cancelled', error: 'the workflow step timed out waiting for it', timings: { ...r.timings, finished: now } }));
}

/** What the step's call answered, from its stored result. */
async function outcomeOf(backend: AsyncBackend, record: CallRecord, started: number): Promise<CallOutcome> {
  const result = record.status === 'cancelled' ? undefined : await backend.calls.getResult(record.callId);
  if (!result) {
    const why = record.status === 'cancelled' ? 'was cancelled' : `finished (${record.status}) but its result is gone (result_ttl)`;
    return failure(errors.upstreamFailed(record.function, `the step's call ${record.callId} ${why}`), started);
  }
  return { status: result.status, headers: result.headers, body: result.body, seconds: record.timings.durationSeconds ?? elapsed(started) };
}

function failure(error: SluiceError, started: number): CallOutcome {
  return { status: error.status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${error.message}\n`), seconds: elapsed(started), error };
}

function elapsed(started: number): number {
  return Number(((performance.now() - started) / 1000).toFixed(6));
}
