import { SluiceError, errors } from '../api/index.js';
import type { BundleUploaded, CallRecord, CallStatus, FunctionDeployment, FunctionStatus, GatewayInfo, SecretName } from '../api/index.js';
import { GatewayAnswerError } from './_errors.js';

/** One function call through `/function/{name}`. */
export interface InvokeRequest {
  /** @default 'POST' */
  method: string;
  headers: readonly (readonly [string, string])[];
  query: readonly (readonly [string, string])[];
  /** Sent as is; left out for GET and HEAD. */
  body: Buffer;
}

/** What a function answered, body as raw bytes. */
export interface InvokeResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** One call queued through `/async-function/{name}`. */
export interface AsyncInvokeRequest extends InvokeRequest {
  /** Sent as X-Callback-Url: where the gateway POSTs the result. */
  callbackUrl?: string;
  /** Sent as Idempotency-Key: a repeat gets the first call's id instead of a new call. */
  idempotencyKey?: string;
}

/** What `/async-function` answered. */
export interface AsyncAccepted {
  callId: string;
  /** The Idempotency-Key had been used: `callId` is the earlier call's, nothing new was queued. */
  replayed: boolean;
}

/** Filters of `GET /system/calls`; left out, the gateway's defaults apply (all, newest 100). */
export interface CallFilter {
  function?: string;
  status?: CallStatus;
  limit?: number;
}

/** Filters of `POST /system/calls/redrive`. */
export interface RedriveFilter {
  function?: string;
  /** A duration back from now (`1h`) or an ISO time. */
  since?: string;
}

/** What `POST /system/calls/redrive` answers. */
export interface Redriven {
  redriven: number;
  callIds: string[];
}

/**
 * A secret as `POST`/`PUT /system/secrets` take it (reference §5.6): text as `value`, bytes as
 * base64 `rawValue` (so that any bytes survive JSON).
 */
export type SecretBody = { name: string } & ({ value: string } | { rawValue: string });

/** Query of `GET /system/logs` (reference §7). */
export interface LogRequest {
  name: string;
  /** Only this replica's lines. */
  instance?: string;
  /** At most this many of the kept lines; ≤ 0 means all (faas-cli sends its default, -1). */
  tail: number;
  /** Keep the stream open and send new lines as they come. */
  follow: boolean;
  /** Only lines at or after this RFC 3339 time. */
  since?: string;
}

/**
 * `?name=…&follow=…` as faas-cli's reqAsQueryValues writes it: follow always, tail unless 0,
 * instance and since when given.
 * @example logsQuery({ name: 'fn', tail: -1, follow: true }) // '?name=fn&follow=true&tail=-1'
 */
export function logsQuery(req: LogRequest): string {
  const search = new URLSearchParams({ name: req.name, follow: String(req.follow) });
  if (req.instance) search.set('instance', req.instance);
  if (req.since) search.set('since', req.since);
  if (req.tail !== 0) search.set('tail', String(req.tail));
  return `?${search.toString()}`;
}

/**
 * `GET /system/calls/{id}/result`: the function's stored response (its own status, headers and
 * bytes), or `ready: false` while the gateway has none (ERR_RESULT_NOT_READY, ERR_RESULT_GONE).
 */
export type CallResultAnswer = ({ ready: true } & InvokeResponse) | { ready: false };

/**
 * The gateway's HTTP API as the CLI uses it. A gateway that cannot be reached raises
 * ERR_GATEWAY_UNREACHABLE; a non-2xx /system answer raises GatewayAnswerError with the gateway's
 * message. Function answers are returned whatever their status.
 * @example await new GatewayClient('http://127.0.0.1:8080').listFunctions()
 */
export class GatewayClient {
  /** Normalized base URL, no trailing slash. */
  readonly url: string;
  /** `Authorization` sent on /system calls (the login for this gateway), never to functions. */
  readonly #authorization: string | undefined;

  constructor(url: string, authorization?: string) {
    this.url = url;
    this.#authorization = authorization;
  }

  /** Sync URL of a function. */
  functionUrl(name: string): string {
    return `${this.url}/function/${encodeURIComponent(name)}`;
  }

