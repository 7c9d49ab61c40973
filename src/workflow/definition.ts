/**
 * A workflow as the runner uses it, after `workflow.yml` is parsed and checked (parse.ts). The file
 * format is the one of alexellis/workflow-yaml-template (reference §10.1: workflow.name,
 * gateway_url, steps[name, function, method]); the other step keys are Sluice's.
 */

/** HTTP methods a step may call its function with. */
export const STEP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type StepMethod = (typeof STEP_METHODS)[number];

/** Retry of a step that answered one of `codes` (or did not answer): backoff doubles from `minWaitMs`. */
export interface StepRetry {
  /** Runs in all, the first included (1 = no retry). */
  readonly attempts: number;
  readonly minWaitMs: number;
  readonly maxWaitMs: number;
  /** Statuses that are retried; a transport failure (no answer) always is. */
  readonly codes: readonly number[];
}

/** One step: calls `function` with the previous step's answer (or the workflow's input). */
export interface WorkflowStep {
  /** Label in logs and in `X-Workflow-Failed-Step`; unique in the workflow. */
  readonly name: string;
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
  /** Which body the step gets: the previous step's answer, or the workflow's own input. */
  readonly input: 'previous' | 'original';
  /** What a non-2xx answer does: stop the workflow with it, or flow on as data (the article's way). */
  readonly onError: 'stop' | 'continue';
  /** Bound on one run of the step; 0 = the workflow's own deadline only. */
  readonly timeoutMs: number;
  readonly retry: StepRetry;
  /** 1-based line of the step in workflow.yml, for messages. */
  readonly line: number;
}

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
