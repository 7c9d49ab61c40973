/**
 * The process that runs in each replica of a node-ts function: a node:http server that turns each
 * request into `(event, context)` for the handler and its result into the response — the contract of
 * the OpenFaaS node20 template (Express), without Express.
 *
 * Listens on the Unix socket in SLUICE_SOCKET (what the Sluice provider gives each replica) or on
 * 127.0.0.1:$http_port (default 3000, as the OpenFaaS template; for `sluice watchdog` and containers).
 *
 * Environment: RAW_BODY (`true`/`1`: every body is a Buffer), MAX_RAW_SIZE and MAX_JSON_SIZE
 * (default 100kb, as body-parser: `100kb`, `10mb`, plain bytes).
 */
import { readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import handler from './function/handler.js';
import type { FunctionContext, FunctionEvent, Handler, HeaderValues } from './function/types.js';

// --- settings, read once at start: the hot path only reads constants ---

const RAW_BODY = /^(true|1)$/i.test(process.env['RAW_BODY'] ?? '');
const MAX_RAW_SIZE = sizeSetting('MAX_RAW_SIZE');
const MAX_JSON_SIZE = sizeSetting('MAX_JSON_SIZE');
const HEALTH_PATH = '/_/health';
const SECRETS_DIR = process.env['SLUICE_SECRETS_DIR'] || '/var/openfaas/secrets';
const DRAIN_LIMIT_MS = 10_000;

/** How a body reaches the handler. Plain numbers: cheap to compare on every request. */
const AS_BUFFER = 0;
const AS_TEXT = 1;
const AS_JSON = 2;
const AS_FORM = 3;

const EMPTY = Buffer.alloc(0);
const handle: Handler = handler;
if (typeof handle !== 'function') {
  console.error('function/handler.ts must `export default` an async (event, context) => result function');
  process.exit(1);
}

const server = createServer(onRequest);
// Longer than any gateway's idle pool timeout, so the gateway, not us, closes idle connections
// (closing from this side races with a request being sent: the gateway would see a reset).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

// --- request path ---

/** Per-request state the handler reaches through `context`; methods live on the prototype. */
class Context implements FunctionContext {
  statusCode = 200;
  headerValues: HeaderValues | null = null;
  sent = false;
  readonly res: ServerResponse;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  status(): number;
  status(code: number): this;
  status(code?: number): number | this {
    if (code === undefined) return this.statusCode;
    this.statusCode = code;
    return this;
  }

  headers(): HeaderValues;
  headers(values: HeaderValues): this;
  headers(values?: HeaderValues): HeaderValues | this {
    if (values === undefined) return (this.headerValues ??= {});
    this.headerValues = values;
    return this;
  }

  succeed(value: unknown): void {
    if (!this.sent) sendResult(this, value);
  }

  fail(err: unknown): void {
    if (!this.sent) sendError(this, err);
  }

  secret(name: string): string {
    // A name with a path separator would read outside the secrets directory.
    if (name.includes('/') || name.startsWith('.')) throw new Error(`secret name "${name}" is not valid`);
    try {
      return readFileSync(path.join(SECRETS_DIR, name), 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new Error(`secret "${name}" is not available: list it under secrets: in stack.yml, create it with \`sluice secret create ${name}\`, and deploy again`);
    }
  }
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  req.on('error', ignore); // a client that goes away mid-body must not crash the replica
  if (req.url === HEALTH_PATH && req.method === 'GET') {
    res.statusCode = 200;
    res.end('OK');
    return;
  }
  const kind = bodyKind(req.headers['content-type']);
  // No Content-Length and no Transfer-Encoding means no body (RFC 9112 §6.3): skip the stream.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    void invoke(req, res, kind, EMPTY);
    return;
  }
  readBody(req, res, kind, kind === AS_JSON ? MAX_JSON_SIZE : MAX_RAW_SIZE);
}

/**
 * Collects the body, then invokes. Over the limit, the rest is still read and dropped before the 413
 * (as body-parser does), so the client gets the answer instead of a reset while it is still sending.
 */
function readBody(req: IncomingMessage, res: ServerResponse, kind: number, limit: number): void {
  const chunks: Buffer[] = [];
  let size = Number(req.headers['content-length']) > limit ? limit + 1 : 0;
  req.on('data', (chunk: Buffer) => {
    if (size <= limit && (size += chunk.length) <= limit) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > limit) plainResponse(res, 413, `request body is larger than the limit of ${limit} bytes`);
    else void invoke(req, res, kind, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  });
}

async function invoke(req: IncomingMessage, res: ServerResponse, kind: number, raw: Buffer): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let body: unknown;
  try {
    body = parseBody(kind, raw);
  } catch (err) {
    plainResponse(res, 400, `invalid JSON body: ${(err as Error).message}`);
    return;
  }
  const event: FunctionEvent = {
    body,
    headers: req.headers,
    method: req.method ?? 'GET',
    query: q === -1 ? {} : parseQuery(url.slice(q + 1)),
    path: q === -1 ? url : url.slice(0, q),
  };
  const context = new Context(res);
  try {
    const result: unknown = await handle(event, context);
    if (!context.sent) sendResult(context, result);
  } catch (err) {
    if (context.sent) console.error(err);
    else sendError(context, err);
  }
}

