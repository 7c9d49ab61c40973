import type { IncomingHttpHeaders } from 'node:http';
import type { BufferedCall, CallOutcome } from '../provider/index.js';
import type { CallSignal } from '../watchdog/index.js';
import type { CallStep, WorkflowDefinition, WorkflowStep } from './definition.js';
import { contentOf, runCall } from './runner-call.js';
import { runChoice } from './runner-choice.js';
import { runParallel } from './runner-parallel.js';

/** The request a workflow was called with, its body read whole. */
export interface WorkflowInput {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly callId: string;
}

/** Which run of which step a call is: what a durable caller names and files the step's call by. */
export interface StepRun {
  /** The step's place, as its log line shows it: `1.small.0`. */
  readonly label: string;
  readonly step: CallStep;
  /** 1, then one more for each retry of the step. */
  readonly attempt: number;
}

/**
 * Calls one step's function, bounded by `timeoutMs` (0: no bound of its own). A failure of the step
 * is an outcome; it rejects with the signal's reason when the workflow call is aborted, and (the
 * durable caller) when the queue's store fails, which fails the workflow call.
 */
export type StepCaller = (call: BufferedCall, run: StepRun, timeoutMs: number, signal: CallSignal) => Promise<CallOutcome>;

/** What the workflow answers: the last step's answer, or the one of the step that stopped it. */
export interface WorkflowResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /**
   * The step whose non-2xx answer stopped the workflow; a nested one with the steps it is in:
   * `variants/grey/bw` (parallel step, branch, step), `route/a` (choice step, step).
   */
  readonly failedStep?: string;
}

/** Options of runWorkflow. */
export interface RunOptions {
  /** One line per step and a total, as the article's runner logs them. */
  readonly log: (line: string) => void;
  /** The workflow call's own signal: aborting it (deadline, client gone) aborts the running step. */
  readonly signal: CallSignal;
}

/**
 * Runs the steps in order: each gets the previous step's answer (or the workflow's input), and a
 * non-2xx answer stops the chain with that answer unless the step says `on_error: continue`.
 * Parallel and choice steps run their nested steps the same way (runner-parallel.ts, runner-choice.ts).
 * Resolves with the answer; rejects only with the signal's reason when the call is aborted.
 */
export async function runWorkflow(def: WorkflowDefinition, input: WorkflowInput, callStep: StepCaller, opts: RunOptions): Promise<WorkflowResult> {
  const started = performance.now();
  const ctx: RunContext = { def, input, callStep, log: opts.log, signal: opts.signal, sequence: runSequence };
  const result = await runSequence(def.steps, original(input), { log: '', failed: '' }, ctx);
  const took = ((performance.now() - started) / 1000).toFixed(2);
  opts.log(result.failedStep === undefined ? `Took ${took} secs` : `Stopped at step ${result.failedStep} (HTTP ${result.status}) after ${took} secs`);
  return result;
}

/** Where a list of steps runs: what its steps' log labels and failure names start with. */
export interface Place {
  /** `''` at the top, `1.small.` in branch small of step 1. */
  readonly log: string;
  /** `''` at the top, `variants/small/` in branch small of step variants. */
  readonly failed: string;
}

/** Where one step runs: its log label (`1.small.0`) and the prefix of its failure name. */
export interface StepAt {
  readonly label: string;
  readonly failed: string;
}

/** What every step runs with. Nested lists run through `sequence`, with their own signal in a branch. */
export interface RunContext {
  readonly def: WorkflowDefinition;
  readonly input: WorkflowInput;
  readonly callStep: StepCaller;
  readonly log: (line: string) => void;
  readonly signal: CallSignal;
  readonly sequence: (steps: readonly WorkflowStep[], given: WorkflowResult, at: Place, ctx: RunContext) => Promise<WorkflowResult>;
}

// --- internal ---

/** Runs `steps` in order from `given`; stops at the first answer that names a failed step. */
async function runSequence(steps: readonly WorkflowStep[], given: WorkflowResult, place: Place, ctx: RunContext): Promise<WorkflowResult> {
  let previous = given;
  for (const [index, step] of steps.entries()) {
    const input = step.input === 'original' ? original(ctx.input) : previous;
    const at: StepAt = { label: `${place.log}${index}`, failed: place.failed };
    const result = await runOne(step, input, at, ctx);
    if (result.failedStep !== undefined) return result;
    previous = result;
  }
  return previous;
}

function runOne(step: WorkflowStep, given: WorkflowResult, at: StepAt, ctx: RunContext): Promise<WorkflowResult> {
  switch (step.kind) {
    case 'call':
      return runCall(step, given, at, ctx);
    case 'parallel':
      return runParallel(step, given, at, ctx);
    case 'choice':
      return runChoice(step, given, at, ctx);
    default:
      return step satisfies never;
  }
}

/** The workflow's own input as an answer: what the first step (and `input: original`) gets. */
function original(input: WorkflowInput): WorkflowResult {
  return { status: 200, headers: contentOf(input.headers), body: input.body };
}
