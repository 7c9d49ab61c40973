import { SluiceError, errors } from '../api/index.js';
import type { CallSignal } from './call-signal.js';

/** The client went away: nothing is left to answer. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/**
 * The replica refused the connection (or its socket is gone): the call never reached the function, so
 * it is safe to send it to another replica.
 */
export class ReplicaUnreachable extends Error {
  override readonly name = 'ReplicaUnreachable';
}

/**
 * The call never reached a function: no connection (refused, no socket), or a pooled connection
 * whose replica had died, so writing the request failed (EPIPE).
 */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOENT', 'EPIPE']);

/**
 * Maps why a call stopped to what the caller is told (style rule 14). Whoever aborts a call gives the
 * answer as the abort reason (504 deadline, 408 slow body…); any other abort means the client left;
 * a failure without abort is the function's (502 with the detail).
 */
export function failureOf(name: string, signal: CallSignal, err: unknown): SluiceError | ClientGone | ReplicaUnreachable {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof SluiceError ? reason : new ClientGone('client disconnected');
  }
  if (err instanceof SluiceError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && NOT_CONNECTED.has(code)) return new ReplicaUnreachable(code);
  const detail = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
  return errors.upstreamFailed(name, detail);
}
