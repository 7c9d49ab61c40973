import { errors } from '../api/index.js';
import { ReplicaUnreachable, type HeaderList, type Invocation, type ResponseSink, type ServerAddress } from '../watchdog/index.js';
import { failureCode, type FunctionMetrics } from './metrics.js';
import type { Replica } from './replica.js';
import type { RuntimeSpec } from './runtime-spec.js';

/** Makes a new replica for a spec (process or fork slot); given by the provider. */
export type ReplicaFactory = (spec: RuntimeSpec) => Replica;

const MAX_CONNECT_ATTEMPTS = 3;

interface Waiter {
  resolve(replica: Replica): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * The running side of one deployed function: its replicas, the calls waiting for one, scaling and
 * rolling updates. Calls go to the ready replica with the fewest calls in flight.
 */
export class FunctionService {
  spec: RuntimeSpec;
  desired = 0;
  #replicas: Replica[] = [];
  #waiters: Waiter[] = [];
  /** Replicas of an older spec, retired as soon as one of the current spec is ready. */
  #outgoing: Replica[] = [];
  #next = 0;
  readonly #factory: ReplicaFactory;
  readonly #waitMs: number;
  readonly #drainMs: number;
  readonly #wake: () => void;
  readonly #metrics: FunctionMetrics;

  /** `wake` is called when a call arrives while no replica is wanted (scale from zero). */
  constructor(spec: RuntimeSpec, factory: ReplicaFactory, opts: { waitMs: number; drainMs: number; wake: () => void; metrics: FunctionMetrics }) {
    this.spec = spec;
    this.#factory = factory;
    this.#waitMs = opts.waitMs;
    this.#drainMs = opts.drainMs;
    this.#wake = opts.wake;
    this.#metrics = opts.metrics;
  }

  /** Ready replicas (OpenFaaS `availableReplicas`). */
  get available(): number {
    return this.#replicas.filter((r) => r.state === 'ready').length;
  }

  /**
   * Sends a call to the least-loaded ready replica, waiting for one if none is ready. A replica that
   * refuses the connection never saw the call, so the call moves on to another (a few times at most).
   * Every call is counted in the function's metrics, with the status it ended with.
   */
  async invoke(inv: Invocation, sink: ResponseSink): Promise<void> {
    const name = this.spec.name;
    const started = performance.now();
    const counted = new StatusSink(sink);
    this.#metrics.started(name);
    try {
      await this.#send(inv, counted);
    } catch (err) {
      if (counted.status === 0) counted.status = failureCode(err);
      throw err;
    } finally {
      this.#metrics.finished(name, counted.status, (performance.now() - started) / 1000);
    }
  }

  async #send(inv: Invocation, sink: ResponseSink): Promise<void> {
    this.#assertSchedulable();
    if (this.desired === 0) this.#wake();
    const refused = new Set<Replica>();
    for (let attempt = 1; ; attempt++) {
      const replica = this.#pick(refused) ?? this.#pick() ?? (await this.#waitForReplica());
      // The least-loaded replica is full, so all are: the watchdogs' limiter answers 429.
      const max = this.spec.config.maxInflight;
      if (max > 0 && replica.inflight >= max) throw errors.concurrencyLimit(max);
      try {
        return await replica.invoke(inv, sink);
      } catch (err) {
        if (!(err instanceof ReplicaUnreachable)) throw err;
        refused.add(replica);
        if (attempt === MAX_CONNECT_ATTEMPTS) throw errors.upstreamFailed(this.spec.name, `no replica accepted the connection (${err.message})`);
      }
    }
  }

  /**
   * Where to relay an `Upgrade` request (WebSocket): a ready http-mode replica's address. A 400 for
   * other modes, a 503 when no replica is ready (an upgrade does not wait).
   */
  upgradeTarget(): ServerAddress {
    if (this.spec.config.mode !== 'http') throw errors.badRequest(`function "${this.spec.name}" runs in ${this.spec.config.mode} mode: only http-mode functions take Upgrade (WebSocket) requests`);
    this.#assertSchedulable();
    const address = this.#pick()?.address;
    if (!address) throw errors.noReplica(this.spec.name, 0);
    return address;
  }

