import { parseDuration, parseSize } from './units.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How retries wait: exponential from `minWaitMs`, capped at `maxWaitMs`, with jitter. */
export interface RetryConfig {
  /** Runs in all, the first included. */
  readonly attempts: number;
  /** Function statuses that are retried (transport errors always are). */
  readonly codes: readonly number[];
  readonly minWaitMs: number;
  readonly maxWaitMs: number;
}

/** Async calls: the queue backend, the workers, retries and callbacks. */
export interface AsyncConfig {
  /** JetStream instead of the embedded SQLite queue. Flag `--nats`, env `SLUICE_NATS_URL`. */
  readonly natsUrl?: string;
  /** Largest async request body. Env `max_async_body_size`. @default 32 MiB */
  readonly maxBodySize: number;
  /** How long one async run may take. Env `async_timeout`. @default 30m */
  readonly timeoutMs: number;
  /** How long records and results are kept after a call finishes. Env `result_ttl`. @default 24h */
  readonly resultTtlMs: number;
  /** A delivery's lease: a worker that crashes mid-call gives the call back after this. Env `ack_wait`. @default 30s */
  readonly ackWaitMs: number;
  /** Calls of one queue run at once by this node's worker. Env `max_inflight`. @default 10 */
  readonly concurrency: number;
  /** Env `max_retry_attempts` (10), `http_retry_codes` (408,429,500,502,503,504), `initial_retry_wait` (10s), `max_retry_wait` (120s). */
  readonly retry: RetryConfig;
  /** Callback POSTs. Env `callback_retry_attempts` (10), waits from 1s to 60s. */
  readonly callbackRetry: RetryConfig;
  /** Signs callbacks (X-Sluice-Signature). Env `SLUICE_CALLBACK_KEY`. */
  readonly callbackKey?: string;
  /** Env `HTTP_PROXY`/`http_proxy`, `HTTPS_PROXY`/`https_proxy`, `NO_PROXY`/`no_proxy`, for callbacks. */
  readonly proxy: { readonly httpProxy?: string; readonly httpsProxy?: string; readonly noProxy?: string };
}

const DEFAULT_RETRY_CODES = '408,429,500,502,503,504';

/** Reads the async settings, pushing a line per bad value onto `problems`. */
export function loadAsyncConfig(env: Env, natsFlag: string | undefined, problems: string[]): AsyncConfig {
  const duration = (key: string, fallback: string): number => {
    const text = env[key] ?? fallback;
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`${key}=${text}: not a duration (use seconds or e.g. 10s, 30m, 24h)`);
    return ms ?? 0;
  };
  const count = (key: string, fallback: number, min: number): number => {
    const text = env[key] ?? String(fallback);
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) problems.push(`${key}=${text}: use a whole number of at least ${min}`);
    return n;
  };
  const sizeText = env['max_async_body_size'] ?? '32Mi';
  const maxBodySize = parseSize(sizeText);
  if (maxBodySize === undefined || maxBodySize <= 0) problems.push(`max_async_body_size=${sizeText}: not a size (use bytes or e.g. 32Mi)`);
  const codesText = env['http_retry_codes'] ?? DEFAULT_RETRY_CODES;
  const codes = parseStatusCodes(codesText);
  if (!codes) problems.push(`http_retry_codes=${codesText}: use a comma list of HTTP status codes, e.g. ${DEFAULT_RETRY_CODES}`);
  const natsUrl = natsFlag ?? env['SLUICE_NATS_URL'];
  if (natsUrl !== undefined && !/^(nats|tls|wss?):\/\/./.test(natsUrl.split(',')[0] ?? '')) problems.push(`SLUICE_NATS_URL=${natsUrl}: use nats://host:4222`);
  const pick = (...keys: string[]): string | undefined => keys.map((k) => env[k]).find((v) => v !== undefined && v !== '');
  const proxy = { httpProxy: pick('HTTP_PROXY', 'http_proxy'), httpsProxy: pick('HTTPS_PROXY', 'https_proxy'), noProxy: pick('NO_PROXY', 'no_proxy') };
  for (const [key, value] of [['HTTP_PROXY', proxy.httpProxy], ['HTTPS_PROXY', proxy.httpsProxy]] as const) {
    if (value !== undefined && !isProxyUrl(value)) problems.push(`${key}=${value}: use an http:// proxy URL, e.g. http://10.3.0.3:3128`);
  }
  const callbackKey = pick('SLUICE_CALLBACK_KEY');
  return {
    ...(natsUrl === undefined ? {} : { natsUrl }),
    maxBodySize: maxBodySize ?? 0,
    timeoutMs: duration('async_timeout', '30m'),
    resultTtlMs: duration('result_ttl', '24h'),
    ackWaitMs: duration('ack_wait', '30s'),
    concurrency: count('max_inflight', 10, 1),
    retry: {
      attempts: count('max_retry_attempts', 10, 1),
      codes: codes ?? [],
      minWaitMs: duration('initial_retry_wait', '10s'),
      maxWaitMs: duration('max_retry_wait', '120s'),
    },
    callbackRetry: { attempts: count('callback_retry_attempts', 10, 1), codes: [], minWaitMs: 1000, maxWaitMs: 60_000 },
    ...(callbackKey === undefined ? {} : { callbackKey }),
    proxy: Object.fromEntries(Object.entries(proxy).filter(([, v]) => v !== undefined)),
  };
}

/** A proxy as the callback client takes it: http(s)://host[:port], or host:port (http assumed). */
function isProxyUrl(value: string): boolean {
  try {
    const url = new URL(value.includes('://') ? value : `http://${value}`);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `429,500` → [429, 500]; undefined when any entry is not a status code. */
export function parseStatusCodes(text: string): number[] | undefined {
  const codes = text.split(',').map((part) => part.trim()).filter(Boolean).map(Number);
  return codes.every((code) => Number.isInteger(code) && code >= 100 && code <= 599) ? codes : undefined;
}
