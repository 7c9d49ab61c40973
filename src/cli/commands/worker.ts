import path from 'node:path';
import type { Command } from 'commander';
import { errors } from '../../api/index.js';
import type { GatewayFlags } from '../../config/index.js';
import { parsePort } from '../_args.js';
import { authorizationFor } from '../_auth.js';
import { contextOf } from '../_context.js';
import { resolveGatewayUrl } from '../_gateway-url.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice worker`. */
export type WorkerOptions = {
  nats?: string;
  data?: string;
  metricsPort?: number;
};

/** The env var of `--metrics-port`. */
const METRICS_PORT_ENV = 'SLUICE_WORKER_METRICS_PORT';

/** Registers `sluice worker`: runs async calls queued by the gateways, until stopped. */
export function registerWorker(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description("run a gateway's queued async calls (scale-out): consume the queue, call the function through the gateway, post callbacks")
    .option('--nats <url>', 'the JetStream the gateways queue into (env SLUICE_NATS_URL)')
    .option('--data <dir>', "without --nats: the gateway's data dir on this machine, whose SQLite queue to share (env SLUICE_DATA)")
    .option('--metrics-port <port>', `serve this worker's async metrics on GET /metrics (and /healthz) on this port, on the bind address (env ${METRICS_PORT_ENV}; default: none)`, parsePort)
    .action(async (opts: WorkerOptions, cmd: Command) => runWorker(opts, contextOf(cmd, io).globals.gateway, io));
}

/** Runs `sluice worker` against the gateway chosen as for every command (`-g`, OPENFAAS_URL): resolves when stopped. */
export async function runWorker(opts: WorkerOptions, gatewayFlag: string | undefined, io: CliIo): Promise<void> {
  const flags: GatewayFlags = {};
  if (opts.nats !== undefined) flags.nats = opts.nats;
  if (opts.data !== undefined) flags.data = path.resolve(io.cwd, opts.data);
  const metricsPort = opts.metricsPort ?? metricsPortFromEnv(io.env[METRICS_PORT_ENV]);
  const gatewayUrl = resolveGatewayUrl({ flag: gatewayFlag, stack: undefined, env: io.env });
  // Like serve: the composition root is loaded only when running one.
  const { work } = await import('../../server.js');
  const authorization = await authorizationFor(gatewayUrl, io.env);
  await work({ gatewayUrl, flags, env: io.env, ...(authorization ? { authorization } : {}), ...(metricsPort === undefined ? {} : { metricsPort }) });
}

function metricsPortFromEnv(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return parsePort(text);
  } catch {
    throw errors.configInvalid([`${METRICS_PORT_ENV}=${text}: not a TCP port (0-65535)`]);
  }
}
