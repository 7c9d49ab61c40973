import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import {
  assertFunctionName,
  assertNamespace,
  errors,
  type FunctionDeployment,
  type FunctionStatus,
  type RuntimeMode,
} from '../api/index.js';
import { BundleStore } from './bundle-store.js';
import { Cgroups } from './cgroups.js';
import { mountPlan, mountsUnsupported } from './confine.js';
import { hostFacts, unmetConstraints, unschedulableNote, type NodeFacts } from './constraints.js';
import { FunctionLogs } from './function-logs.js';
import { FunctionService } from './function-service.js';
import { AUTH_LABEL, FunctionTokens, tokenSecret } from './function-tokens.js';
import type { InGatewayRuntime } from './in-gateway.js';
import { KeyedLock } from './keyed-lock.js';
import type { ProviderOptions, ReplicaLogLine } from './provider-options.js';
import { unenforcedLimits } from './limits.js';
import { FunctionMetrics } from './metrics.js';
import { Registry } from './registry.js';
import type { ReplicaEvents } from './replica.js';
import { replicaFactory, replicaRunDir } from './replica-factory.js';
import { SecretStore } from './secret-store.js';
import { resolveSpec, type RuntimeSpec, type SpecDefaults } from './runtime-spec.js';
import { scaleBounds, scaleLabels } from './scale-labels.js';
import { statusOf } from './status.js';

/** The environment variable naming the directory of a function's secret files. */
export const SECRETS_DIR_ENV = 'SLUICE_SECRETS_DIR';

/** Modes whose functions run in the gateway's process, so need a runtime given in the options. */
const IN_GATEWAY: ReadonlySet<RuntimeMode> = new Set(['workflow']);

interface Deployed {
  deployment: FunctionDeployment;
  createdAt: string;
  service: FunctionService;
}

/**
 * Function lifecycle (architecture layer 2): the persisted registry, bundles on disk and the running
 * services. Every change is written to the registry before it is acted on, so a restart brings back
 * exactly what was deployed, with its replica count.
 */
export class Provider {
  readonly bundles: BundleStore;
  readonly metrics: FunctionMetrics;
  /** Every replica's output, per function: what `GET /system/logs` reads. */
  readonly logs: FunctionLogs;
  readonly secrets: SecretStore;
  readonly #registry: Registry;
  readonly #functions = new Map<string, Deployed>();
  readonly #locks = new KeyedLock();
  readonly #opts: ProviderOptions;
  readonly #defaults: SpecDefaults;
  readonly #runDir: string;
  readonly #runtimes = new Map<RuntimeMode, InGatewayRuntime>();
  readonly #tokens: FunctionTokens;
  readonly #node: NodeFacts;
  /** The host's control groups for `limits`, or why there are none. */
  #cgroups: Cgroups | string = 'not detected yet';
  /** Why replicas cannot have mounts of their own here (confine.ts); undefined when they can. */
  #noMounts: string | undefined = 'not detected yet';

  private constructor(opts: ProviderOptions, runDir: string) {
    this.#opts = opts;
    this.#runDir = runDir;
    for (const [mode, factory] of Object.entries(opts.runtimes ?? {})) this.#runtimes.set(mode as RuntimeMode, factory(this));
    this.bundles = new BundleStore(path.join(opts.dataDir, 'bundles'));
    this.logs = new FunctionLogs(path.join(opts.dataDir, 'logs'), opts.functionLogs);
    this.secrets = new SecretStore(path.join(opts.dataDir, 'secrets'));
    this.#tokens = new FunctionTokens(this.secrets);
    this.#node = hostFacts(opts.nodeLabels);
    this.metrics = new FunctionMetrics(opts.metrics ?? new MetricsRegistry(), () => [...this.#functions].map(([name, d]) => [name, d.service.desired] as const));
    this.#registry = new Registry(path.join(opts.dataDir, 'registry.db'));
    this.#defaults = {
      execTimeoutMs: opts.execTimeoutMs,
      readTimeoutMs: opts.readTimeoutMs,
      writeTimeoutMs: opts.writeTimeoutMs,
      workRoot: path.join(opts.dataDir, 'functions'),
      hostEnv: opts.hostEnv,
    };
  }

  /** Opens the data dir and brings every persisted function back with its replicas. */
  static async open(opts: ProviderOptions): Promise<Provider> {
    await mkdir(opts.dataDir, { recursive: true });
    const runDir = replicaRunDir(opts.dataDir);
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    const provider = new Provider(opts, runDir);
    await Promise.all([provider.logs.open(), provider.secrets.open()]);
    [provider.#cgroups, provider.#noMounts] = await Promise.all([opts.cgroups === false ? 'turned off by cgroups=false or --no-cgroups' : Cgroups.detect(), mountsUnsupported()]);
    await provider.#restore();
    provider.#pruneBundles();
    return provider;
  }

  /** POST (create) or PUT (update) of a FunctionDeployment. */
  deploy(dep: FunctionDeployment, mode: 'create' | 'update'): Promise<void> {
    return this.#exclusive(dep.service, async () => {
      assertFunctionName(dep.service);
      assertNamespace(dep.namespace);
      const bounds = scaleLabels(dep);
      const existing = this.#functions.get(dep.service);
      if (mode === 'create' && existing) throw errors.functionExists(dep.service);
      if (mode === 'update' && !existing) throw errors.functionNotFound(dep.service);
      const spec = await this.#resolve(dep);
      const replicas = existing ? Math.min(Math.max(existing.service.desired, bounds.min), bounds.max) : Math.max(bounds.min, 1);
      const createdAt = existing?.createdAt ?? new Date().toISOString();
      this.#registry.save({ deployment: dep, replicas, createdAt });
      await this.#tokens.load(dep);
      if (!existing) {
        const service = this.#serviceFor(spec);
        this.#functions.set(dep.service, { deployment: dep, createdAt, service });
        service.scale(replicas);
        return;
      }
      existing.deployment = dep;
      if (JSON.stringify(spec) !== JSON.stringify(existing.service.spec)) existing.service.update(spec);
      existing.service.scale(replicas);
      this.#pruneBundles();
    });
  }

