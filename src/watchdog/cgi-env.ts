import type { Invocation } from './types.js';

/**
 * The CGI-style environment of fork modes (reference §4.2–4.3): `Http_<Header_Name>` per header
 * (first value, dashes → underscores, canonical casing), plus method, path, query, host, length.
 */
export function cgiEnv(inv: Invocation): Record<string, string> {
  const env: Record<string, string> = { Http_Method: inv.method, Http_Path: inv.path };
  if (inv.query) env['Http_Query'] = inv.query;
  for (const [key, value] of Object.entries(inv.headers)) {
    if (value === undefined) continue;
    env[`Http_${canonical(key)}`] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  const host = inv.headers.host;
  if (host) env['Http_Host'] = host;
  env['Http_Content_Length'] = inv.headers['content-length'] ?? (inv.body ? '-1' : '0');
  return env;
}

function canonical(header: string): string {
  return header
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('_');
}
