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
export type { RunOptions, StepCaller, WorkflowInput, WorkflowResult } from './runner.js';
export { workflowRuntime } from './runtime.js';
