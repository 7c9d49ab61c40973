import type { LogSink, ModeHandler } from '../watchdog/index.js';
import type { Provider } from './provider.js';
import type { RuntimeSpec } from './runtime-spec.js';

/**
 * A kind of function that runs in the gateway's own process instead of a replica process (a
 * workflow): given to the provider by the composition root, so the provider needs no knowledge of
 * it and the code that knows it may call functions through the provider.
 */
export interface InGatewayRuntime {
  /**
   * Reads and checks what a deployment brings (its workflow.yml…), at deploy and at restore (when
   * other functions may not be back yet): a problem throws the 400 SluiceError the deploy answers with.
   */
  prepare(spec: RuntimeSpec, when: 'deploy' | 'restore'): Promise<void>;
  /** Serves the calls of one replica of a prepared spec; `log` writes to the function's log. */
  handler(spec: RuntimeSpec, log: LogSink): ModeHandler;
}

/** Builds a runtime for a provider: it calls the provider's functions (a workflow's steps). */
export type InGatewayRuntimeFactory = (provider: Provider) => InGatewayRuntime;
