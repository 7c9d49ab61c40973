import path from 'node:path';
import { errors } from '../api/index.js';
import { loadAsyncConfig, type AsyncConfig } from './async.js';
import { parseNodeLabels } from './node-labels.js';
import { parseDuration, parseSize } from './units.js';

/** Everything `sluice serve` needs, parsed once at start and frozen. */
export interface GatewayConfig {
  /** TCP port of the gateway. Env `port`. @default 8080 */
  readonly port: number;
  /** Address to bind. Env `bind`. @default '127.0.0.1' */
  readonly bind: string;
  /** Where the registry, bundles and replica sockets live. Env `SLUICE_DATA`. @default './.sluice' */
  readonly dataDir: string;
  /** Largest request body accepted, in bytes. Env `max_body_size`. @default 64 MiB */
  readonly maxBodySize: number;
  /** Largest bundle upload (tar.gz), in bytes. Env `max_bundle_size`. @default 512 MiB */
  readonly maxBundleSize: number;
  /** Time to receive a request body (ms). Env `read_timeout`. @default 60s */
  readonly readTimeoutMs: number;
  /** Time to write a response (ms). Env `write_timeout`. @default 60s */
  readonly writeTimeoutMs: number;
  /** Default exec timeout of a function that sets none (ms). Env `upstream_timeout`. @default 60s */
  readonly upstreamTimeoutMs: number;
  /** How long a request waits for a ready replica (ms). Env `replica_wait`. @default 30s */
  readonly replicaWaitMs: number;
  /** How long SIGTERM waits for in-flight requests (ms). Env `drain_timeout`. @default 10s */
  readonly drainTimeoutMs: number;
  /** pino level. Env `log_level`. @default 'info' */
  readonly logLevel: string;
  /** What is kept of each function's output (docs/logs.md). */
  readonly functionLogs: FunctionLogsConfig;
  /**
   * This node's labels, which function constraints match besides its OS, architecture and hostname
   * (`node.labels.gpu == true`, `gpu=true`). Env `node_labels` (`gpu=true,zone=a`). @default none
   */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** Async calls: queue backend, workers, retries, callbacks. */
  readonly async: AsyncConfig;
  /** The built-in APIHighInvocationRate rule that scales functions under load (docs/scaling.md). */
  readonly autoscaling: AutoscalingConfig;
  /**
   * Whether functions' limits and requests may use the host's control groups. Off, Sluice runs as on
   * a host without them: `limits.memory` bounds each process with an rlimit, the rest is not enforced
   * (docs/limits.md). Env `cgroups`, flag `--no-cgroups`. @default true
   */
  readonly cgroups: boolean;
  /** HTTP basic auth on `/system/*`. Env `basic_auth`, flag `--no-auth`. @default true */
  readonly basicAuth: boolean;
  /**
   * Folder of `basic-auth-user` and `basic-auth-password` (OpenFaaS's layout). Env
   * `secret_mount_path`, flag `--auth-dir`. @default `<dataDir>/auth`, made with a new password on first start
   */
  readonly authDir: string;
  /** Whether `authDir` was given: then its files must exist, nothing is made. */
  readonly authDirGiven: boolean;
}

/** How much of each function's output the gateway keeps. */
export interface FunctionLogsConfig {
  /** Lines kept in memory per function. Env `log_lines`. @default 1000 */
  readonly lines: number;
  /** Size past which a function's log file is rotated (one older file is kept). Env `log_file_size`. @default 10Mi */
  readonly fileBytes: number;
}

/** OpenFaaS CE's autoscaling alert, built in: what Prometheus and AlertManager do there. */
export interface AutoscalingConfig {
  /** Env `autoscaling`. `POST /system/alert` works either way. @default true */
  readonly enabled: boolean;
  /** Calls answered 200 per second, over 10 s, above which a function's alert fires (after 5 s). Env `autoscaling_threshold`. @default 5 */
  readonly threshold: number;
  /** How often a still-firing alert steps the function up again (AlertManager's repeat_interval). Env `autoscaling_repeat`. @default 30s */
  readonly repeatMs: number;
}

