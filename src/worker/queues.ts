/** The queue every function uses unless its `com.openfaas.queue` annotation names another (OpenFaaS's subject). */
export const DEFAULT_QUEUE = 'faas-request';
const QUEUE_ANNOTATION = 'com.openfaas.queue';

/** The queue a function's async calls go through. */
export function queueOf(annotations: Readonly<Record<string, string>> | undefined): string {
  return annotations?.[QUEUE_ANNOTATION]?.trim() || DEFAULT_QUEUE;
}
