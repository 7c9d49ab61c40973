import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { get } from 'node:http';
import { SluiceError, errors } from '../api/index.js';
import { ReplicaUnreachable, addressOf, canConnect, createMode, lineSplitter, type ServerAddress, type Invocation, type ModeHandler, type ResponseSink } from '../watchdog/index.js';
import { trackInflight, waitIdle, type Replica, type ReplicaEvents, type ReplicaState } from './replica.js';
import type { RuntimeSpec } from './runtime-spec.js';
import type { Cgroups, ReplicaCgroup } from './cgroups.js';
import { confineArgv, confinementOf } from './confine.js';
import { groupsFailedNote, heapDeathReason, memoryKillReason, rlimitDeathReason } from './limits.js';

const RESTART_BACKOFF_MIN_MS = 100;
const RESTART_BACKOFF_MAX_MS = 10_000;
/** A process that stayed up this long is healthy again: its next crash restarts without delay. */
const STABLE_AFTER_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const HEALTH_PROBE_MS = 1_000;
/** Failed starts in a row after which calls stop waiting for this replica. */
const CRASH_LOOP_STARTS = 2;
/** How long a broken call waits for its replica's exit, to say whether memory killed it. */
const EXIT_GRACE_MS = 1_000;
const STDERR_GRACE_MS = 500;
/** stderr lines kept from the current start, to quote why it failed. */
const KEPT_STDERR_LINES = 50;

/**
 * A replica of an http-mode function: one child process serving HTTP on a Unix socket in the data
 * dir. It is ready when the socket accepts connections, restarted with backoff when it dies, and
 * killed when a call times out and it no longer answers its health probe (a blocked event loop).
 */
export class ProcessReplica implements Replica {
  readonly instance: string;
  readonly spec: RuntimeSpec;
  inflight = 0;
  restarts = 0;
  #state: ReplicaState = 'starting';
  #child: ChildProcess | undefined;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #failedStarts = 0;
  #stderr: string[] = [];
  #lastFailure = '';
  readonly #socketPath: string;
  /** Where the process listens: its Unix socket, or the function's own `upstream_url`. */
  readonly #address: ServerAddress;
  readonly #mode: ModeHandler;
  readonly #events: ReplicaEvents;
  readonly #startupTimeoutMs: number;
  readonly #cgroups: Cgroups | undefined;
  #cgroup: ReplicaCgroup | undefined;
  /** Whether the current process's memory is bounded by an rlimit (no control group): it dies of ENOMEM, not a kill. */
  #rlimited = false;
  /**
   * Why each process died of memory, once known: what the calls it cut short are told. Kept per
   * process, as a call may learn it failed only after the next process has started.
   */
  readonly #memoryDeaths = new WeakMap<ChildProcess, Promise<string | undefined>>();

  constructor(spec: RuntimeSpec, events: ReplicaEvents, opts: { runDir: string; startupTimeoutMs: number; cgroups?: Cgroups }) {
    this.spec = spec;
    const suffix = randomBytes(4).toString('hex');
    this.instance = `${spec.name}-${suffix}`;
    this.#events = events;
    this.#startupTimeoutMs = opts.startupTimeoutMs;
    this.#cgroups = opts.cgroups;
    // Short file name: a Unix socket path must fit in 107 bytes, whatever the function's name.
    this.#socketPath = path.join(opts.runDir, `${suffix}.sock`);
    const url = spec.config.upstreamUrl;
    this.#address = url === undefined ? { socketPath: this.#socketPath } : addressOf(url);
    this.#mode = createMode({ name: spec.name, config: spec.config, argv: spec.argv, cwd: spec.cwd, env: spec.env, log: () => {}, ...(url === undefined ? { socketPath: this.#socketPath } : {}) });
  }

  get address(): ServerAddress {
    return this.#address;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  get crashLoop(): string | undefined {
    return this.#failedStarts >= CRASH_LOOP_STARTS ? this.#lastFailure : undefined;
  }

  start(): void {
    this.#state = 'starting';
    this.#startedAt = Date.now();
    this.#stderr = [];
    void this.#launch();
  }

