import { tmpdir } from 'node:os';
import path from 'node:path';
import { errors, RuntimeMode } from '../api/index.js';
import { parseDuration, parseSize } from '../config/index.js';

/**
 * A watchdog's settings: the env vars of of-watchdog and the classic watchdog (reference §4), read
 * once. The same record drives `sluice watchdog` and each function inside the gateway.
 */
export interface WatchdogConfig {
  /** Env `mode`. @default 'streaming' (of-watchdog) */
  readonly mode: RuntimeMode;
  /** Env `function_process` / `fprocess` (the first wins, as in of-watchdog), split on spaces, no shell. Empty only in static and workflow modes. */
  readonly argv: readonly string[];
  /** Env `http_upstream_url` / `upstream_url` (the first wins): where an http-mode process listens. */
  readonly upstreamUrl: string | undefined;
  /** Env `read_timeout`: time to receive a request body. @default 30s */
  readonly readTimeoutMs: number;
  /** Env `write_timeout`: time to answer; also bounds the drain at SIGTERM. @default 30s */
  readonly writeTimeoutMs: number;
  /** Env `exec_timeout`; 0 = unlimited. @default 30s, 0 in fork mode (classic watchdog) */
  readonly execTimeoutMs: number;
  /** Env `healthcheck_interval`: wait between going unready and draining. @default write_timeout */
  readonly healthcheckIntervalMs: number;
  /** Env `max_inflight`; 0 = no limit. */
  readonly maxInflight: number;
  /** Env `prefix_logs`: date, time and `stdout:`/`stderr:` before each function log line. @default true */
  readonly prefixLogs: boolean;
  /** Env `log_buffer_size`: longest log line in bytes (longer ones are split); -1 = as read. @default 64 KiB */
  readonly logBufferSize: number;
  /** Env `log_callid` (also `log_call_id`): the call id on each function log line. */
  readonly logCallId: boolean;
  /** Env `buffer_http` / `http_buffer_req_body`: http mode reads the whole body before proxying. */
  readonly bufferHttp: boolean;
  /** Env `content_type`: forced response type; undefined echoes the request's (fork) or octet-stream. */
  readonly contentType: string | undefined;
  /** Env `static_path`, resolved against the working dir. @default /home/app/public */
  readonly staticPath: string;
  /** Env `ready_path`: path run through the function to answer `/_/ready`. */
  readonly readyPath: string | undefined;
  /** Env `suppress_lock`. */
  readonly suppressLock: boolean;
  /** Env `lock_file` (Sluice). @default <os temp dir>/.lock */
  readonly lockFile: string;
  /** Env `port`. @default 8080 */
  readonly port: number;
  /** Env `metrics_port` (Sluice; of-watchdog fixes 8081); 0 = no metrics server. @default 8081 */
  readonly metricsPort: number;
  /** Env `max_body_size` (Sluice): largest request body. @default 64Mi */
  readonly maxBodySize: number;
  /** Classic watchdog, fork mode: env `cgi_headers`. @default true */
  readonly cgiHeaders: boolean;
  /** Classic: env `combine_output`, stderr goes into the answer too. @default true */
  readonly combineOutput: boolean;
  /** Classic: env `marshal_request`, stdin gets `{"header":…,"body":{"raw":base64}}`. */
  readonly marshalRequest: boolean;
  /** Classic: env `write_debug`, the function's output is logged too. */
  readonly writeDebug: boolean;
  /** Classic: env `debug_headers`, request and response headers are logged. */
  readonly debugHeaders: boolean;
}

/** Defaults a host may set before the env is read (the gateway's own timeouts, a mode from a template). */
export type WatchdogDefaults = Partial<Pick<WatchdogConfig, 'mode' | 'readTimeoutMs' | 'writeTimeoutMs' | 'execTimeoutMs' | 'staticPath'>>;

type Env = Readonly<Record<string, string | undefined>>;

/** of-watchdog's default for read, write and exec timeouts. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Modes that run no process of their own, so need no fprocess. */
const NO_PROCESS: ReadonlySet<RuntimeMode> = new Set(['static', 'workflow']);
const TRUE = /^(true|1)$/i;

/**
 * Builds the config from an env map, purely (style rule: config is a function of the env list).
 * Every problem is collected into one ERR_CONFIG_INVALID; relative paths resolve against `cwd`.
 * @example watchdogConfig({ mode: 'fork', fprocess: 'cat', exec_timeout: '5s' }, '/home/app')
 */
