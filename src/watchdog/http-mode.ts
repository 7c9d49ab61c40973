import { Pool } from 'undici';
import { failureOf } from './outcome.js';
import type { Invocation, InvocationResult, ModeHandler } from './types.js';

export interface HttpModeOptions {
  /** Function name, for error messages. */
  readonly name: string;
  /** Unix socket the function's server listens on. */
  readonly socketPath: string;
}

/**
 * http mode: the function is one long-lived HTTP server; each call is proxied to it over a keep-alive
 * pool on a Unix socket (≈ 25 % more requests/s than loopback TCP, architecture §1). Path, raw query,
 * method and headers reach the function unchanged.
 */
export function createHttpMode(opts: HttpModeOptions): ModeHandler {
  const pool = new Pool('http://localhost', {
    socketPath: opts.socketPath,
    connections: null,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    // The call's own deadline (an AbortSignal) bounds the wait; undici's defaults would cut at 300s.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return {
    invoke: (inv) => invokeOverPool(pool, opts.name, inv),
    close: () => pool.close(),
  };
}

async function invokeOverPool(pool: Pool, name: string, inv: Invocation): Promise<InvocationResult> {
  try {
    const res = await pool.request({
      method: inv.method as 'GET',
      path: inv.query ? `${inv.path}?${inv.query}` : inv.path,
      headers: inv.headers as Record<string, string | string[]>,
      body: inv.body,
      signal: inv.signal,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    throw failureOf(name, inv.signal, err);
  }
}
