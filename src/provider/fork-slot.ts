import { randomBytes } from 'node:crypto';
import { createForkMode, type Invocation, type ModeHandler, type ResponseSink } from '../watchdog/index.js';
import { trackInflight, waitIdle, type Replica, type ReplicaEvents, type ReplicaState } from './replica.js';
import type { RuntimeSpec } from './runtime-spec.js';

/**
 * A replica of a fork-mode function: no long-lived process, a slot in which each call spawns its own.
 * Ready at once; replicas of such a function only spread calls, as OpenFaaS pods would.
 */
export class ForkSlot implements Replica {
  readonly instance: string;
  readonly spec: RuntimeSpec;
  readonly restarts = 0;
  readonly crashLoop = undefined;
  inflight = 0;
  state: ReplicaState = 'ready';
  readonly #mode: ModeHandler;
  readonly #events: ReplicaEvents;

  constructor(spec: RuntimeSpec, events: ReplicaEvents) {
    this.spec = spec;
    this.instance = `${spec.name}-${randomBytes(4).toString('hex')}`;
    this.#events = events;
    this.#mode = createForkMode({
      name: spec.name,
      argv: spec.argv,
      cwd: spec.cwd,
      env: spec.env,
      log: (stream, line, callId) => events.log(this, stream, line, callId),
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