export function watchdogConfig(env: Env, cwd: string, defaults: WatchdogDefaults = {}): WatchdogConfig {
  const problems: string[] = [];
  const first = (...keys: string[]): string | undefined => keys.map((key) => env[key]).find((value) => value !== undefined && value !== '');
  const flag = (fallback: boolean, ...keys: string[]): boolean => {
    const text = first(...keys);
    return text === undefined ? fallback : TRUE.test(text);
  };
  const duration = (key: string, fallback: number): number => {
    const text = env[key];
    if (text === undefined || text === '') return fallback;
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`${key}=${text}: not a duration (use seconds or e.g. 10s, 1m30s)`);
    return ms ?? fallback;
  };
  const integer = (key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const text = env[key];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key}=${text}: not a whole number from ${min} to ${max}`);
    return Number.isInteger(value) ? value : fallback;
  };

  const mode = parseMode(env['mode'], defaults.mode, problems);
  const fprocess = first('function_process', 'fprocess')?.trim() ?? '';
  if (fprocess === '' && !NO_PROCESS.has(mode)) problems.push(`fprocess: required in ${mode} mode (the command to run, e.g. "node index.js")`);
  const upstreamUrl = first('http_upstream_url', 'upstream_url');
  if (upstreamUrl !== undefined && !URL.canParse(upstreamUrl)) problems.push(`upstream_url=${upstreamUrl}: not a URL (e.g. http://127.0.0.1:5000)`);
  const writeTimeoutMs = duration('write_timeout', defaults.writeTimeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (writeTimeoutMs <= 0) problems.push('write_timeout: must be more than 0');
  const sizeText = env['max_body_size'] ?? '64Mi';
  const maxBodySize = parseSize(sizeText);
  if (maxBodySize === undefined || maxBodySize <= 0) problems.push(`max_body_size=${sizeText}: not a size (use bytes or e.g. 64Mi)`);

  const config: WatchdogConfig = {
    mode,
    argv: fprocess === '' ? [] : fprocess.split(/ +/),
    upstreamUrl,
    readTimeoutMs: duration('read_timeout', defaults.readTimeoutMs ?? DEFAULT_TIMEOUT_MS),
    writeTimeoutMs,
    execTimeoutMs: duration('exec_timeout', defaults.execTimeoutMs ?? (mode === 'fork' ? 0 : DEFAULT_TIMEOUT_MS)),
    healthcheckIntervalMs: duration('healthcheck_interval', writeTimeoutMs),
    maxInflight: integer('max_inflight', 0, 0),
    prefixLogs: flag(true, 'prefix_logs'),
    logBufferSize: integer('log_buffer_size', 64 * 1024, -1),
    logCallId: flag(false, 'log_callid', 'log_call_id'),
    bufferHttp: flag(false, 'buffer_http', 'http_buffer_req_body'),
    contentType: first('content_type'),
    staticPath: path.resolve(cwd, first('static_path') ?? defaults.staticPath ?? '/home/app/public'),
    readyPath: first('ready_path'),
    suppressLock: flag(false, 'suppress_lock'),
    lockFile: path.resolve(cwd, first('lock_file') ?? path.join(tmpdir(), '.lock')),
    port: integer('port', 8080, 0, 65535),
    metricsPort: integer('metrics_port', 8081, 0, 65535),
    maxBodySize: maxBodySize ?? 0,
    cgiHeaders: flag(true, 'cgi_headers'),
    combineOutput: flag(true, 'combine_output'),
    marshalRequest: flag(false, 'marshal_request'),
    writeDebug: flag(false, 'write_debug'),
    debugHeaders: flag(false, 'debug_headers'),
  };
  if (config.logBufferSize === 0) problems.push('log_buffer_size=0: use a size in bytes, or -1 for no limit');
  if (problems.length) throw errors.configInvalid(problems);
  return Object.freeze(config);
}

function parseMode(text: string | undefined, fallback: RuntimeMode | undefined, problems: string[]): RuntimeMode {
  if (text === undefined || text === '') return fallback ?? 'streaming';
  const parsed = RuntimeMode.safeParse(text);
  if (parsed.success) return parsed.data;
  problems.push(`mode=${text}: use one of ${RuntimeMode.options.join(', ')}`);
  return 'streaming';
}
