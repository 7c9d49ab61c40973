import { SluiceError, errors } from '../api/index.js';

/** The client went away: nothing is left to answer. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/**
 * Maps why a call stopped to what the caller is told (style rule 14). Whoever aborts a call gives the
 * answer as the abort reason (504 deadline, 408 slow body…); any other abort means the client left;
 * a failure without abort is the function's (502 with the detail).
 */
export function failureOf(name: string, signal: AbortSignal, err: unknown): SluiceError | ClientGone {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof SluiceError ? reason : new ClientGone('client disconnected');
  }
  if (err instanceof SluiceError) return err;
  const detail = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
  return errors.upstreamFailed(name, detail);
}