/** Flags given on the command line; each wins over its env var. */
export type GatewayFlags = Partial<Record<'port' | 'bind' | 'data' | 'nats' | 'authDir', string>> & { auth?: boolean; cgroups?: boolean };

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Builds the gateway config from an env map and flags, purely: collects every problem and throws one
 * ERR_CONFIG_INVALID naming them all.
 * @example loadConfig(process.env, { port: '9090' })
 */
export function loadConfig(env: Env, flags: GatewayFlags = {}): GatewayConfig {
  const problems: string[] = [];
  const duration = (key: string, fallback: string): number => {
    const text = env[key] ?? fallback;
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`${key}=${text}: not a duration (use seconds or e.g. 10s, 1m30s)`);
    return ms ?? 0;
  };
  const size = (key: string, fallback: string): number => {
    const text = env[key] ?? fallback;
    const bytes = parseSize(text);
    if (bytes === undefined || bytes <= 0) problems.push(`${key}=${text}: not a size (use bytes or e.g. ${fallback})`);
    return bytes ?? 0;
  };
  const portText = flags.port ?? env['port'] ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`port=${portText}: not a TCP port (0-65535)`);
  const linesText = env['log_lines'] ?? '1000';
  const lines = Number(linesText);
  if (!/^\d+$/.test(linesText.trim()) || lines < 1) problems.push(`log_lines=${linesText}: use a whole number of lines, at least 1`);
  const authText = env['basic_auth'] ?? 'true';
  if (!/^(true|false|1|0)$/i.test(authText)) problems.push(`basic_auth=${authText}: use true or false`);
  const authDir = flags.authDir ?? env['secret_mount_path'];
  const cgroupsText = env['cgroups'] ?? 'true';
  if (!/^(true|false|1|0)$/i.test(cgroupsText)) problems.push(`cgroups=${cgroupsText}: use true or false`);
  const scalingText = env['autoscaling'] ?? 'true';
  if (!/^(true|false|1|0)$/i.test(scalingText)) problems.push(`autoscaling=${scalingText}: use true or false`);
  const thresholdText = env['autoscaling_threshold'] ?? '5';
  const threshold = Number(thresholdText);
  if (thresholdText.trim() === '' || !Number.isFinite(threshold) || threshold <= 0) problems.push(`autoscaling_threshold=${thresholdText}: use calls per second above 0, e.g. 5`);
  const logLevel = env['log_level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`log_level=${logLevel}: use one of ${LOG_LEVELS.join(', ')}`);

  const dataDir = path.resolve(flags.data ?? env['SLUICE_DATA'] ?? '.sluice');
  const config: GatewayConfig = {
    port,
    bind: flags.bind ?? env['bind'] ?? '127.0.0.1',
    dataDir,
    maxBodySize: size('max_body_size', '64Mi'),
    maxBundleSize: size('max_bundle_size', '512Mi'),
    readTimeoutMs: duration('read_timeout', '60s'),
    writeTimeoutMs: duration('write_timeout', '60s'),
    upstreamTimeoutMs: duration('upstream_timeout', '60s'),
    replicaWaitMs: duration('replica_wait', '30s'),
    drainTimeoutMs: duration('drain_timeout', '10s'),
    logLevel,
    functionLogs: { lines, fileBytes: size('log_file_size', '10Mi') },
    nodeLabels: parseNodeLabels(env['node_labels'], problems),
    async: loadAsyncConfig(env, flags.nats, problems),
    autoscaling: { enabled: /^(true|1)$/i.test(scalingText), threshold, repeatMs: duration('autoscaling_repeat', '30s') },
    cgroups: flags.cgroups !== false && /^(true|1)$/i.test(cgroupsText),
    basicAuth: flags.auth !== false && /^(true|1)$/i.test(authText),
    authDir: authDir ? path.resolve(authDir) : path.join(dataDir, 'auth'),
    authDirGiven: Boolean(authDir),
  };
  if (problems.length) throw errors.configInvalid(problems);
  return Object.freeze(config);
}