  remove(name: string): Promise<void> {
    return this.#exclusive(name, async () => {
      const deployed = this.#get(name);
      this.#registry.delete(name);
      this.#functions.delete(name);
      await deployed.service.stop();
      await this.secrets.unmount(name);
      this.#tokens.forget(name);
      this.#pruneBundles();
    });
  }

  /** Stores a secret; a new value reaches the functions that list it at once (their files are rewritten). */
  async putSecret(name: string, value: Buffer, mode: 'create' | 'replace'): Promise<void> {
    await this.secrets.put(name, value, mode);
    for (const [fn, { deployment }] of this.#functions) {
      if (deployment.secrets?.includes(name)) await this.secrets.mount(fn, deployment.secrets);
      if (tokenSecret(deployment) === name) await this.#tokens.load(deployment);
    }
  }

  /** Removes a secret no deployed function lists (ERR_SECRET_IN_USE names those that do). */
  async removeSecret(name: string): Promise<void> {
    const uses = (d: FunctionDeployment): boolean => d.secrets?.includes(name) === true || tokenSecret(d) === name;
    const users = [...this.#functions].filter(([, d]) => uses(d.deployment)).map(([fn]) => fn);
    if (users.length) throw errors.secretInUse(name, users.sort());
    await this.secrets.remove(name);
  }

  scale(name: string, replicas: number): Promise<void> {
    return this.#exclusive(name, async () => {
      const deployed = this.#get(name);
      const { max } = scaleBounds(deployed.deployment);
      if (replicas > max) throw errors.badRequest(`function "${name}" may have at most ${max} replicas (label com.openfaas.scale.max)`);
      this.#registry.setReplicas(name, replicas);
      deployed.service.scale(replicas);
    });
  }

  list(): FunctionStatus[] {
    return [...this.#functions.entries()].map(([name, d]) => statusOf(d.deployment, d.service, d.createdAt, this.metrics.invocations(name)));
  }

  status(name: string): FunctionStatus {
    const deployed = this.#get(name);
    return statusOf(deployed.deployment, deployed.service, deployed.createdAt, this.metrics.invocations(name));
  }

  /** Whether a function of that name is deployed. */
  has(name: string): boolean {
    return this.#functions.has(name);
  }

  /** Whether calls of the function need the gateway's credentials (label `com.sluice.auth=required`). */
  authRequired(name: string): boolean {
    return this.#functions.get(name)?.deployment.labels?.[AUTH_LABEL] === 'required';
  }

  /** SHA-256 of the function's token, when its token-secret annotation names one: a Bearer token that opens it. */
  authToken(name: string): Buffer | undefined {
    return this.#tokens.digest(name);
  }

  /** The running service of a function, for the invocation path; ERR_FUNCTION_NOT_FOUND if none. */
  service(name: string): FunctionService {
    return this.#get(name).service;
  }

  /** Stops every replica (SIGTERM, then SIGKILL after a grace period) and closes the registry. */
  async close(): Promise<void> {
    await Promise.all([...this.#functions.values()].map((d) => d.service.stop()));
    this.#functions.clear();
    this.#registry.close();
    await this.logs.flushed();
  }

  // --- internal ---

  #get(name: string): Deployed {
    const deployed = this.#functions.get(name);
    if (!deployed) throw errors.functionNotFound(name);
    return deployed;
  }

  /**
   * The runtime spec of a deployment, checked by its in-gateway runtime when it has one, with its
   * secrets mounted. A secret that does not exist fails a deploy; at restore it is left out.
   */
  async #resolve(dep: FunctionDeployment, when: 'deploy' | 'restore' = 'deploy'): Promise<RuntimeSpec> {
    const unschedulable = unmetConstraints(dep, this.#node);
    let spec = await resolveSpec(dep, this.bundles, this.#defaults);
    if (unschedulable) spec = { ...spec, unschedulable };
    const token = tokenSecret(dep);
    const missing = await this.secrets.missing([...(dep.secrets ?? []), ...(token ? [token] : [])]);
    if (missing.length && when === 'deploy') throw errors.secretsMissing(dep.service, missing);
    const secretsDir = dep.secrets?.length ? await this.secrets.mount(dep.service, dep.secrets) : undefined;
    if (secretsDir) spec = { ...spec, env: { ...spec.env, [SECRETS_DIR_ENV]: secretsDir } };
    const want = { secretsDir, readOnly: dep.readOnlyRootFilesystem === true, runsProcess: spec.argv.length > 0, socketDir: spec.config.mode === 'http' ? this.#runDir : undefined, cwd: spec.cwd };
    const { plan, note } = mountPlan(want, this.#noMounts);
    if (plan) spec = { ...spec, mounts: plan };
    // What this host cannot give the function, or that it cannot run here at all: said once in its log.
    const notes = [spec.limits && unenforcedLimits(spec, typeof this.#cgroups === 'string' ? this.#cgroups : undefined), note, unschedulable && unschedulableNote(unschedulable)];
    for (const text of notes) if (text) this.#log({ function: spec.name, instance: '-', stream: 'stderr', text });
    const mode = spec.config.mode;
    if (IN_GATEWAY.has(mode) || this.#runtimes.has(mode)) {
      const runtime = this.#runtimes.get(mode);
      if (!runtime) throw errors.badRequest(`function "${dep.service}" runs in ${mode} mode, which this node cannot run`);
      await runtime.prepare(spec, when);
    }
    return spec;
  }

  async #restore(): Promise<void> {
    for (const entry of this.#registry.all()) {
      const name = entry.deployment.service;
      try {
        const spec = await this.#resolve(entry.deployment, 'restore');
        const service = this.#serviceFor(spec);
        this.#functions.set(name, { deployment: entry.deployment, createdAt: entry.createdAt, service });
        await this.#tokens.load(entry.deployment);
        service.scale(entry.replicas);
      } catch (err) {
        this.#opts.log({ function: name, instance: '-', stream: 'stderr', text: `not restored: ${(err as Error).message}` });
      }
    }
  }

  #serviceFor(spec: RuntimeSpec): FunctionService {
    const events: ReplicaEvents = {
      ready: (replica) => service.replicaReady(replica),
      failedStart: () => service.replicaFailedStart(),
      restarting: (replica) => this.metrics.replicaRestarted(replica.spec.name),
      log: (replica, stream, text, callId) => this.#log({ function: replica.spec.name, instance: replica.instance, stream, text, ...(callId ? { callId } : {}) }),
    };
    const factory = replicaFactory(events, {
      runDir: this.#runDir,
      startupTimeoutMs: this.#opts.replicaWaitMs,
      cgroups: typeof this.#cgroups === 'string' ? undefined : this.#cgroups,
      runtimes: this.#runtimes,
    });
    const service: FunctionService = new FunctionService(spec, factory, {
      waitMs: this.#opts.replicaWaitMs,
      drainMs: this.#opts.writeTimeoutMs,
      wake: () => void this.#wake(spec.name),
      metrics: this.metrics,
    });
    return service;
  }

  /** Deletes bundles no deployment names any more (in the background; a failure is only logged). */
  #pruneBundles(): void {
    const failed = (err: Error): void => this.#opts.log({ function: '-', instance: '-', stream: 'stderr', text: `bundle cleanup failed: ${err.message}` });
    this.bundles.pruneUnused([...this.#functions.values()].map((d) => d.deployment), failed);
  }

  /** A line of a function's log: kept for `GET /system/logs` and written to the gateway's log. */
  #log(line: ReplicaLogLine): void {
    this.logs.append(line.function, line.instance, line.text);
    this.#opts.log(line);
  }

  /** Scale from zero: a call arrived while no replica was wanted. */
  async #wake(name: string): Promise<void> {
    const deployed = this.#functions.get(name);
    if (!deployed || deployed.service.desired > 0) return;
    await this.scale(name, Math.max(scaleBounds(deployed.deployment).min, 1)).catch(() => {});
  }

  /** Runs changes to one function one at a time (two deploys of one name must not interleave). */
  #exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.#locks.run(name, work);
  }
}
