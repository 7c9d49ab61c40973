import { CallSignal } from '../watchdog/index.js';
import type { ParallelStep } from './definition.js';
import { stepLine } from './runner-call.js';
import { fanIn } from './runner-fan-in.js';
import type { RunContext, StepAt, WorkflowResult } from './runner.js';

/** Why a branch was stopped: another branch failed first, so its answer is not wanted. */
class BranchStopped extends Error {
  override readonly name = 'BranchStopped';
}

/**
 * Runs a parallel step: every branch at once, each on `given`, each with its own signal (the
 * workflow's aborts them all). The first branch to fail stops the others and is the step's answer;
 * otherwise the branches' answers are joined (runner-fan-in.ts) and the step logs its line.
 */
export async function runParallel(step: ParallelStep, given: WorkflowResult, at: StepAt, ctx: RunContext): Promise<WorkflowResult> {
  const started = performance.now();
  const signals = step.branches.map(() => new CallSignal());
  const stopAll = (reason: unknown): void => signals.forEach((signal) => signal.abort(reason));
  ctx.signal.onAbort(stopAll);
  let failed: WorkflowResult | undefined;
  const settled = await Promise.allSettled(
    step.branches.map(async (branch, index) => {
      const place = { log: `${at.label}.${branch.name}.`, failed: `${at.failed}${step.name}/${branch.name}/` };
      const result = await ctx.sequence(branch.steps, given, place, { ...ctx, signal: signals[index] as CallSignal });
      if (result.failedStep !== undefined && failed === undefined) {
        failed = result;
        stopAll(new BranchStopped(`branch ${branch.name} of ${step.name} failed`));
      }
      return result;
    }),
  );
  ctx.signal.onAbort(undefined);
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (failed !== undefined) return failed;
  const answers = settled.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
  const joined = fanIn(step.join, step.branches.map((branch, index) => ({ name: branch.name, answer: answers[index] as WorkflowResult })));
  const seconds = (performance.now() - started) / 1000;
  ctx.log(stepLine(at.label, step.name, joined.status, joined.body.length, seconds));
  return 'problem' in joined ? { status: 502, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: joined.body, failedStep: `${at.failed}${step.name}` } : joined;
}