  /** `GET /system/functions`. */
  async listFunctions(): Promise<FunctionStatus[]> {
    return (await this.#system('GET', '/system/functions')).json() as Promise<FunctionStatus[]>;
  }

  /** `GET /system/function/{name}`; 404 → GatewayAnswerError. */
  async getFunction(name: string): Promise<FunctionStatus> {
    return (await this.#system('GET', `/system/function/${encodeURIComponent(name)}`)).json() as Promise<FunctionStatus>;
  }

  /**
   * `GET /healthz`: the gateway's own readiness (200 once it serves). Open on OpenFaaS and Sluice
   * gateways alike, so no credentials are sent; any other status is answered as not ready.
   */
  async healthy(): Promise<boolean> {
    const res = await this.#fetch(new URL(`${this.url}/healthz`), { method: 'GET' });
    await res.body?.cancel();
    return res.status === 200;
  }

  /** `GET /system/info`. */
  async info(): Promise<GatewayInfo> {
    return (await this.#system('GET', '/system/info')).json() as Promise<GatewayInfo>;
  }

  /** `POST /system/bundles` with a tar.gz; returns the digest to name in the deployment. */
  async uploadBundle(tarGz: Buffer): Promise<BundleUploaded> {
    const res = await this.#system('POST', '/system/bundles', { body: tarGz, type: 'application/gzip' });
    return res.json() as Promise<BundleUploaded>;
  }

  /**
   * Deploys with faas-cli's `--update` semantics: `PUT /system/functions`, then `POST` when the
   * function does not exist yet; with `replace` (faas-cli `--replace`), `DELETE` it first (if it
   * exists), then `POST`; with `update: false` (and no `replace`), `POST` only, so an existing
   * function is the gateway's 409. Returns the gateway's status (202).
   */
  async deploy(deployment: FunctionDeployment, opts: { replace?: boolean; update?: boolean } = {}): Promise<number> {
    const body = { body: JSON.stringify(deployment), type: 'application/json' };
    if (opts.replace) {
      await unlessNotFound(this.removeFunction(deployment.service));
    } else if (opts.update !== false) {
      const updated = await unlessNotFound(this.#system('PUT', '/system/functions', body));
      if (updated) return updated.status;
    }
    return (await this.#system('POST', '/system/functions', body)).status;
  }

  /** `DELETE /system/functions`; 404 → GatewayAnswerError. */
  async removeFunction(name: string): Promise<number> {
    const body = { body: JSON.stringify({ functionName: name }), type: 'application/json' };
    return (await this.#system('DELETE', '/system/functions', body)).status;
  }

  /** `POST /system/scale-function/{name}`. */
  async scaleFunction(name: string, replicas: number): Promise<number> {
    const body = { body: JSON.stringify({ serviceName: name, replicas }), type: 'application/json' };
    return (await this.#system('POST', `/system/scale-function/${encodeURIComponent(name)}`, body)).status;
  }

  /** Calls a function; any status comes back as an answer, only an unreachable gateway throws. */
  async invoke(name: string, req: InvokeRequest): Promise<InvokeResponse> {
    const res = await this.#send(this.functionUrl(name), req);
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  /** Async URL of a function. */
  asyncUrl(name: string): string {
    return `${this.url}/async-function/${encodeURIComponent(name)}`;
  }

  /** Queues a call (`/async-function/{name}`, 202); any other answer → GatewayAnswerError. */
  async invokeAsync(name: string, req: AsyncInvokeRequest): Promise<AsyncAccepted> {
    const headers = [...req.headers];
    if (req.callbackUrl !== undefined) headers.push(['x-callback-url', req.callbackUrl]);
    if (req.idempotencyKey !== undefined) headers.push(['idempotency-key', req.idempotencyKey]);
    const res = await this.#send(this.asyncUrl(name), { ...req, headers });
    const text = await res.text();
    if (!res.ok) throw answerError(res.status, text);
    const callId = res.headers.get('x-call-id');
    if (!callId) throw new GatewayAnswerError(res.status, `the gateway at ${this.url} accepted the call but sent no X-Call-Id: is it a Sluice or OpenFaaS gateway?`);
    return { callId, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  /** `GET /system/calls`, newest first. */
  async listCalls(filter: CallFilter = {}): Promise<CallRecord[]> {
    const query = queryOf({ function: filter.function, status: filter.status, limit: filter.limit?.toString() });
    return (await this.#system('GET', `/system/calls${query}`)).json() as Promise<CallRecord[]>;
  }

  /** `GET /system/calls/{id}`; with `waitMs`, the gateway holds the answer until the call finishes or the wait is over. */
  async getCall(callId: string, waitMs?: number): Promise<CallRecord> {
    return (await this.#system('GET', `/system/calls/${encodeURIComponent(callId)}${queryOf({ wait: waitParam(waitMs) })}`)).json() as Promise<CallRecord>;
  }

  /** `GET /system/calls/{id}/result[?wait=]`: the stored response, or `ready: false`. */
  async callResult(callId: string, waitMs?: number): Promise<CallResultAnswer> {
    const res = await this.#fetch(new URL(`${this.url}/system/calls/${encodeURIComponent(callId)}/result${queryOf({ wait: waitParam(waitMs) })}`), { method: 'GET', headers: this.#authHeaders() });
    // The function's own answer carries X-Function-Status: its 404 or 409 is not the gateway's.
    const functionStatus = res.headers.get('x-function-status');
    if (functionStatus !== null) {
      const status = Number(functionStatus) || res.status;
      return { ready: true, status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    }
    const text = await res.text();
    // Not yet (409), or never (410): the caller reads the record to say which, in its own words.
    const code = res.headers.get('x-sluice-error');
    if (code === errors.resultNotReady.code || code === errors.resultGone.code) return { ready: false };
    throw answerError(res.status, text);
  }

  /** `DELETE /async-function/{id}`: cancels a queued call; returns its record, now `cancelled`. */
  async cancelCall(callId: string): Promise<CallRecord> {
    return (await this.#system('DELETE', `/async-function/${encodeURIComponent(callId)}`)).json() as Promise<CallRecord>;
  }

  /** `POST /system/calls/redrive`: puts dead calls back in their queues. */
  async redrive(filter: RedriveFilter = {}): Promise<Redriven> {
    return (await this.#system('POST', `/system/calls/redrive${queryOf({ function: filter.function, since: filter.since })}`)).json() as Promise<Redriven>;
  }

  /** `GET /system/secrets`: names and namespaces, never values. */
  async listSecrets(): Promise<SecretName[]> {
    return (await this.#system('GET', '/system/secrets')).json() as Promise<SecretName[]>;
  }

  /** `POST /system/secrets`; an existing name → GatewayAnswerError 409 (ERR_SECRET_EXISTS). Returns the status (202). */
  async createSecret(secret: SecretBody): Promise<number> {
    return (await this.#system('POST', '/system/secrets', { body: JSON.stringify(secret), type: 'application/json' })).status;
  }

  /** `PUT /system/secrets`: a new value; a missing name → GatewayAnswerError 404 (ERR_SECRET_NOT_FOUND). */
  async updateSecret(secret: SecretBody): Promise<number> {
    return (await this.#system('PUT', '/system/secrets', { body: JSON.stringify(secret), type: 'application/json' })).status;
  }

  /** `DELETE /system/secrets`; 404 when missing, 409 (ERR_SECRET_IN_USE, naming the functions) while a function lists it. */
  async removeSecret(name: string): Promise<number> {
    return (await this.#system('DELETE', '/system/secrets', { body: JSON.stringify({ name }), type: 'application/json' })).status;
  }

  /**
   * `GET /system/logs`: the NDJSON lines (newline dropped) as they arrive, until the gateway ends
   * the stream or `signal` aborts it (then it just ends). A non-2xx answer, or a stream cut off
   * midway, → GatewayAnswerError.
   * Sent with undici and no body timeout, not fetch: fetch gives up on a body quiet for 5 minutes,
   * and a followed function may well print nothing for that long.
   */
  async *logLines(req: LogRequest, signal?: AbortSignal): AsyncGenerator<string> {
    // Loaded here: the other commands do not pay for undici at start-up.
    const { Agent, request } = await import('undici');
    const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
    try {
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(`${this.url}/system/logs${logsQuery(req)}`, { dispatcher, headers: this.#authHeaders(), ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted) return;
        throw unreachable(this.url, err);
      }
      if (res.statusCode < 200 || res.statusCode > 299) throw answerError(res.statusCode, await res.body.text());
      try {
        yield* splitLines(res.body);
      } catch (err) {
        if (signal?.aborted) return;
        // Reached, then cut: the gateway drops a follower that reads too slowly, or it was killed.
        const detail = (err as { code?: unknown }).code ?? (err instanceof Error ? err.message : String(err));
        throw new GatewayAnswerError(res.statusCode, `the log stream from ${this.url} broke off (${String(detail)}): a follower that reads too slowly is dropped`);
      } finally {
        res.body.destroy();
      }
    } finally {
      await dispatcher.destroy().catch(() => undefined);
    }
  }

  // --- internal ---

  /** Sends a function call (sync or async) with its query, headers and body (none for GET and HEAD). */
  async #send(base: string, req: InvokeRequest): Promise<Response> {
    const url = new URL(base);
    for (const [key, value] of req.query) url.searchParams.append(key, value);
    const method = req.method.toUpperCase();
    const withBody = method !== 'GET' && method !== 'HEAD';
    return this.#fetch(url, { method, headers: [...req.headers] as [string, string][], body: withBody ? req.body : null });
  }

  /** A /system call: non-2xx answers become GatewayAnswerError. */
  async #system(method: string, path: string, payload?: { body: string | Buffer; type: string }): Promise<Response> {
    const init: RequestInit = { method, headers: { ...this.#authHeaders(), ...(payload ? { 'content-type': payload.type } : {}) } };
    if (payload) init.body = payload.body;
    const res = await this.#fetch(new URL(`${this.url}${path}`), init);
    if (res.ok) return res;
    throw answerError(res.status, await res.text());
  }

  #authHeaders(): Record<string, string> {
    return this.#authorization ? { authorization: this.#authorization } : {};
  }

  async #fetch(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      throw unreachable(this.url, err);
    }
  }
}

/**
 * Turns an error answer into GatewayAnswerError: a Sluice `{code, message}` body gives its message;
 * any other body is quoted as faas-cli does.
 */
export function answerError(status: number, body: string): GatewayAnswerError {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed.message === 'string') {
      return new GatewayAnswerError(status, parsed.message, typeof parsed.code === 'string' ? parsed.code : undefined);
    }
  } catch {
    // not JSON: quoted below
  }
  return new GatewayAnswerError(status, unexpectedStatus(status, body));
}

/** faas-cli's message for an unexpected answer, body trimmed and capped to stay one short line. */
export function unexpectedStatus(status: number, body: string): string {
  const text = body.trim();
  const shown = text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  return `Server returned unexpected status code: ${status} - ${shown}`;
}

// --- internal ---

/** `?k=v&…` of the given values, '' when none is set. */
function queryOf(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A wait in the gateway's duration syntax (milliseconds always parse); undefined for no wait. */
function waitParam(ms: number | undefined): string | undefined {
  return ms === undefined || ms <= 0 ? undefined : `${Math.ceil(ms)}ms`;
}

/**
 * fetch() rejects with `TypeError: fetch failed` and the socket error (ECONNREFUSED…) as cause;
 * undici's request() rejects with the socket error itself.
 */
function unreachable(url: string, err: unknown): SluiceError {
  const cause = err instanceof Error ? err.cause : undefined;
  const detail =
    (cause as { code?: unknown } | undefined)?.code ??
    (err as { code?: unknown } | undefined)?.code ??
    (cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err));
  const wrapped = errors.gatewayUnreachable(url, String(detail));
  return new SluiceError(wrapped.code, wrapped.status, wrapped.message, { cause: err });
}

/** The answer of a /system request, or undefined when the gateway said 404 (the function does not exist). */
async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof GatewayAnswerError && err.status === 404) return undefined;
    throw err;
  }
}

/** The lines of a byte stream as they complete (`\n` or `\r\n` ends one), then the last one unended; empty lines skipped. */
export async function* splitLines(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    // Cut at each newline from a moving start: one chunk may hold thousands of lines (a large tail).
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      const line = pending.slice(start, end).replace(/\r$/, '');
      start = end + 1;
      if (line !== '') yield line;
    }
    pending = pending.slice(start);
  }
  const last = (pending + decoder.decode()).replace(/\r$/, '');
  if (last !== '') yield last;
}
