import { randomBytes } from 'node:crypto';
import { createMode, type CallConfinement, type Invocation, type LogSink, type ModeHandler, type ProcessExit, type ResponseSink } from '../watchdog/index.js';
import type { Cgroups, ReplicaCgroup } from './cgroups.js';
import { confineArgv, confinementOf } from './confine.js';
import { groupsFailedNote, heapDeathReason, memoryKillReason, rlimitDeathReason } from './limits.js';
import { trackInflight, waitIdle, type Replica, type ReplicaEvents, type ReplicaState } from './replica.js';
import type { RuntimeSpec } from './runtime-spec.js';

/** How long a stopped slot lets its calls' processes finish before its groups go, with them. */
const STOP_GRACE_MS = 5_000;

/**
 * A replica of a function with no long-lived process — streaming, serializing and fork modes spawn
 * one per call, static mode serves files, an in-gateway runtime (a workflow) runs in this process:
 * a slot that runs calls. Replicas of such a function spread calls and `max_inflight`, as OpenFaaS
 * pods would. With `limits` (and control groups to enforce them) a slot that spawns processes has
 * groups of its own, as a pod has: every call's process joins them before it runs, so its
 * concurrent calls share the limit. It is ready once they are made; otherwise at once. Without
 * groups, each call's process is bounded by `limits.memory` alone, as an rlimit (confine.ts).
 */
export class CallSlot implements Replica {
  readonly instance: string;
  readonly spec: RuntimeSpec;
  readonly restarts = 0;
  readonly crashLoop = undefined;
  readonly address = undefined;
  inflight = 0;
  state: ReplicaState = 'starting';
  readonly #mode: ModeHandler;
  readonly #events: ReplicaEvents;
  /** Where its groups are made: set only when it spawns processes and has limits. */
  readonly #cgroups: Cgroups | undefined;
  #cgroup: ReplicaCgroup | undefined;
  #making: Promise<void> | undefined;
  /** The kernel's memory kills in its groups already told to a call. */
  #killsTold = 0;

  /** `handler` makes what serves the calls instead of a watchdog mode (an in-gateway runtime's). */
  constructor(spec: RuntimeSpec, events: ReplicaEvents, handler?: (log: LogSink) => ModeHandler, cgroups?: Cgroups) {
    this.spec = spec;
    this.instance = `${spec.name}-${randomBytes(4).toString('hex')}`;
    this.#events = events;
    this.#cgroups = !handler && spec.argv.length > 0 && spec.limits ? cgroups : undefined;
    const log: LogSink = (stream, line, callId) => events.log(this, stream, line, callId);
    const confined = !handler && (this.#cgroups || spec.mounts || (spec.argv.length > 0 && spec.limits?.memoryBytes !== undefined));
    this.#mode = handler?.(log) ?? createMode({
      name: spec.name,
      config: spec.config,
      argv: spec.argv,
      cwd: spec.cwd,
      // HOSTNAME is the instance, as a pod's is: templates show it as context.hostname.
      env: { ...spec.env, HOSTNAME: this.instance },
      log,
      ...(confined ? { confinement: this.#confinement() } : {}),
    });
  }

  start(): void {
    if (this.#cgroups) this.#making = this.#makeGroups(this.#cgroups);
    else this.#ready();
  }

  invoke(inv: Invocation, sink: ResponseSink): Promise<void> {
    return trackInflight(this, () => this.#mode.invoke(inv, sink));
  }

  async drain(timeoutMs: number): Promise<void> {
    this.state = 'draining';
    await waitIdle(this, timeoutMs);
    await this.stop();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await this.#making;
    if (!this.#cgroup) return;
    await waitIdle(this, STOP_GRACE_MS);
    await this.#cgroup.remove();
  }

  // --- internal ---

  #ready(): void {
    if (this.state !== 'starting') return; // stopped meanwhile
    this.state = 'ready';
    this.#events.ready(this);
  }

  /** Makes its groups; where that fails its calls run unbounded, and its log says so. */
  async #makeGroups(cgroups: Cgroups): Promise<void> {
    try {
      const cgroup = await cgroups.create(this.instance, this.spec.limits ?? {});
      if (this.state === 'stopped') await cgroup.remove();
      else this.#cgroup = cgroup;
    } catch (err) {
      this.#events.log(this, 'stderr', groupsFailedNote((err as Error).message, this.spec.limits));
    }
    this.#ready();
  }

  /**
   * Every call's process joins the slot's groups (or, with none, gets its memory limit as an rlimit);
   * one that died of memory, killed by the kernel or refused an allocation, is told so.
   */
  #confinement(): CallConfinement {
    return {
      wrap: (argv, env) => confineArgv(confinementOf(this.spec, this.#cgroup), argv, env),
      stoppedBy: (exit) => this.#diedOfMemory(exit),
    };
  }

  /**
   * Why this process died of memory, if it did. In groups: the kernel killed it over the limit, a
   * SIGKILL while the groups count a kill no call was told of yet (each kill is told once, so two
   * calls killed together both hear it, and a later SIGKILL from elsewhere is not blamed on memory).
   * Under an rlimit nothing is killed: an allocation is refused, and its stderr says so in its own words.
   * A Node process that reached the heap bound its limit leaves it says so too (V8's last words).
   */
  async #diedOfMemory(exit: ProcessExit): Promise<string | undefined> {
    const limit = this.spec.limits?.memoryBytes;
    const cgroup = this.#cgroup;
    if (limit === undefined) return undefined;
    if (confinementOf(this.spec, cgroup).rlimitBytes !== undefined) return rlimitDeathReason(exit.stderr ?? '', this.spec, limit);
    if (exit.signal === 'SIGKILL' && cgroup && (await cgroup.oomKills()) > this.#killsTold) {
      this.#killsTold++;
      return memoryKillReason(limit);
    }
    return heapDeathReason(exit.stderr ?? '', this.spec, limit);
  }
}
