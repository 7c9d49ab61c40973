import { Agent, Pool, ProxyAgent, request, type Dispatcher } from 'undici';
import { SIGNATURE_HEADER, signCallback } from '../api/index.js';
import { NoProxyList } from './no-proxy.js';

/** One finished async call, to be POSTed to its `X-Callback-Url` (reference §3.3). */
export interface CallbackMessage {
  /** The `X-Callback-Url`. */
  readonly url: string;
  /** The function's HTTP status (503 on transport error). */
  readonly status: number;
  /** The function's response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The function's response body, sent byte-exact. */
  readonly body: Buffer;
  readonly callId: string;
  /** The function as called, may include `.namespace`. */
  readonly functionName: string;
  /** Seconds from dequeue to completion. */
  readonly durationSeconds: number;
  /** 1 for the first delivery. */
  readonly attempt: number;
}

/** Outbound proxies, the queue-worker's `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (see {@link NoProxyList}). */
export interface ProxySettings {
  /** Proxy for `http://` callback URLs; none when empty. A value without a scheme means `http://`. */
  readonly httpProxy?: string;
  /** Proxy for `https://` callback URLs (CONNECT tunnel); none when empty. Never falls back to `httpProxy`. */
  readonly httpsProxy?: string;
  /** Hosts reached directly, comma-separated. */
  readonly noProxy?: string;
}

export interface CallbackOptions {
  /** HMAC-SHA256 key for `X-Sluice-Signature`; no key, no signature header. */
  readonly signingKey?: string;
  /** Taken from these values only, never from `process.env`. */
  readonly proxy: ProxySettings;
  /** The whole request, connect to last response byte, in milliseconds. */
  readonly timeoutMs: number;
  /** e.g. `sluice/<version>`; always replaces the function's own User-Agent. */
  readonly userAgent: string;
}

/** Why a callback could not be delivered: `CallbackError.kind`. */
export type CallbackFailure = 'url' | 'dns' | 'refused' | 'connect' | 'reset' | 'tls' | 'timeout' | 'proxy' | 'other';

/** A callback that got no HTTP answer. The message names the URL (no query, no credentials) and why. */
export class CallbackError extends Error {
  override readonly name = 'CallbackError';
  readonly kind: CallbackFailure;

  constructor(kind: CallbackFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}

/**
 * Delivers callbacks: one POST per {@link CallbackClient.post} call, no retries (the worker decides
 * those). Connections are pooled per receiver and per proxy; proxies and NO_PROXY are parsed once.
 * @example
 * const client = new CallbackClient({ proxy: {}, timeoutMs: 10_000, userAgent: `sluice/${VERSION}` });
 * const status = await client.post(msg); // the receiver's status, whatever it is
 */
export class CallbackClient {
  readonly #opts: CallbackOptions;
  readonly #direct: Agent;
  readonly #httpProxy: Proxy | undefined;
  readonly #httpsProxy: Proxy | undefined;
  readonly #noProxy: NoProxyList;

  constructor(opts: CallbackOptions) {
    this.#opts = opts;
    // post() keeps one deadline for the whole request, so undici's per-phase timers are off; the
    // connect timeout only stops a socket that post() has already given up on from lingering.
    this.#direct = new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: opts.timeoutMs } });
    const httpUrl = opts.proxy.httpProxy ? proxyUrl('httpProxy', opts.proxy.httpProxy) : undefined;
    const httpsUrl = opts.proxy.httpsProxy ? proxyUrl('httpsProxy', opts.proxy.httpsProxy) : undefined;
    this.#httpProxy = httpUrl && proxyVia(httpUrl);
    this.#httpsProxy = httpsUrl && (httpsUrl.href === httpUrl?.href ? this.#httpProxy : proxyVia(httpsUrl));
    this.#noProxy = NoProxyList.parse(opts.proxy.noProxy ?? '');
  }

