import type { QueueRequest } from '../api/index.js';
import type { Provider } from '../provider/index.js';
import { runCall, type RunOutcome } from './run-call.js';
import { queueFor } from './queues.js';

/** How a worker runs calls and learns about functions: in the gateway's process, or over its HTTP API. */
export interface Invoker {
  /** Runs one call, bounded by `timeoutMs`; never rejects (a failure is an outcome). */
  run(request: QueueRequest, body: Buffer, timeoutMs: number): Promise<RunOutcome>;
  /** A function's annotations (its retry policy, its queue); undefined when it is not deployed. */
  annotations(name: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** The queues the deployed functions use. */
  queues(): Promise<string[]>;
}

/** The worker inside `sluice serve`: calls go straight to the provider's replicas, no HTTP hop. */
export function localInvoker(provider: Provider): Invoker {
  return {
    run: (request, body, timeoutMs) => runCall(provider, request, body, timeoutMs),
    annotations: async (name) => {
      try {
        return provider.status(name).annotations;
      } catch {
        return undefined; // removed since the call was queued: the defaults apply
      }
    },
    queues: async () => provider.list().map((fn) => queueFor(provider, fn.name)),
  };
}
