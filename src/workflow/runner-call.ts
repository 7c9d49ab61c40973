import type { IncomingHttpHeaders } from 'node:http';
import { retryWait } from '../config/index.js';
import type { BufferedCall, CallOutcome } from '../provider/index.js';
import { CallSignal } from '../watchdog/index.js';
import type { CallStep } from './definition.js';
import type { RunContext, StepAt, WorkflowResult } from './runner.js';

/** Headers of a step's answer that describe the transfer, not the content: not passed on. */
const TRANSFER_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'x-duration-seconds', 'x-call-id', 'x-start-time']);

/**
 * Runs a step that calls a function (with its retries) and logs its line. A non-2xx answer names
 * the step as failed unless it says `on_error: continue`.
 */
export async function runCall(step: CallStep, given: WorkflowResult, at: StepAt, ctx: RunContext): Promise<WorkflowResult> {
  const outcome = await withRetry(step, at.label, stepCall(ctx, step, given), ctx);
  ctx.log(stepLine(at.label, step.name, outcome.status, outcome.body.length, outcome.seconds));
  const answer = { status: outcome.status, headers: passedOn(outcome.headers), body: outcome.body };
  return !ok(outcome.status) && step.onError === 'stop' ? { ...answer, failedStep: `${at.failed}${step.name}` } : answer;
}

/** A step's log line, as the article's runner printed it: `[0] transpose 208856 byte(s) HTTP: 200 - 0.031000s`. */
export function stepLine(label: string, name: string, status: number, bytes: number, seconds: number): string {
  return `[${label}] ${name} ${bytes} byte(s) HTTP: ${status} - ${seconds.toFixed(6)}s`;
}

/**
 * What describes a body (its type, encoding): carried to the next step with the body. Nothing else
 * of the caller's request or of a step's answer is, as in the article's runner: a step's headers are
 * its own, or set in workflow.yml.
 */
export function contentOf(headers: IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'content-encoding', 'content-language']) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

export function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

// --- internal ---

/** Runs a step, again while it fails in a way its retry covers, with the async worker's backoff (and Retry-After). */
async function withRetry(step: CallStep, label: string, call: BufferedCall, ctx: RunContext): Promise<CallOutcome> {
  const parent = ctx.signal;
  for (let attempt = 1; ; attempt++) {
    const signal = new CallSignal();
    parent.onAbort((reason) => signal.abort(reason));
    const outcome = await ctx.callStep(call, { label, step, attempt }, step.timeoutMs, signal).finally(() => parent.onAbort(undefined));
    if (parent.aborted) throw parent.reason;
    const retried = outcome.error !== undefined || step.retry.codes.includes(outcome.status);
    if (!retried || attempt >= step.retry.attempts) return outcome;
    await sleep(retryWait(attempt, step.retry, outcome.headers['retry-after']), parent);
  }
}

function stepCall(ctx: RunContext, step: CallStep, given: WorkflowResult): BufferedCall {
  const headers: IncomingHttpHeaders = {
    ...contentOf(given.headers),
    'x-workflow-name': ctx.def.name,
    'x-workflow-step': step.name,
    ...step.headers,
  };
  return { function: step.function, method: step.method, path: step.path, query: step.query, headers, body: given.body, callId: ctx.input.callId };
}

/** A step's answer headers the workflow answers with (or passes to the next step's content). */
function passedOn(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!TRANSFER_HEADERS.has(name)) out[name] = value;
  return out;
}

/** Waits `ms`, or less when the workflow call is aborted meanwhile (then rejects with why). */
function sleep(ms: number, signal: CallSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.onAbort(undefined);
      resolve();
    }, ms);
    signal.onAbort((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
  });
}
