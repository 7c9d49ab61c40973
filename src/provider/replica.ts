import type { Invocation, ResponseSink, ServerAddress } from '../watchdog/index.js';
import type { RuntimeSpec } from './runtime-spec.js';

export type ReplicaState = 'starting' | 'ready' | 'draining' | 'stopped';

/** What the gateway and the service see of one replica, whatever its mode. */
export interface Replica {
  /** Instance name, `<function>-<suffix>`, as OpenFaaS shows pod names. */
  readonly instance: string;
  readonly spec: RuntimeSpec;
  /** Calls running now (until their answer is complete). */
  readonly inflight: number;
  /** Only `ready` replicas take new calls. */
  readonly state: ReplicaState;
  readonly restarts: number;
  /** Where an http-mode replica's process listens (for Upgrade requests); undefined in other modes. */
  readonly address: ServerAddress | undefined;
  /**
   * Why the process keeps failing to start (its own error line), once it has failed twice in a row
   * without becoming ready; undefined otherwise.
   */
  readonly crashLoop: string | undefined;
  start(): void;
  invoke(inv: Invocation, sink: ResponseSink): Promise<void>;
  /** Stops taking calls, waits for in-flight ones (at most `timeoutMs`), then stops. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Called by a replica when it becomes ready (so waiting calls can go) and for each output line. */
export interface ReplicaEvents {
  ready(replica: Replica): void;
  /** The process exited before it became ready. */
  failedStart(replica: Replica): void;
  /** The process exited (not stopped by the gateway) and is started again. */
  restarting(replica: Replica): void;
  log(replica: Replica, stream: 'stdout' | 'stderr', line: string, callId?: string): void;
}

/** Counts a call as in flight while it runs, so draining and least-loaded picking see the real load. */
export async function trackInflight(counter: { inflight: number }, run: () => Promise<void>): Promise<void> {
  counter.inflight++;
  try {
    await run();
  } finally {
    counter.inflight--;
  }
}

/** Resolves once `counter.inflight` reaches 0, or after `timeoutMs`. */
export async function waitIdle(counter: { readonly inflight: number }, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (counter.inflight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
