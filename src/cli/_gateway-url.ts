import { UsageError } from './_errors.js';

/** Where the CLI looks for a gateway when nothing else says. */
export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

/** The places a gateway URL can come from, strongest first. */
export interface GatewaySources {
  /** `-g/--gateway`. */
  flag?: string | undefined;
  /** `provider.gateway` of the stack file in use. */
  stack?: string | undefined;
  /** Reads `OPENFAAS_URL`. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Picks the gateway as faas-cli does: `--gateway` > stack `provider.gateway` > `OPENFAAS_URL` >
 * http://127.0.0.1:8080, then normalizes it. Empty values count as not given, and so does a stack
 * gateway equal to the default: `sluice new` writes the default into every stack file, and that
 * must not hide `OPENFAAS_URL` (faas-cli: "stack provider.gateway, if not the default").
 * @example resolveGatewayUrl({ flag: undefined, stack: 'localhost:9090/', env: {} }) // 'http://localhost:9090'
 */
export function resolveGatewayUrl(sources: GatewaySources): string {
  const stack = sources.stack?.trim() ? normalizeGatewayUrl(sources.stack) : undefined;
  const chosen = [sources.flag, stack === DEFAULT_GATEWAY ? undefined : stack, sources.env['OPENFAAS_URL']].find((value) => value?.trim());
  return normalizeGatewayUrl(chosen ?? DEFAULT_GATEWAY);
}

/**
 * Trims blanks and trailing slashes and adds `http://` when the URL has no scheme. Throws a usage
 * error when the result is not a URL.
 */
export function normalizeGatewayUrl(raw: string): string {
  let url = raw.trim().replace(/\/+$/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `http://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid gateway URL "${raw}": use e.g. http://127.0.0.1:8080`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`invalid gateway URL "${raw}": only http:// and https:// are supported`);
  }
  return url;
}