  /**
   * Starts or drains replicas until `count` of the current spec run (none when this node may not run
   * it: `desired` still says `count`, as a Deployment's pods stay pending). Drained ones finish their calls.
   */
  scale(count: number): void {
    this.desired = count;
    const runs = this.spec.unschedulable === undefined ? count : 0;
    const current = this.#replicas.filter((r) => r.spec === this.spec && (r.state === 'starting' || r.state === 'ready'));
    for (let i = current.length; i < runs; i++) this.#add(this.spec);
    // Retire starting replicas before ready ones: they serve nobody yet.
    const extra = current.sort((a, b) => rank(a) - rank(b)).slice(0, Math.max(current.length - runs, 0));
    for (const replica of extra) void this.#retire(replica);
    if (runs === 0) this.#retireOutgoing();
  }

  /**
   * Rolling update: new replicas start beside the old ones, which drain once a new one is ready. A
   * spec this node may not run has no new replica to wait for: the old ones drain at once, and calls
   * waiting for a replica get why.
   */
  update(spec: RuntimeSpec): void {
    this.#outgoing.push(...this.#replicas.filter((r) => r.spec === this.spec));
    this.spec = spec;
    this.scale(this.desired);
    if (spec.unschedulable !== undefined) this.#rejectWaiters(errors.constraintsUnmet(spec.name, spec.unschedulable));
  }

  /**
   * Called (through the provider) when a replica exits before it is ready: once every replica of the
   * current spec keeps crashing, waiting calls fail at once, quoting why, instead of waiting it out.
   */
  replicaFailedStart(): void {
    const crash = this.#crashLoop();
    if (crash !== undefined) this.#rejectWaiters(errors.replicaCrashing(this.spec.name, crash));
  }

  /** Called (through the provider) when a replica becomes ready: hands it to waiting calls. */
  replicaReady(replica: Replica): void {
    if (replica.spec === this.spec) this.#retireOutgoing();
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.#pick() ?? replica);
    }
  }

  async stop(): Promise<void> {
    for (const waiter of this.#waiters.splice(0)) clearTimeout(waiter.timer);
    await Promise.all(this.#replicas.splice(0).map((r) => r.stop()));
  }

  // --- internal ---

  /** ERR_CONSTRAINTS_UNMET when this node may not run the function: no replica will come to wait for. */
  #assertSchedulable(): void {
    if (this.spec.unschedulable !== undefined) throw errors.constraintsUnmet(this.spec.name, this.spec.unschedulable);
  }

  #rejectWaiters(err: Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }

  #add(spec: RuntimeSpec): void {
    const replica = this.#factory(spec);
    this.#replicas.push(replica);
    replica.start();
  }

  #retireOutgoing(): void {
    for (const replica of this.#outgoing.splice(0)) void this.#retire(replica);
  }

  async #retire(replica: Replica): Promise<void> {
    await replica.drain(this.#drainMs);
    this.#replicas = this.#replicas.filter((r) => r !== replica);
  }

  /**
   * Least in-flight among ready replicas, skipping those that just refused this call; ties rotate so
   * load spreads evenly.
   */
  #pick(refused?: ReadonlySet<Replica>): Replica | undefined {
    const list = this.#replicas;
    let best: Replica | undefined;
    for (let i = 0; i < list.length; i++) {
      const candidate = list[(this.#next + i) % list.length] as Replica;
      if (refused?.has(candidate)) continue;
      if (candidate.state === 'ready' && (!best || candidate.inflight < best.inflight)) best = candidate;
    }
    this.#next = (this.#next + 1) % Math.max(list.length, 1);
    return best;
  }

  #waitForReplica(): Promise<Replica> {
    const crash = this.#crashLoop();
    if (crash !== undefined) return Promise.reject(errors.replicaCrashing(this.spec.name, crash));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(errors.noReplica(this.spec.name, this.#waitMs / 1000));
        }, this.#waitMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Why the current spec cannot start: set only when every one of its live replicas keeps crashing. */
  #crashLoop(): string | undefined {
    const current = this.#replicas.filter((r) => r.spec === this.spec && r.state !== 'stopped' && r.state !== 'draining');
    if (current.length === 0 || current.some((r) => r.crashLoop === undefined)) return undefined;
    return current[0]?.crashLoop;
  }
}

function rank(replica: Replica): number {
  return replica.state === 'starting' ? 0 : 1;
}

/** Passes an answer on, noting its status for the metrics. */
class StatusSink implements ResponseSink {
  status = 0;
  readonly #sink: ResponseSink;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }

  start(status: number, headers: HeaderList): void {
    this.status = status;
    this.#sink.start(status, headers);
  }

  write(chunk: Buffer): boolean {
    return this.#sink.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.#sink.onDrain(resume);
  }

  end(): void {
    this.#sink.end();
  }
}
