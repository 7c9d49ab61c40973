/**
 * A workflow as the runner uses it, after `workflow.yml` is parsed and checked (parse.ts). The file
 * format is the one of alexellis/workflow-yaml-template (reference §10.1: workflow.name,
 * gateway_url, steps[name, function, method]); the other step keys are Sluice's.
 */

import type { RetryConfig } from '../config/index.js';

/** HTTP methods a step may call its function with. */
export const STEP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type StepMethod = (typeof STEP_METHODS)[number];

/**
 * Retry of a step that answered one of `codes` (or did not answer): the async worker's policy shape,
 * waited out with the same backoff (config's retryWait).
 */
export type StepRetry = RetryConfig;

/** What every kind of step has. */
interface StepCommon {
  /** Label in logs and in `X-Workflow-Failed-Step`; unique in the workflow, nested steps included. */
  readonly name: string;
  /** Which body the step gets: the previous step's answer, or the workflow's own input. */
  readonly input: 'previous' | 'original';
  /** 1-based line of the step in workflow.yml, for messages. */
  readonly line: number;
}

/** A step that calls `function` with the previous step's answer (or the workflow's input). */
export interface CallStep extends StepCommon {
  readonly kind: 'call';
  /** The function called, `name` or `name.namespace`. */
  readonly function: string;
  /** @default 'POST' */
  readonly method: StepMethod;
  /** Path after the function's name, starting with '/'. @default '/' */
  readonly path: string;
  /** Query string without '?'. @default '' */
  readonly query: string;
  /** Headers set on the step's request (lower-case names), over those passed on. */
  readonly headers: Readonly<Record<string, string>>;
  /** What a non-2xx answer does: stop the workflow with it, or flow on as data (the article's way). */
  readonly onError: 'stop' | 'continue';
  /** Bound on one run of the step; 0 = the workflow's own deadline only. */
  readonly timeoutMs: number;
  readonly retry: StepRetry;
  /** Where an async run posts this step's own answer (its call's X-Callback-Url); sync runs post none. */
  readonly callbackUrl?: string;
}

/** How a parallel step's branch answers become one: see docs/workflows.md. */
export const JOIN_MODES = ['auto', 'json', 'multipart'] as const;
export type JoinMode = (typeof JOIN_MODES)[number];

/** One branch of a parallel step: its steps run in order. */
export interface Branch {
  /** The key in workflow.yml: the branch's key in a json join, its part's name in a multipart one. */
  readonly name: string;
  readonly steps: readonly WorkflowStep[];
}

/** A step that runs its branches at once on the same input, then joins their answers. */
export interface ParallelStep extends StepCommon {
  readonly kind: 'parallel';
  /** In definition order. */
  readonly branches: readonly Branch[];
  /** @default 'auto' */
  readonly join: JoinMode;
}

/** A status class in a `when: {status}`. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
export type JsonScalar = string | number | boolean | null;

/** What a choice's case tests on the previous answer. */
export type Condition =
  | { readonly kind: 'status'; readonly status: readonly (number | StatusClass)[] }
  /** `name` lower-case; a missing header does not match. */
  | { readonly kind: 'header'; readonly name: string; readonly matches: RegExp }
  /** `path` into the JSON body (list indexes as numbers' text); a body that is not JSON does not match. */
  | { readonly kind: 'json'; readonly path: readonly string[]; readonly equals: JsonScalar }
  | { readonly kind: 'json'; readonly path: readonly string[]; readonly matches: RegExp };

export interface ChoiceCase {
  readonly when: Condition;
  readonly steps: readonly WorkflowStep[];
}

/** A step that runs the steps of its first case that matches the previous answer (or `otherwise`). */
export interface ChoiceStep extends StepCommon {
  readonly kind: 'choice';
  readonly cases: readonly ChoiceCase[];
  /** Run when no case matches; without it the previous answer goes on unchanged. */
  readonly otherwise?: readonly WorkflowStep[];
}

export type WorkflowStep = CallStep | ParallelStep | ChoiceStep;

export interface WorkflowDefinition {
  /** `workflow.name`: shown in logs. */
  readonly name: string;
  /**
   * `workflow.gateway_url` as written. Sluice calls local functions directly, so it is only kept
   * for showing (the article's file sets it).
   */
  readonly gatewayUrl?: string;
  readonly steps: readonly WorkflowStep[];
}

/** A step's retry when the file sets none: one run, as the article's runner did. */
export const NO_RETRY: StepRetry = { attempts: 1, minWaitMs: 0, maxWaitMs: 0, codes: [] };

/** Defaults of a `retry:` block that sets only some keys. */
export const RETRY_DEFAULTS = { attempts: 3, minWaitMs: 100, maxWaitMs: 5_000, codes: [429, 502, 503, 504] } as const;

/** A function-calling step, wherever it is, and where: `steps[1].parallel.grey[0]` (as problems name it). */
export interface PlacedStep {
  readonly step: CallStep;
  readonly at: string;
}

/**
 * Every step that calls a function, nested ones included, in file order: what the deploy-time
 * checks (runtime.ts checkSteps) walk.
 */
export function* allSteps(def: WorkflowDefinition): Generator<PlacedStep> {
  yield* placed(def.steps, 'steps');
}

// --- internal ---

function* placed(steps: readonly WorkflowStep[], at: string): Generator<PlacedStep> {
  for (const [index, step] of steps.entries()) {
    const here = `${at}[${index}]`;
    if (step.kind === 'call') yield { step, at: here };
    else if (step.kind === 'parallel') for (const branch of step.branches) yield* placed(branch.steps, `${here}.parallel.${branch.name}`);
    else {
      for (const [i, c] of step.cases.entries()) yield* placed(c.steps, `${here}.choice[${i}].steps`);
      if (step.otherwise) yield* placed(step.otherwise, `${here}.choice[${step.cases.length}].otherwise`);
    }
  }
}
