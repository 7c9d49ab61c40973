import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { HeaderList } from './types.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1, RFC 2616 §13.5.1) are never forwarded, either way. */
const HOP_BY_HOP = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
  // Not hop-by-hop, but the gateway already answered it: the function must not see it twice.
  'expect',
]);

/** Per-call identity: the call id (the caller's own, else a new UUID) and arrival time in Unix ns. */
export interface CallIdentity {
  readonly callId: string;
  readonly startTime: string;
}

export function identify(req: IncomingMessage): CallIdentity {
  const given = req.headers['x-call-id'];
  return {
    callId: typeof given === 'string' && given ? given : randomUUID(),
    startTime: `${Date.now()}000000`,
  };
}

/**
 * Headers for the function: the client's, without hop-by-hop ones (and those the Connection header
 * names), with X-Call-Id, X-Start-Time and X-Forwarded-For/Host added when absent (reference §2).
 */
export function upstreamHeaders(req: IncomingMessage, id: CallIdentity): IncomingHttpHeaders {
  const named = connectionTokens(req.headers.connection);
  const out: IncomingHttpHeaders = {};
  for (const key in req.headers) {
    if (!HOP_BY_HOP.has(key) && !named?.has(key)) out[key] = req.headers[key];
  }
  out['x-call-id'] = id.callId;
  out['x-start-time'] ??= id.startTime;
  out['x-forwarded-for'] ??= req.socket.remoteAddress;
  if (req.headers.host) out['x-forwarded-host'] ??= req.headers.host;
  return out;
}

/** Headers the gateway sets on every answer itself; a function's own copies are dropped. */
const GATEWAY_OWNED = new Set(['x-call-id', 'x-start-time', 'x-duration-seconds', 'x-served-by']);

/**
 * The function's response headers (flat list), minus hop-by-hop ones, plus the gateway's own. A
 * missing Content-Type becomes the request's, else text/plain (OpenFaaS provider behaviour).
 */
export function downstreamHeaders(upstream: HeaderList, requestType: string | undefined, own: HeaderList): HeaderList {
  const out: HeaderList = [];
  let typed = false;
  for (let i = 0; i < upstream.length; i += 2) {
    const key = (upstream[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(key) || GATEWAY_OWNED.has(key)) continue;
    if (key === 'content-type') typed = true;
    out.push(key, upstream[i + 1] as string);
  }
  if (!typed) out.push('content-type', requestType ?? 'text/plain');
  for (const item of own) out.push(item);
  return out;
}

function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  return new Set(value.split(',').map((token) => token.trim().toLowerCase()));
}