/** OpenFaaS treats a missing Content-Type as text/plain; types it does not parse arrive as a Buffer here. */
function bodyKind(contentType: string | undefined): number {
  if (RAW_BODY) return AS_BUFFER;
  if (contentType === undefined || contentType === '') return AS_TEXT;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type.startsWith('text/')) return AS_TEXT;
  if (type === 'application/json') return AS_JSON;
  if (type === 'application/x-www-form-urlencoded') return AS_FORM;
  return AS_BUFFER;
}

function parseBody(kind: number, raw: Buffer): unknown {
  switch (kind) {
    case AS_TEXT:
      return raw.toString('utf8');
    case AS_JSON:
      // body-parser gives {} for an empty JSON body; handlers written for OpenFaaS rely on it.
      return raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as unknown);
    case AS_FORM:
      return parseQuery(raw.toString('utf8'));
    default:
      return raw;
  }
}

/** `a=1&a=2&b=3` → `{ a: ['1', '2'], b: '3' }`. */
function parseQuery(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    if (key === '__proto__') continue; // would set the object's prototype, not a key
    const prev = Object.hasOwn(out, key) ? out[key] : undefined;
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev as string, value];
  }
  return out;
}

// --- responses ---

function sendResult(context: Context, value: unknown): void {
  context.sent = true;
  let body: string | Uint8Array;
  let json = false;
  if (value === undefined || value === null) body = '';
  else if (typeof value === 'string' || value instanceof Uint8Array) body = value;
  else if (typeof value === 'object') {
    try {
      body = JSON.stringify(value) ?? '';
    } catch (err) {
      sendError(context, err);
      return;
    }
    json = true;
  } else body = String(value);
  writeResponse(context.res, context.statusCode, context.headerValues, body, json);
}

/** `fail()` and thrown errors: the error's text, 500 unless the handler chose an error status. */
function sendError(context: Context, err: unknown): void {
  context.sent = true;
  console.error(err); // the stack goes to the function's log; the client gets only the message
  writeResponse(context.res, context.statusCode >= 400 ? context.statusCode : 500, null, errorText(err), false);
}

function writeResponse(res: ServerResponse, status: number, headers: HeaderValues | null, body: string | Uint8Array, json: boolean): void {
  try {
    if (headers !== null) {
      for (const name in headers) {
        const value = headers[name];
        if (value !== undefined && value !== null) res.setHeader(name, value);
      }
    }
    // Sluice improvement: OpenFaaS sends JSON-stringified results without a Content-Type.
    if (json && !res.hasHeader('content-type')) res.setHeader('content-type', 'application/json');
    if (!server.listening) res.setHeader('connection', 'close'); // draining: let the socket go
    res.statusCode = status;
    res.end(body);
  } catch (err) {
    // A bad status code or header from the handler: report it rather than hang the request.
    if (res.headersSent) return void res.destroy();
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    plainResponse(res, 500, `the handler's response could not be sent: ${(err as Error).message}`);
  }
}

function plainResponse(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(text);
}

function errorText(err: unknown): string {
  try {
    return String(err);
  } catch {
    return 'error'; // e.g. an object without a prototype has no toString
  }
}

function ignore(): void {}

// --- lifecycle ---

async function listen(): Promise<void> {
  server.on('error', (err) => {
    console.error(`node-ts runner: cannot listen: ${err.message}`);
    process.exit(1);
  });
  const socket = process.env['SLUICE_SOCKET'];
  if (socket) {
    // A socket file left by a replica that died would make listen fail with EADDRINUSE.
    await unlink(socket).catch(ignore);
    // Tell the gateway the moment we accept calls, instead of making it poll the socket.
    server.listen(socket, () => process.send?.({ sluice: 'ready' }));
  } else {
    server.listen(portSetting(), '127.0.0.1');
  }
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Started by the gateway with an IPC channel: when the gateway goes, so do we.
  if (process.send) process.on('disconnect', () => process.exit(0));
}

/** Stop accepting, let in-flight requests finish (at most DRAIN_LIMIT_MS), then exit 0. */
function shutdown(): void {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), DRAIN_LIMIT_MS).unref();
}

/** body-parser's `bytes` units (1kb = 1024 bytes); a bad value stops the replica with a clear message. */
function sizeSetting(name: string): number {
  const text = process.env[name];
  if (text === undefined || text === '') return 100 * 1024;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) {
    console.error(`node-ts runner: ${name}=${text} is not a size (use bytes or e.g. 100kb, 10mb)`);
    process.exit(1);
  }
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.floor(Number(match[1]) * factor);
}

function portSetting(): number {
  const text = process.env['http_port'] ?? '3000';
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`node-ts runner: http_port=${text} is not a TCP port`);
    process.exit(1);
  }
  return port;
}

// Last, so every class and constant above exists before the first request can arrive.
await listen();
