import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { VERSION } from './api/index.js';
import { loadConfig, type AutoscalingConfig, type GatewayConfig, type GatewayFlags } from './config/index.js';
import { BasicAuth, PASSWORD_FILE, createGateway, createMetricsServer, loadCredentials, type Credentials } from './gateway/index.js';
import { Autoscaler, Provider, type ReplicaLogLine } from './provider/index.js';
import { openAsyncBackend, type AsyncBackend } from './queue/index.js';
import { AsyncMetrics, CallbackClient, Worker, gatewayInvoker, localInvoker, queueFor, type CallbackMessage } from './worker/index.js';
import { StepWatch, workflowRuntime, type DurableSteps } from './workflow/index.js';

/** One callback POST may take this long (connect to last byte) before it counts as failed and is retried. */
const CALLBACK_TIMEOUT_MS = 30_000;

/** What a function's process may see of the host's environment; never the gateway's own settings. */
const HOST_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

export interface ServeOptions {
  readonly flags: GatewayFlags;
  /** Run async calls here too (default). Off: a gateway that only accepts them, for `sluice worker`s to run. */
  readonly worker?: boolean;
  /** A stack file whose functions are built and deployed once the gateway listens (`npm start`). */
  readonly stackFile?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A started Sluice node: its address, and how to stop it. */
export interface RunningNode {
  readonly url: string;
  readonly config: GatewayConfig;
  stop(): Promise<void>;
}

/**
 * `sluice serve`: the composition root (architecture layer 5). Builds config, provider, async backend, worker and gateway,
 * deploys the given stack, and stops cleanly on SIGTERM/SIGINT: in-flight calls drain, every replica
 * is stopped, the process exits 0. Resolves when the node has stopped.
 */
export function serve(opts: ServeOptions): Promise<void> {
  return untilSignal(() => startNode(opts), 'draining calls and stopping replicas');
}

export interface WorkerNodeOptions {
  /** The gateway whose functions this worker runs, through its `/function/` route. */
  readonly gatewayUrl: string;
  /** `Authorization` for the gateway's /system API, when its basic auth is on (the CLI's login). */
  readonly authorization?: string;
  /** `data` (the SQLite queue's dir, shared with the gateway's) and `nats`, as for `sluice serve`. */
  readonly flags: GatewayFlags;
  /** Serve `/metrics` and `/healthz` on this port (0: any free one), on the `bind` address; absent: none. */
  readonly metricsPort?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * `sluice worker`: a queue worker without a gateway, for scale-out. It consumes the same queue as
 * the gateways (JetStream, or the SQLite file of a gateway on this machine) and runs each call
 * through a gateway's sync route, as OpenFaaS's queue-worker does. Resolves when it has stopped.
 */
export function work(opts: WorkerNodeOptions): Promise<void> {
  return untilSignal(() => startWorkerNode(opts), 'letting running calls finish');
}

/** Starts a queue worker without touching process signals (tests and embedding use this). */
export async function startWorkerNode(opts: WorkerNodeOptions): Promise<{ stop(): Promise<void> }> {
  const config = loadConfig(opts.env, opts.flags);
  const logger = pino({ level: config.logLevel, base: undefined });
  const invoker = gatewayInvoker(opts.gatewayUrl, opts.authorization);
  const { backend, callbacks } = await openAsync(config);
  const registry = opts.metricsPort === undefined ? undefined : new MetricsRegistry();
  // The queues' names come from the gateway: while it cannot answer, the depth shows the built-in ones.
  const metrics = registry && new AsyncMetrics(registry, backend.queue, () => invoker.queues().catch(() => []));
  const worker = new Worker({ invoker, backend, config: config.async, logger, postCallback: (msg) => callbacks.post(msg), ...(metrics ? { metrics } : {}) });
  const metricsServer = registry && createMetricsServer(registry);
  const stop = async (): Promise<void> => {
    await worker.stop(config.drainTimeoutMs);
    // Scrapes during the drain still see the last calls counted.
    await metricsServer?.close();
    await backend.close();
    await callbacks.close();
    await invoker.close();
  };
  const metricsAddress = await metricsServer?.listen(opts.metricsPort ?? 0, config.bind, '--metrics-port (env SLUICE_WORKER_METRICS_PORT)').catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  worker.start();
  process.stdout.write(`Sluice ${VERSION} worker running the async calls of ${opts.gatewayUrl} (async queue: ${backend.kind})\n`);
  if (metricsAddress) process.stdout.write(`Metrics on ${urlOf(metricsAddress)}/metrics\n`);
  return { stop };
}

/** Starts a node without touching process signals (tests and embedding use this). */
export async function startNode(opts: ServeOptions): Promise<RunningNode> {
  const config = loadConfig(opts.env, opts.flags);
  const logger = pino({ level: config.logLevel, base: undefined });
  const auth = config.basicAuth ? await loadCredentials(config.authDir, config.authDirGiven) : undefined;
  const { backend, callbacks } = await openAsync(config);
  const watch = new StepWatch();
  const metrics = new MetricsRegistry();
  let worker: Worker | undefined;
  const durable: DurableSteps = { backend, queueOf: (name) => queueFor(provider, name), ensureQueue: (queue) => worker?.ensureQueue(queue), watch };
  const provider = await Provider.open({
    dataDir: config.dataDir,
    execTimeoutMs: config.upstreamTimeoutMs,
    readTimeoutMs: config.readTimeoutMs,
    writeTimeoutMs: config.writeTimeoutMs,
    replicaWaitMs: config.replicaWaitMs,
    hostEnv: pickHostEnv(opts.env),
    nodeLabels: config.nodeLabels,
    functionLogs: config.functionLogs,
    cgroups: config.cgroups,
    log: (line) => logReplicaLine(logger, line),
    runtimes: { workflow: (self) => workflowRuntime(self, { maxAnswerBytes: config.maxBodySize, durable }) },
    metrics,
  }).catch(async (err: unknown) => {
    await Promise.all([backend.close(), callbacks.close()]);
    throw err;
  });
  const invoker = localInvoker(provider);
  const asyncMetrics = new AsyncMetrics(metrics, backend.queue, () => invoker.queues());
  if (opts.worker !== false) {
    const postCallback = (msg: CallbackMessage): Promise<number> => callbacks.post(msg);
    worker = new Worker({ invoker, backend, config: config.async, logger, postCallback, finished: (callId) => watch.finished(callId), metrics: asyncMetrics });
  }
  const gateway = createGateway({
    provider,
    maxBodySize: config.maxBodySize,
    maxBundleSize: config.maxBundleSize,
    drainTimeoutMs: config.drainTimeoutMs,
    logger,
    backend,
    ...(worker ? { worker } : {}),
    async: config.async,
    metrics,
    asyncMetrics,
    ...(auth ? { auth: new BasicAuth(auth.credentials) } : {}),
  });
  const autoscaler = config.autoscaling.enabled ? startAutoscaler(provider, config.autoscaling, logger) : undefined;
  const stop = async (): Promise<void> => {
    await gateway.close();
    await worker?.stop(config.drainTimeoutMs);
    await autoscaler?.close();
    await provider.close();
    await backend.close();
    await callbacks.close();
  };
  let address;
  try {
    address = await gateway.listen(config.port, config.bind);
  } catch (err) {
    await stop();
    throw err;
  }
  worker?.start();
  const url = urlOf(address);
  process.stdout.write(`Sluice ${VERSION} gateway listening on ${url} (data in ${config.dataDir}; async queue: ${backend.kind})\n`);
  process.stdout.write(authNotice(config, url, auth?.created));
  if (opts.stackFile) await deployStack(opts.stackFile, url, opts.env, logger, auth?.credentials);
  return { url, config, stop };
}

// --- internal ---

/**
 * Runs a node until SIGTERM/SIGINT, then stops it. Signals are listened for before the node starts:
 * a SIGTERM during startup must still stop cleanly. A second signal exits at once (130).
 */
async function untilSignal(start: () => Promise<{ stop(): Promise<void> }>, stopping: string): Promise<void> {
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    process.once(signal, () => process.exit(130));
    signalled(signal);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const node = await start().catch((err: unknown) => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw err;
  });
  const signal = await stopSignal;
  process.stdout.write(`${signal}: ${stopping}…\n`);
  await node.stop();
}

/** `http://host:port` of a listening server (IPv6 hosts in brackets). */
function urlOf(address: AddressInfo): string {
  return `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The async backend (SQLite in the data dir, or JetStream) and the callback client of a node. */
async function openAsync(config: GatewayConfig): Promise<{ backend: AsyncBackend; callbacks: CallbackClient }> {
  const backend = await openAsyncBackend(config.async.natsUrl, path.join(config.dataDir, 'queue'));
  const callbacks = new CallbackClient({
    ...(config.async.callbackKey === undefined ? {} : { signingKey: config.async.callbackKey }),
    proxy: config.async.proxy,
    timeoutMs: CALLBACK_TIMEOUT_MS,
    userAgent: `sluice/${VERSION}`,
  });
  return { backend, callbacks };
}

/**
 * Deploys a stack the way a user does: `sluice up -f FILE` against this gateway, over HTTP, in a
 * child process. The gateway itself never loads the builder (YAML, esbuild, tar packing).
 */
/** What start says about auth: how to log in (the whole hint the first time), or, loudly, that it is off. */
function authNotice(config: GatewayConfig, url: string, created: boolean | undefined): string {
  const file = path.join(config.authDir, PASSWORD_FILE);
  if (created === undefined) return `WARNING: basic auth is OFF (basic_auth=false or --no-auth): anyone who can reach ${url} can deploy and run code. Use it for local development only.\n`;
  const login = `sluice login -g ${url} --password-stdin < ${file}`;
  if (created) return `Basic auth is on. A password for user admin was made and saved in ${file} (0600).\nLog in once with:\n  ${login}\n`;
  return `Basic auth is on (password in ${file}); log in with: ${login}\n`;
}

async function deployStack(file: string, url: string, env: ServeOptions['env'], logger: Logger, credentials: Credentials | undefined): Promise<void> {
  const cli = fileURLToPath(new URL('./cli/main.js', import.meta.url));
  // The deploy is this gateway's own: it gets the credentials without a login.
  const auth = credentials ? { SLUICE_BASIC_AUTH: `${credentials.user}:${credentials.password}` } : {};
  const child = spawn(process.execPath, [cli, 'up', '-f', file, '--gateway', url], { env: { ...env, ...auth }, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) logger.error({ file, exitCode: code }, `could not deploy every function of ${file}: see the lines above`);
}

/** The built-in APIHighInvocationRate rule over the provider's functions; what it scales goes to the log. */
function startAutoscaler(provider: Provider, settings: AutoscalingConfig, logger: Logger): Autoscaler {
  return new Autoscaler(provider, { threshold: settings.threshold, repeatMs: settings.repeatMs }, {
    scaled: (name, { from, to }, why) => logger.info({ function: name, from, to }, `autoscaling: ${why}: ${from} → ${to} replicas`),
    failed: (name, err) => logger.warn({ function: name, err }, `autoscaling: could not scale: ${err instanceof Error ? err.message : String(err)}`),
  });
}

function logReplicaLine(logger: Logger, line: ReplicaLogLine): void {
  const fields = { function: line.function, instance: line.instance, stream: line.stream, ...(line.callId ? { callId: line.callId } : {}) };
  if (line.stream === 'stderr') logger.warn(fields, line.text);
  else logger.info(fields, line.text);
}

function pickHostEnv(env: ServeOptions['env']): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of HOST_ENV_KEYS) {
    const value = env[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}
