import { Readable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { VERSION, toSluiceError } from './api/index.js';
import { buildFunction, deploymentFor, packBundle } from './builder/index.js';
import { loadConfig, type GatewayConfig, type GatewayFlags } from './config/index.js';
import { createGateway, type Gateway } from './gateway/index.js';
import { Provider, type ReplicaLogLine } from './provider/index.js';
import { loadStack } from './stack/index.js';

/** What a function's process may see of the host's environment; never the gateway's own settings. */
const HOST_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

export interface ServeOptions {
  readonly flags: GatewayFlags;
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
 * `sluice serve`: the composition root (architecture layer 5). Builds config, provider and gateway,
 * deploys the given stack, and stops cleanly on SIGTERM/SIGINT: in-flight calls drain, every replica
 * is stopped, the process exits 0. Resolves when the node has stopped.
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const node = await startNode(opts);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stdout.write(`${signal}: draining calls and stopping replicas…\n`);
      node.stop().then(resolve, resolve);
      process.once(signal, () => process.exit(130));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Starts a node without touching process signals (tests and embedding use this). */
export async function startNode(opts: ServeOptions): Promise<RunningNode> {
  const config = loadConfig(opts.env, opts.flags);
  const logger = pino({ level: config.logLevel, base: undefined });
  const provider = await Provider.open({
    dataDir: config.dataDir,
    execTimeoutMs: config.upstreamTimeoutMs,
    readTimeoutMs: config.readTimeoutMs,
    writeTimeoutMs: config.writeTimeoutMs,
    replicaWaitMs: config.replicaWaitMs,
    hostEnv: pickHostEnv(opts.env),
    log: (line) => logReplicaLine(logger, line),
  });
  const gateway = createGateway({ provider, maxBodySize: config.maxBodySize, maxBundleSize: config.maxBundleSize, drainTimeoutMs: config.drainTimeoutMs, logger });
  let address;
  try {
    address = await gateway.listen(config.port, config.bind);
  } catch (err) {
    await provider.close();
    throw err;
  }
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  process.stdout.write(`Sluice ${VERSION} gateway listening on ${url} (data in ${config.dataDir})\n`);
  if (opts.stackFile) await deployStack(opts.stackFile, provider, opts.env, logger);
  return { url, config, stop: () => stopNode(gateway, provider) };
}

// --- internal ---

async function stopNode(gateway: Gateway, provider: Provider): Promise<void> {
  await gateway.close();
  await provider.close();
}

/** Builds and deploys each function of a stack straight into the provider (no HTTP round trip). */
async function deployStack(file: string, provider: Provider, env: ServeOptions['env'], logger: Logger): Promise<void> {
  const stack = await loadStack(file, env);
  const deployed = new Set(provider.list().map((f) => f.name));
  for (const fn of stack.functions) {
    try {
      const bundle = fn.lang ? await buildFunction(stack, fn) : undefined;
      const upload = bundle ? await provider.bundles.put(Readable.from(await packBundle(bundle.dir)), Number.MAX_SAFE_INTEGER) : undefined;
      await provider.deploy(deploymentFor(fn, upload?.bundle), deployed.has(fn.name) ? 'update' : 'create');
      process.stdout.write(`Deployed ${fn.name} from ${file}\n`);
    } catch (err) {
      logger.error({ function: fn.name, code: toSluiceError(err).code }, `could not deploy ${fn.name}: ${(err as Error).message}`);
    }
  }
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
