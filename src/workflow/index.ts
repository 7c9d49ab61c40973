// Definitions
export { NO_RETRY, RETRY_DEFAULTS, STEP_METHODS } from './definition.js';
export type { StepMethod, StepRetry, WorkflowDefinition, WorkflowStep } from './definition.js';

// Reading workflow.yml
export { loadWorkflow, parseWorkflow } from './parse.js';
