import { randomBytes } from 'node:crypto';
import { createMode, type Invocation, type LogSink, type ModeHandler, type ResponseSink } from '../watchdog/index.js';
import { trackInflight, waitIdle, type Replica, type ReplicaEvents, type ReplicaState } from './replica.js';
import type { RuntimeSpec } from './runtime-spec.js';

/**
 * A replica of a function with no long-lived process — streaming, serializing and fork modes spawn
 * one per call, static mode serves files, an in-gateway runtime (a workflow) runs in this process:
 * a slot that runs calls. Ready at once; replicas of such a function spread calls and
 * `max_inflight`, as OpenFaaS pods would.
 */
export class CallSlot implements Replica {
  readonly instance: string;
  readonly spec: RuntimeSpec;
  readonly restarts = 0;
  readonly crashLoop = undefined;
  readonly address = undefined;
  inflight = 0;
  state: ReplicaState = 'ready';
  readonly #mode: ModeHandler;
  readonly #events: ReplicaEvents;

  /** `handler` makes what serves the calls instead of a watchdog mode (an in-gateway runtime's). */
  constructor(spec: RuntimeSpec, events: ReplicaEvents, handler?: (log: LogSink) => ModeHandler) {
    this.spec = spec;
    this.instance = `${spec.name}-${randomBytes(4).toString('hex')}`;
    this.#events = events;
    const log: LogSink = (stream, line, callId) => events.log(this, stream, line, callId);
    this.#mode = handler?.(log) ?? createMode({
      name: spec.name,
      config: spec.config,
      argv: spec.argv,
      cwd: spec.cwd,
      // HOSTNAME is the instance, as a pod's is: templates show it as context.hostname.
      env: { ...spec.env, HOSTNAME: this.instance },
      log,
    });
  }

  start(): void {
    this.#events.ready(this);
  }

  invoke(inv: Invocation, sink: ResponseSink): Promise<void> {
    return trackInflight(this, () => this.#mode.invoke(inv, sink));
  }

  async drain(timeoutMs: number): Promise<void> {
    this.state = 'draining';
    await waitIdle(this, timeoutMs);
    this.state = 'stopped';
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
  }
}
