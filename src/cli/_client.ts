import { SluiceError, errors } from '../api/index.js';
import type { BundleUploaded, FunctionDeployment, FunctionStatus, GatewayInfo } from '../api/index.js';
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

/**
 * The gateway's HTTP API as the CLI uses it. A gateway that cannot be reached raises
 * ERR_GATEWAY_UNREACHABLE; a non-2xx /system answer raises GatewayAnswerError with the gateway's
 * message. Function answers are returned whatever their status.
 * @example await new GatewayClient('http://127.0.0.1:8080').listFunctions()
 */
export class GatewayClient {
  /** Normalized base URL, no trailing slash. */
  readonly url: string;

  constructor(url: string) {
    this.url = url;
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
   * function does not exist yet. Returns the gateway's status (202).
   */
  async deploy(deployment: FunctionDeployment): Promise<number> {
    const body = { body: JSON.stringify(deployment), type: 'application/json' };
    try {
      return (await this.#system('PUT', '/system/functions', body)).status;
    } catch (err) {
      if (!(err instanceof GatewayAnswerError) || err.status !== 404) throw err;
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
    const url = new URL(this.functionUrl(name));
    for (const [key, value] of req.query) url.searchParams.append(key, value);
    const method = req.method.toUpperCase();
    const withBody = method !== 'GET' && method !== 'HEAD';
    const res = await this.#fetch(url, { method, headers: [...req.headers] as [string, string][], body: withBody ? req.body : null });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  // --- internal ---

  /** A /system call: non-2xx answers become GatewayAnswerError. */
  async #system(method: string, path: string, payload?: { body: string | Buffer; type: string }): Promise<Response> {
    const init: RequestInit = { method };
    if (payload) {
      init.body = payload.body;
      init.headers = { 'content-type': payload.type };
    }
    const res = await this.#fetch(new URL(`${this.url}${path}`), init);
    if (res.ok) return res;
    throw answerError(res.status, await res.text());
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

/** fetch() rejects with `TypeError: fetch failed` and the socket error (ECONNREFUSED…) as cause. */
function unreachable(url: string, err: unknown): SluiceError {
  const cause = err instanceof Error ? err.cause : undefined;
  const detail =
    (cause as { code?: unknown } | undefined)?.code ?? (cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err));
  const wrapped = errors.gatewayUnreachable(url, String(detail));
  return new SluiceError(wrapped.code, wrapped.status, wrapped.message, { cause: err });
}
