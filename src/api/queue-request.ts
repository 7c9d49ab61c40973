import type { GoUrl, QueueRequest } from './async.js';
import { errors } from './errors.js';

/** Header names seen so far → their canonical form: the same few dozen names come with every call. */
const canonical = new Map<string, string>();
const CANONICAL_CACHE_LIMIT = 1000;

/** Go's `http.CanonicalHeaderKey`: `x-call-id` → `X-Call-Id`, as OpenFaaS's header map has them. */
export function canonicalHeaderKey(name: string): string {
  let key = canonical.get(name);
  if (key === undefined) {
    key = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
    if (canonical.size < CANONICAL_CACHE_LIMIT) canonical.set(name, key);
  }
  return key;
}

/** A URL as Go's `encoding/json` writes a `url.URL`. */
export function goUrl(url: URL): GoUrl {
  return {
    Scheme: url.protocol.replace(/:$/, ''),
    Opaque: '',
    User: null,
    Host: url.host,
    Path: decodeURIComponent(url.pathname),
    RawPath: '',
    OmitHost: false,
    ForceQuery: false,
    RawQuery: url.search.replace(/^\?/, ''),
    Fragment: '',
    RawFragment: '',
  };
}

/** The one value of a header in a QueueRequest's map (names canonical). */
export function queueHeader(request: QueueRequest, name: string): string | undefined {
  return request.Header[canonicalHeaderKey(name)]?.[0];
}

export function encodeQueueRequest(request: QueueRequest): Buffer {
  return Buffer.from(JSON.stringify(request));
}

/** Reads a queue message; one that is not a QueueRequest (written by something else) → ERR_BAD_REQUEST. */
export function decodeQueueRequest(message: Buffer): QueueRequest {
  let value: unknown;
  try {
    value = JSON.parse(message.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`queue message is not JSON: ${(err as Error).message}`);
  }
  const candidate = value as Partial<QueueRequest> | null;
  const fields: (keyof QueueRequest)[] = ['Function', 'Method', 'SluiceCallId'];
  const missing = fields.filter((key) => typeof candidate?.[key] !== 'string');
  if (typeof candidate?.Header !== 'object' || candidate.Header === null) missing.push('Header');
  if (missing.length) throw errors.badRequest(`queue message is not a Sluice QueueRequest (missing ${missing.join(', ')})`);
  return { Host: '', Body: '', Path: '', QueryString: '', ...candidate } as QueueRequest;
}