  /**
   * POSTs the function's answer to `msg.url`. Resolves with the receiver's status code, any status
   * (redirects are not followed); rejects with a {@link CallbackError} when no answer came. The
   * receiver's body is read and discarded.
   */
  async post(msg: CallbackMessage): Promise<number> {
    // 1. The target and the way there.
    let url: URL;
    try {
      url = new URL(msg.url);
    } catch {
      throw new CallbackError('url', `callback URL ${JSON.stringify(msg.url)} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CallbackError('url', `callback URL ${redact(url)} is not http:// or https://`);
    }
    const proxy = this.#noProxy.bypasses(url) ? undefined : url.protocol === 'https:' ? this.#httpsProxy : this.#httpProxy;

    // 2. Headers and body.
    const headers = callbackHeaders(msg, this.#opts.userAgent);
    if (this.#opts.signingKey) headers[SIGNATURE_HEADER] = signCallback(this.#opts.signingKey, msg.body);

    // 3. One deadline for everything, connect to last byte. undici only honours an abort once the
    // request has a socket, so a connect that hangs is cut short by the race below, not the signal.
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.abort();
        reject(describeFailure(undefined, url, proxy, this.#opts.timeoutMs));
      }, this.#opts.timeoutMs);
    });
    // 4. Send, then drain the answer so the connection can be reused.
    const sent = send(url, headers, msg.body, proxy?.agent ?? this.#direct, deadline.signal);
    sent.catch(() => undefined); // when the deadline wins, a late failure is nobody's to handle
    try {
      return await Promise.race([sent, expired]);
    } catch (err) {
      // 5. Say what went wrong.
      if (err instanceof CallbackError) throw err;
      throw describeFailure(err, url, proxy, deadline.signal.aborted ? this.#opts.timeoutMs : undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Closes pooled connections, waiting at most `timeoutMs` for callbacks in flight; after that (a
   * connect post() already gave up on) the connections are destroyed.
   */
  async close(): Promise<void> {
    const agents = new Set<Dispatcher>([this.#direct]);
    if (this.#httpProxy) agents.add(this.#httpProxy.agent);
    if (this.#httpsProxy) agents.add(this.#httpsProxy.agent);
    await Promise.all([...agents].map((agent) => closeWithin(agent, this.#opts.timeoutMs)));
  }
}

// --- internal ---

interface Proxy {
  readonly url: URL;
  readonly agent: ProxyAgent;
}


async function send(url: URL, headers: Record<string, string>, body: Buffer, dispatcher: Dispatcher, signal: AbortSignal): Promise<number> {
  const res = await request(url, { method: 'POST', headers, body, dispatcher, signal });
  for await (const chunk of res.body) void chunk;
  return res.statusCode;
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1; `Proxy-*` are dropped by prefix) never cross a hop; the rest
 * are recomputed or ours.
 */
const DROPPED = new Set([
  'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  // Recomputed for the body we send, or describing the function's connection, not the callback's.
  'content-length', 'host', 'expect',
  'user-agent', SIGNATURE_HEADER,
]);

/** The function's headers minus hop-by-hop ones, then ours (reference §3.3). */
function callbackHeaders(msg: CallbackMessage, userAgent: string): Record<string, string> {
  const named = new Set((msg.headers['connection'] ?? '').split(',').map((token) => token.trim().toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(msg.headers)) {
    const key = name.toLowerCase();
    if (!DROPPED.has(key) && !key.startsWith('proxy-') && !named.has(key)) out[key] = value;
  }
  if (msg.callId) out['x-call-id'] = msg.callId;
  out['x-function-status'] = String(msg.status);
  out['x-function-name'] = msg.functionName;
  out['x-duration-seconds'] = msg.durationSeconds.toFixed(6); // Go's %f
  out['x-attempt'] = String(msg.attempt);
  out['user-agent'] = userAgent;
  return out;
}

async function closeWithin(agent: Dispatcher, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, ms, 'late')));
  try {
    if ((await Promise.race([agent.close(), late])) === 'late') await agent.destroy();
  } finally {
    clearTimeout(timer);
  }
}

function proxyVia(url: URL): Proxy {
  // proxyTunnel false: http:// callbacks go as absolute-URI requests, as Go's client sends them
  // (a CONNECT to port 80 is refused by default Squid configs); https:// ones always tunnel.
  const agent = new ProxyAgent({
    uri: url.href,
    proxyTunnel: false,
    headersTimeout: 0,
    bodyTimeout: 0,
    clientFactory: (origin, options) => new TunnelPool(origin, options),
  });
  return { url, agent };
}

/**
 * The pool ProxyAgent sends CONNECT through. undici 7.30 takes a proxy that closes the connection
 * during CONNECT (UND_ERR_SOCKET) for a recoverable blip and reconnects in a tight loop that no
 * signal stops (nodejs/undici#3897, fixed upstream by #5441): another code makes the request fail.
 */
type TunnelConnectOptions = Omit<Dispatcher.ConnectOptions, 'origin'>;

class TunnelPool extends Pool {
  override connect(options: TunnelConnectOptions): Promise<Dispatcher.ConnectData>;
  override connect(options: TunnelConnectOptions, callback: (err: Error | null, data: Dispatcher.ConnectData) => void): void;
  override connect(
    options: TunnelConnectOptions,
    callback?: (err: Error | null, data: Dispatcher.ConnectData) => void,
  ): void | Promise<Dispatcher.ConnectData> {
    if (callback) return super.connect(options, callback);
    return super.connect(options).catch((err: unknown) => {
      if (codeOf(err) !== 'UND_ERR_SOCKET') throw err;
      throw Object.assign(new Error('the proxy closed the connection instead of answering CONNECT', { cause: err }), {
        code: 'ERR_PROXY_TUNNEL',
      });
    });
  }
}

function proxyUrl(setting: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new TypeError(`proxy.${setting}: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`proxy.${setting}: ${url.protocol}// proxies are not supported, use http:// or https://`);
  }
  return url;
}

/** The URL for messages and logs: no credentials, no query (either may carry secrets). */
function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const CONNECT = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Maps a failed request to what went wrong; `timedOutAfter` is set when our deadline fired. */
function describeFailure(err: unknown, url: URL, proxy: Proxy | undefined, timedOutAfter: number | undefined): CallbackError {
  const where = `callback POST to ${redact(url)}${proxy ? ` through proxy ${redact(proxy.url)}` : ''} failed`;
  if (timedOutAfter !== undefined) {
    return new CallbackError('timeout', `${where}: no complete answer within ${timedOutAfter} ms`, { cause: err });
  }
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  let kind: CallbackFailure;
  let what: string;
  if (code === 'ECONNREFUSED') [kind, what] = ['refused', 'connection refused'];
  else if (code && DNS.has(code)) [kind, what] = ['dns', `DNS lookup of ${proxy ? proxy.url.hostname : url.hostname} failed`];
  else if (code && CONNECT.has(code)) [kind, what] = ['connect', 'could not connect'];
  else if (code && RESET.has(code)) [kind, what] = ['reset', 'the connection closed before the answer'];
  else if (code && /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) [kind, what] = ['tls', 'TLS failed'];
  else [kind, what] = ['other', message];
  if (proxy && /proxy/i.test(message)) kind = 'proxy';
  // Through a proxy every connection is to the proxy: a connection failure is the proxy's.
  if (proxy && kind !== 'other' && kind !== 'tls') kind = 'proxy';
  // The code when it adds something: errnos always, undici's own codes only next to our wording.
  const shown = code && (what !== message || !code.startsWith('UND_ERR')) ? ` (${code})` : '';
  return new CallbackError(kind, `${where}: ${what}${shown}`, { cause: err });
}

/** The most telling error code along the cause chain: a socket errno over undici's wrapper codes. */
function codeOf(err: unknown): string | undefined {
  const codes: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') codes.push(code);
  }
  return codes.find((code) => !code.startsWith('UND_ERR')) ?? codes[0];
}
