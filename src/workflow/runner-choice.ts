import type { ChoiceStep, Condition, WorkflowStep } from './definition.js';
import type { RunContext, StepAt, WorkflowResult } from './runner.js';

/**
 * Runs a choice step: the steps of the first case whose `when` matches `given` (the previous
 * answer), else `otherwise`'s; the answer they end with goes on. With no match and no otherwise,
 * `given` goes on unchanged. Logs which case was taken.
 */
export async function runChoice(step: ChoiceStep, given: WorkflowResult, at: StepAt, ctx: RunContext): Promise<WorkflowResult> {
  const index = step.cases.findIndex((one) => matches(one.when, given));
  const chosen: { label: string; steps: readonly WorkflowStep[] } | undefined =
    index >= 0 ? { label: String(index), steps: step.cases[index]?.steps ?? [] } : step.otherwise && { label: 'otherwise', steps: step.otherwise };
  if (chosen === undefined) {
    ctx.log(`[${at.label}] ${step.name}: no case matched, the previous answer goes on (HTTP ${given.status})`);
    return given;
  }
  ctx.log(`[${at.label}] ${step.name}: ${index >= 0 ? `case ${index}` : 'otherwise'}`);
  return ctx.sequence(chosen.steps, given, { log: `${at.label}.${chosen.label}.`, failed: `${at.failed}${step.name}/` }, ctx);
}

/** Whether `answer` passes `when`. A missing header, a body that is not JSON or a path not in it: no. */
export function matches(when: Condition, answer: WorkflowResult): boolean {
  switch (when.kind) {
    case 'status':
      return when.status.some((want) => (typeof want === 'number' ? want === answer.status : Math.floor(answer.status / 100) === Number(want[0])));
    case 'header': {
      const value = answer.headers[when.name];
      return value !== undefined && when.matches.test(value);
    }
    case 'json': {
      const found = jsonAt(answer.body, when.path);
      if (found === undefined) return false;
      if (!('matches' in when)) return found.value === when.equals;
      const { value } = found;
      return (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && when.matches.test(String(value));
    }
    default:
      return when satisfies never;
  }
}

// --- internal ---

/** The value at `path` in a JSON body (`items.0.kind`: an index in a list, a key in an object). */
function jsonAt(body: Buffer, path: readonly string[]): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  for (const part of path) {
    if (Array.isArray(value) && /^\d+$/.test(part) && Number(part) < value.length) value = value[Number(part)];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, part)) value = (value as Record<string, unknown>)[part];
    else return undefined;
  }
  return { value };
}
