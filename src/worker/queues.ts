import type { RuntimeMode } from '../api/index.js';
import type { Provider } from '../provider/index.js';

/** The queue every function uses unless its `com.openfaas.queue` annotation names another (OpenFaaS's subject). */
export const DEFAULT_QUEUE = 'faas-request';
/**
 * The queue of workflow functions unless annotated otherwise: an async workflow call waits for its
 * steps, each a queued call of its own, and must not hold a place in the queue those steps need.
 */
export const WORKFLOW_QUEUE = 'sluice-workflows';
/** Workflow calls mostly wait for their steps: many run at once, whatever `max_inflight` says. */
export const WORKFLOW_CONCURRENCY = 100;
const QUEUE_ANNOTATION = 'com.openfaas.queue';

/** The queue a function's async calls go through. */
export function queueOf(annotations: Readonly<Record<string, string>> | undefined, mode?: RuntimeMode): string {
  return annotations?.[QUEUE_ANNOTATION]?.trim() || (mode === 'workflow' ? WORKFLOW_QUEUE : DEFAULT_QUEUE);
}

/** The queue of a function deployed here; ERR_FUNCTION_NOT_FOUND when it is not. */
export function queueFor(provider: Provider, name: string): string {
  return queueOf(provider.status(name).annotations, provider.service(name).spec.config.mode);
}