  /**
   * Puts the process in its control groups when it has limits (else under an rlimit for its memory
   * limit), and its own mounts when it has some (confine.ts), then spawns it.
   */
  async #launch(): Promise<void> {
    const { limits } = this.spec;
    const env = { ...this.spec.env, HOSTNAME: this.instance, SLUICE_SOCKET: this.#socketPath };
    if (limits && this.#cgroups) {
      try {
        this.#cgroup = await this.#cgroups.create(this.instance, limits);
      } catch (err) {
        this.#events.log(this, 'stderr', groupsFailedNote((err as Error).message, limits));
      }
    }
    const confinement = { ...confinementOf(this.spec, this.#cgroup), diesWithGateway: true };
    const argv = confineArgv(confinement, this.spec.argv, env);
    if (this.#state !== 'starting') return; // stopped meanwhile
    this.#rlimited = confinement.rlimitBytes !== undefined;
    const [program, ...args] = argv as [string, ...string[]];
    // The IPC channel (fd 3) closes when the gateway dies, however it dies: Node runners exit on it.
    const child = spawn(program, args, {
      cwd: this.spec.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#child = child;
    child.stdout?.pipe(lineSplitter((line) => this.#events.log(this, 'stdout', line), this.spec.config.logBufferSize));
    child.stderr?.pipe(lineSplitter((line) => {
      if (this.#stderr.push(line) > KEPT_STDERR_LINES) this.#stderr.shift();
      this.#events.log(this, 'stderr', line);
    }, this.spec.config.logBufferSize));
    child.on('error', (err) => this.#events.log(this, 'stderr', `failed to start: ${err.message}`));
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
    // Runners that speak IPC say when they listen; others are found by polling the socket.
    child.on('message', (message: { sluice?: string }) => {
      if (message?.sluice === 'ready' && this.#child === child) this.#becomeReady();
    });
    void this.#awaitReady(child);
  }

  invoke(inv: Invocation, sink: ResponseSink): Promise<void> {
    return trackInflight(this, async () => {
      const serving = this.#child;
      try {
        await this.#mode.invoke(inv, sink);
      } catch (err) {
        if (err instanceof SluiceError && err.status === 504) void this.#killIfHung();
        if (err instanceof ReplicaUnreachable) this.#suspect();
        const memory = err instanceof SluiceError && err.status === 502 && serving ? await this.#diedOfMemory(serving) : undefined;
        throw memory ? errors.upstreamFailed(this.spec.name, memory) : err;
      }
    });
  }

  async drain(timeoutMs: number): Promise<void> {
    if (this.#state === 'ready' || this.#state === 'starting') this.#state = 'draining';
    await waitIdle(this, timeoutMs);
    await this.stop();
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await this.#cgroup?.remove();
    await this.#mode.close();
    await rm(this.#socketPath, { force: true });
  }

  // --- internal ---

  /** A refused connection: take no calls until the socket accepts again (or the exit restarts it). */
  #suspect(): void {
    const child = this.#child;
    if (this.#state !== 'ready' || !child) return;
    this.#state = 'starting';
    void this.#awaitReady(child);
  }

  async #awaitReady(child: ChildProcess): Promise<void> {
    const until = Date.now() + this.#startupTimeoutMs;
    let pause = 2;
    while (this.#child === child && this.#state === 'starting' && child.exitCode === null) {
      if (await canConnect(this.#address)) return this.#becomeReady();
      if (Date.now() > until) {
        this.#events.log(this, 'stderr', `not ready after ${this.#startupTimeoutMs / 1000}s: restarting`);
        child.kill('SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10);
    }
  }

  #becomeReady(): void {
    if (this.#state !== 'starting') return;
    this.#state = 'ready';
    this.#failedStarts = 0;
    this.#events.ready(this);
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child || this.#state === 'stopped') return;
    const ranFor = Date.now() - this.#startedAt;
    if (ranFor > STABLE_AFTER_MS) this.restarts = 0;
    const delay = Math.min(RESTART_BACKOFF_MIN_MS * 2 ** this.restarts, RESTART_BACKOFF_MAX_MS);
    this.restarts++;
    const cgroup = this.#cgroup;
    const memory = this.#memoryReason(child, signal, cgroup, this.#rlimited);
    this.#memoryDeaths.set(child, memory);
    void memory.then((reason) => reason && this.#events.log(this, 'stderr', `replica ${reason}`));
    const why = signal ? `killed by ${signal}` : `exited with status ${code}`;
    this.#events.log(this, 'stderr', `replica ${why}; restarting in ${delay}ms`);
    const wasDraining = this.#state === 'draining';
    if (this.#state === 'starting') {
      this.#failedStarts++;
      this.#lastFailure = errorLine(this.#stderr) ?? why;
      this.#events.failedStart(this);
    }
    this.#state = wasDraining ? 'stopped' : 'starting';
    if (wasDraining) return;
    this.#events.restarting(this);
    this.#restartTimer = setTimeout(() => this.start(), delay);
  }

  /**
   * Why the process that exited died of memory, if it did: the kernel killed it over its memory
   * limit (its control group counted the kill), V8 ran out of the heap its limit leaves it, or,
   * under an rlimit, an allocation was refused (its stderr says so).
   */
  async #memoryReason(child: ChildProcess, signal: NodeJS.Signals | null, cgroup: ReplicaCgroup | undefined, rlimited: boolean): Promise<string | undefined> {
    const limit = this.spec.limits?.memoryBytes;
    if (limit === undefined) return undefined;
    if (signal === 'SIGKILL' && ((await cgroup?.oomKills()) ?? 0) > 0) return memoryKillReason(limit);
    // Its last stderr lines may still be on their way after the exit.
    await Promise.race([once(child, 'close'), sleep(STDERR_GRACE_MS)]);
    if (rlimited) return rlimitDeathReason(this.#stderr.join('\n'), this.spec, limit);
    return heapDeathReason(this.#stderr.join('\n'), this.spec, limit);
  }

  /** The memory death of the process that served a call which broke off: waits a moment for its exit. */
  async #diedOfMemory(child: ChildProcess): Promise<string | undefined> {
    if (this.spec.limits?.memoryBytes === undefined) return undefined;
    if (child.exitCode === null && child.signalCode === null) await Promise.race([once(child, 'exit'), sleep(EXIT_GRACE_MS)]);
    return this.#memoryDeaths.get(child);
  }

  /** After a timeout: a replica that cannot answer its health probe is blocked, so it is replaced. */
  async #killIfHung(): Promise<void> {
    const child = this.#child;
    if (!child || this.#state !== 'ready') return;
    if (await answersHealth(this.#address)) return;
    this.#events.log(this, 'stderr', 'replica did not answer its health probe after a timeout: killing it');
    child.kill('SIGKILL');
  }
}

function answersHealth(address: ServerAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ ...address, path: '/_/health', timeout: HEALTH_PROBE_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

/** The line that says what went wrong (`Error: …`, `ModuleNotFoundError: …`), else the last one. */
function errorLine(lines: readonly string[]): string | undefined {
  const meaningful = lines.map((line) => line.trim()).filter(Boolean);
  return meaningful.findLast((line) => /^[\w.]*(Error|Exception)\b.*:/.test(line)) ?? meaningful.at(-1);
}
