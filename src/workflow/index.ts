// Definitions
export { JOIN_MODES, NO_RETRY, RETRY_DEFAULTS, STEP_METHODS, allSteps } from './definition.js';
export type {
  Branch,
  CallStep,
  ChoiceCase,
  ChoiceStep,
  Condition,
  JoinMode,
  ParallelStep,
  PlacedStep,
  StepMethod,
  StepRetry,
  WorkflowDefinition,
  WorkflowStep,
} from './definition.js';

// Reading workflow.yml
export { loadWorkflow, parseWorkflow } from './parse.js';

// Running
export { runWorkflow } from './runner.js';
export type { RunOptions, StepCaller, StepRun, WorkflowInput, WorkflowResult } from './runner.js';
export { workflowRuntime } from './runtime.js';
export type { WorkflowRuntimeOptions } from './runtime.js';

// Async runs: every step a queued call of its own
export { StepWatch } from './step-watch.js';
export type { DurableSteps } from './durable.js';
