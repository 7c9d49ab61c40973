import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errors, type SluiceError } from '../../api/index.js';
import { watchdogConfig } from '../config.js';
import { addressOf, type ServerAddress } from '../connect-probe.js';
import { createMode } from '../modes.js';
import { startFunctionProcess, waitForUpstream, type FunctionProcess } from './function-process.js';
import { lockFile } from './lock-file.js';
import { functionLog, watchdogLog, type LogOutput } from './log.js';
import { WatchdogMetrics, serveMetrics } from './metrics.js';
import { WatchdogServer } from './watchdog-server.js';

/** How often a slow http-mode start is reported (a wrong upstream_url would otherwise wait silently). */
const SLOW_START_LOG_MS = 5_000;

/**
 * `sluice watchdog`: of-watchdog / classic watchdog as one process, configured by the same env vars.
 * Resolves with the exit code: 0 once stopped by `stopRequested` (SIGTERM), 1 when the http-mode
 * process dies. Start order: the http-mode process (serving only once it listens), the server, the
 * lock file, the metrics. Stop order (reference §4.1): unhealthy and lock removed, still serving for
 * `healthcheck_interval` while load balancers notice, then drain up to `write_timeout`, then stop
 * the process. A stop during start-up is honoured at whatever step it arrives.
 */
export async function runWatchdog(rawEnv: Readonly<Record<string, string | undefined>>, cwd: string, out: LogOutput, stopRequested: Promise<void>): Promise<number> {
  const env = definedOnly(rawEnv);
  const config = watchdogConfig(env, cwd);
  const say = watchdogLog(out);
  const log = functionLog(config, out);
  const name = env['OPENFAAS_NAME'] ?? 'function';
  let stopWanted = false;
  void stopRequested.then(() => (stopWanted = true));
  // http mode without upstream_url: the process listens on a Unix socket we give it (SLUICE_SOCKET),
  // as in the gateway — no port to pick or to collide on, and faster than loopback TCP.
  const socketPath = config.mode === 'http' && config.upstreamUrl === undefined ? path.join(tmpdir(), `sluice-watchdog-${process.pid}.sock`) : undefined;
  const mode = createMode({ name, config, argv: config.argv, cwd, env, log, ...(socketPath ? { socketPath } : {}) });

  // 1. http mode: fork fprocess once, and serve only once it accepts connections.
  let fn: FunctionProcess | undefined;
  let died: Promise<void> = new Promise(() => {});
  let upgradeTo: ServerAddress | undefined;
  if (config.mode === 'http') {
    say(`Forking - ${config.argv.join(' ')}`);
    fn = startFunctionProcess(config.argv, cwd, socketPath ? { ...env, SLUICE_SOCKET: socketPath } : env, log, config.logBufferSize);
    died = fn.exited.then((why) => say(`function process ${why}`));
    const address = socketPath ? { socketPath } : addressOf(config.upstreamUrl as string);
    upgradeTo = address;
    const where = socketPath ?? config.upstreamUrl;
    const waiting = setInterval(() => say(`still waiting for the function process to listen on ${where}`), SLOW_START_LOG_MS);
    const up = await waitForUpstream(address, Promise.race([died, stopRequested]));
    clearInterval(waiting);
    if (!up) {
      await Promise.all([mode.close(), stopProcess(fn)]);
      return stopWanted ? 0 : 1;
    }
  }

  // 2. The server, the lock file, the metrics.
  const metrics = config.metricsPort > 0 ? new WatchdogMetrics() : undefined;
  const onError = (err: SluiceError): void => void (err.status >= 500 && say(`${err.code}: ${err.message}`));
  const server = new WatchdogServer({ name, config, mode, metrics, onError, ...(upgradeTo ? { upgradeTo } : {}) });
  const port = await listen(server.server, config.port).catch(async (err: unknown) => {
    await Promise.all([mode.close(), stopProcess(fn)]);
    throw err;
  });
  say(`Listening on port: ${port} (mode ${config.mode})`);
  if (!config.suppressLock) await lockFile.write(config.lockFile);
  const metricsServer = metrics ? await serveMetrics(metrics, config.metricsPort, (m) => say(`Warning: ${m}`)) : undefined;
  if (metricsServer) say(`Metrics listening on port: ${config.metricsPort}`);

  // 3. Until stopped (0), or until the http-mode process dies (1: nothing left to serve).
  const code = await Promise.race([stopRequested.then(() => 0), died.then(() => 1)]);
  server.healthy = false;
  await lockFile.remove(config.lockFile);
  if (code === 0) {
    say(`SIGTERM: unhealthy now, draining in ${config.healthcheckIntervalMs / 1000}s`);
    await new Promise((r) => setTimeout(r, config.healthcheckIntervalMs));
  }
  await server.drain(code === 0 ? config.writeTimeoutMs : 0);
  metricsServer?.close();
  await Promise.all([mode.close(), stopProcess(fn)]);
  if (socketPath) await rm(socketPath, { force: true });
  say(code === 0 ? 'Exiting: calls drained' : 'Exiting: the function process is gone');
  return code;
}

/** Resolves with the port listened on (the one asked for, or the one given for 0). */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? errors.portInUse(`port ${port}`) : err));
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
}

async function stopProcess(fn: FunctionProcess | undefined): Promise<void> {
  const child = fn?.child;
  if (!fn || !child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await fn.exited;
  clearTimeout(timer);
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in env) {
    const value = env[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
