import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/index.js';
import type { CallSignal } from '../../watchdog/index.js';

/**
 * One timer per call for both limits: the body must arrive within `readMs` (else 408) and the whole
 * call finish within `deadlineMs` (else 504). Returns the timer, to clear when the call ends.
 */
export function armDeadline(name: string, req: IncomingMessage, signal: CallSignal, readMs: number, deadlineMs: number): NodeJS.Timeout | undefined {
  const started = Date.now();
  const firstMs = earliest(req.complete ? 0 : readMs, deadlineMs);
  if (firstMs <= 0) return undefined;
  const fire = (): void => {
    const elapsed = Date.now() - started;
    if (readMs > 0 && !req.complete && elapsed >= readMs) return signal.abort(errors.requestTimeout(readMs / 1000));
    if (deadlineMs > 0 && elapsed >= deadlineMs) return signal.abort(errors.upstreamTimeout(name, deadlineMs / 1000));
    timer = setTimeout(fire, deadlineMs - elapsed);
  };
  let timer = setTimeout(fire, firstMs);
  return timer;
}

/** The earlier of two limits, where 0 means none. */
export function earliest(a: number, b: number): number {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return Math.min(a, b);
}
