import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SluiceError } from '../api/index.js';
import { hasBody } from './request-body.js';

/**
 * `X-OpenFaaS-Internal` on the answers the watchdogs give themselves, so a client (or a retrying
 * queue worker) can tell them from the function's own 429 or 5xx.
 */
const INTERNAL_SOURCE: Readonly<Record<string, string>> = {
  ERR_CONCURRENCY_LIMIT: 'faas-middleware',
  ERR_UPSTREAM_TIMEOUT: 'of-watchdog',
  ERR_UPSTREAM_FAILED: 'of-watchdog',
};

/** A JSON answer (the /system routes). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An empty answer with a status (202 Accepted…). */
export function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/**
 * An error produced by the gateway itself. /system routes get JSON `{code, message}`; function
 * routes get the message as plain text, as OpenFaaS proxies answer. Both carry `X-Sluice-Error` (the
 * code) so a client can tell the platform's errors from the function's own.
 */
export function sendError(res: ServerResponse, err: SluiceError, format: 'json' | 'text', headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // An unread body would be taken for the next request on this connection: close it instead.
  if (hasBody(res.req) && !res.req.complete) res.shouldKeepAlive = false;
  const internal = INTERNAL_SOURCE[err.code];
  const marked = { ...headers, 'x-sluice-error': err.code, ...(internal ? { 'x-openfaas-internal': internal } : {}) };
  if (format === 'json') return sendJson(res, err.status, err, marked);
  const text = `${err.message}\n`;
  res.writeHead(err.status, { ...marked, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An error on a connection that asked to be upgraded: there is no response object, only the socket. */
export function sendErrorOnSocket(socket: Duplex, err: SluiceError): void {
  const text = `${err.message}\n`;
  const head = [
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}`,
    'content-type: text/plain; charset=utf-8',
    `content-length: ${Buffer.byteLength(text)}`,
    `x-sluice-error: ${err.code}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}
