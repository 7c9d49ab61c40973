import path from 'node:path';
import type { Command } from 'commander';
import type { GatewayFlags } from '../../config/index.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice serve`; each wins over its env var (see src/config). */
export type ServeOptions = {
  port?: string;
  bind?: string;
  data?: string;
  stack?: string;
  nats?: string;
  worker: boolean;
  auth: boolean;
  authDir?: string;
  cgroups: boolean;
};

/** Registers `sluice serve`: runs the gateway in this process until it is stopped. */
export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the gateway (and its functions) in this process until stopped')
    .option('--port <port>', 'TCP port (env port, default 8080)')
    .option('--bind <address>', 'address to listen on (env bind, default 127.0.0.1)')
    .option('--data <dir>', 'data directory: registry, bundles, sockets (env SLUICE_DATA, default ./.sluice)')
    .option('--stack <file>', 'deploy the functions of this stack file once started')
    .option('--no-worker', 'accept async calls but leave running them to `sluice worker`s')
    .option('--no-auth', 'no basic auth on /system/* (env basic_auth=false): for local development only')
    .option('--no-cgroups', 'no control groups for limits and requests (env cgroups=false): limits.memory becomes a per-process rlimit, the rest is not enforced')
    .option('--auth-dir <dir>', 'folder of basic-auth-user and basic-auth-password (env secret_mount_path; default: <data>/auth, made on first start)')
    .option('--nats <url>', 'keep the async queue and call records in NATS JetStream, e.g. nats://127.0.0.1:4222 (env SLUICE_NATS_URL; default: embedded SQLite in the data dir)')
    .action(async (opts: ServeOptions) => runServe(opts, io));
}

/** Runs `sluice serve`: resolves when the server stops. */
export async function runServe(opts: ServeOptions, io: CliIo): Promise<void> {
  const flags: GatewayFlags = {};
  if (opts.port !== undefined) flags.port = opts.port;
  if (opts.bind !== undefined) flags.bind = opts.bind;
  if (opts.nats !== undefined) flags.nats = opts.nats;
  if (!opts.auth) flags.auth = false;
  if (!opts.cgroups) flags.cgroups = false;
  if (opts.authDir !== undefined) flags.authDir = path.resolve(io.cwd, opts.authDir);
  // Resolved here against the CLI's cwd, which need not be the process's.
  if (opts.data !== undefined) flags.data = path.resolve(io.cwd, opts.data);
  const stackFile = opts.stack === undefined ? undefined : path.resolve(io.cwd, opts.stack);
  // server.ts is the composition root: loaded only when serving, so the client commands stay light.
  const { serve } = await import('../../server.js');
  await serve({ flags, worker: opts.worker, ...(stackFile === undefined ? {} : { stackFile }), env: io.env });
}
