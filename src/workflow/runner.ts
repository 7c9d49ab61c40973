import type { IncomingHttpHeaders } from 'node:http';
import type { BufferedCall, CallOutcome } from '../provider/index.js';
import { CallSignal } from '../watchdog/index.js';
import type { WorkflowDefinition, WorkflowStep } from './definition.js';

/** The request a workflow was called with, its body read whole. */
export interface WorkflowInput {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly callId: string;
}

/** Calls one step's function; never rejects (a failure is an outcome). */
export type StepCaller = (call: BufferedCall, timeoutMs: number, signal: CallSignal) => Promise<CallOutcome>;

/** What the workflow answers: the last step's answer, or the one of the step that stopped it. */
export interface WorkflowResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** The step whose non-2xx answer stopped the workflow. */
  readonly failedStep?: string;
}

/** Options of runWorkflow. */
export interface RunOptions {
  /** One line per step and a total, as the article's runner logs them. */
  readonly log: (line: string) => void;
  /** The workflow call's own signal: aborting it (deadline, client gone) aborts the running step. */
  readonly signal: CallSignal;
}

/** Headers of a step's answer that describe the transfer, not the content: not passed on. */
const TRANSFER_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'x-duration-seconds', 'x-call-id', 'x-start-time']);

/**
 * Runs the steps in order: each gets the previous step's answer (or the workflow's input), and a
 * non-2xx answer stops the chain with that answer unless the step says `on_error: continue`.
 * Resolves with the answer; rejects only with the signal's reason when the call is aborted.
 */
export async function runWorkflow(def: WorkflowDefinition, input: WorkflowInput, callStep: StepCaller, opts: RunOptions): Promise<WorkflowResult> {
  const started = performance.now();
  let previous: WorkflowResult = { status: 200, headers: contentOf(input.headers), body: input.body };
  for (const [index, step] of def.steps.entries()) {
    const given = step.input === 'original' ? { status: 200, headers: contentOf(input.headers), body: input.body } : previous;
    const outcome = await runStep(step, stepCall(def, step, given, input), callStep, opts.signal);
    opts.log(`[${index}] ${step.name} ${outcome.body.length} byte(s) HTTP: ${outcome.status} - ${outcome.seconds.toFixed(6)}s`);
    const answer = { status: outcome.status, headers: passedOn(outcome.headers), body: outcome.body };
    if (!ok(outcome.status) && step.onError === 'stop') {
      opts.log(`Stopped at step ${step.name} (HTTP ${outcome.status}) after ${seconds(started)} secs`);
      return { ...answer, failedStep: step.name };
    }
    previous = answer;
  }
  opts.log(`Took ${seconds(started)} secs`);
  return previous;
}

// --- internal ---

/** Runs a step, again while it fails in a way its retry covers, waiting longer each time. */
async function runStep(step: WorkflowStep, call: BufferedCall, callStep: StepCaller, parent: CallSignal): Promise<CallOutcome> {
  for (let attempt = 1; ; attempt++) {
    const signal = new CallSignal();
    parent.onAbort((reason) => signal.abort(reason));
    const outcome = await callStep(call, step.timeoutMs, signal);
    parent.onAbort(undefined);
    if (parent.aborted) throw parent.reason;
    const retried = outcome.error !== undefined || step.retry.codes.includes(outcome.status);
    if (!retried || attempt >= step.retry.attempts) return outcome;
    await sleep(Math.min(step.retry.maxWaitMs, step.retry.minWaitMs * 2 ** (attempt - 1)), parent);
  }
}

function stepCall(def: WorkflowDefinition, step: WorkflowStep, given: WorkflowResult, input: WorkflowInput): BufferedCall {
  const headers: IncomingHttpHeaders = {
    ...contentOf(given.headers),
    'x-workflow-name': def.name,
    'x-workflow-step': step.name,
    ...step.headers,
  };
  return { function: step.function, method: step.method, path: step.path, query: step.query, headers, body: given.body, callId: input.callId };
}

/**
 * What describes a body (its type, encoding): carried to the next step with the body. Nothing else
 * of the caller's request or of a step's answer is, as in the article's runner: a step's headers are
 * its own, or set in workflow.yml.
 */
function contentOf(headers: IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'content-encoding', 'content-language']) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** A step's answer headers the workflow answers with (or passes to the next step's content). */
function passedOn(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!TRANSFER_HEADERS.has(name)) out[name] = value;
  return out;
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

function seconds(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(2);
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
