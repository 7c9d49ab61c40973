import type { Invocation } from './types.js';

/**
 * The CGI-style environment of the process-per-call modes (reference §4.2–4.3), both watchdogs'
 * variables at once: `Http_<Header_Name>` per header (first value, dashes → underscores, canonical
 * casing), `Http_Method`, `Http_Path`, `Http_Query` (raw, when there is one), `Http_Host`,
 * `Http_Content_Length` and the classic `Http_ContentLength` (-1 for a chunked body), and
 * `Http_Transfer_Encoding` for a chunked body.
 */
export function cgiEnv(inv: Invocation): Record<string, string> {
  const env: Record<string, string> = { Http_Method: inv.method, Http_Path: inv.path };
  if (inv.query) env['Http_Query'] = inv.query;
  for (const key in inv.headers) {
    const value = inv.headers[key];
    if (value !== undefined) env[`Http_${canonicalHeader(key, '_')}`] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  const host = inv.headers.host;
  if (host) env['Http_Host'] = host;
  // The gateway drops hop-by-hop headers; a body without a length is what arrived chunked.
  const declared = inv.headers['content-length'];
  const chunked = declared === undefined && inv.body !== null;
  const length = declared ?? (chunked ? '-1' : '0');
  env['Http_Content_Length'] = length;
  env['Http_ContentLength'] = length;
  if (chunked) env['Http_Transfer_Encoding'] = 'chunked';
  return env;
}

/** Go's canonical header casing (`X-Call-Id`), parts joined with `separator`. */
export function canonicalHeader(header: string, separator: string): string {
  return header
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join(separator);
}
