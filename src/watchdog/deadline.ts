import type { IncomingMessage } from 'node:http';
import { errors, type SluiceError } from '../api/index.js';
import type { CallSignal } from './call-signal.js';
import type { WatchdogConfig } from './config.js';
import { effectiveTimeout } from './timeout.js';

/** How long one call may run, and what to answer when it runs out. */
export interface CallDeadline {
  /** 0 = no limit. */
  readonly ms: number;
  readonly error: () => SluiceError;
}

/**
 * The deadline of a call: `exec_timeout` (shortened by `X-Timeout`) capped by `write_timeout`. The
 * classic watchdog (fork mode) answers it with `408 Killed process.`, every other mode with a 504.
 */
export function callDeadline(name: string, config: WatchdogConfig, xTimeout: string | string[] | undefined): CallDeadline {
  const ms = earliest(effectiveTimeout(config.execTimeoutMs, xTimeout), config.writeTimeoutMs);
  return { ms, error: config.mode === 'fork' ? errors.killedProcess : () => errors.upstreamTimeout(name, ms / 1000) };
}

/**
 * One timer per call for both limits: the body must arrive within `readMs` (else 408) and the whole
 * call finish within the deadline. Returns the timer, to clear when the call ends.
 */
export function armDeadline(req: IncomingMessage, signal: CallSignal, readMs: number, deadline: CallDeadline): NodeJS.Timeout | undefined {
  const started = Date.now();
  const deadlineMs = deadline.ms;
  const firstMs = earliest(req.complete ? 0 : readMs, deadlineMs);
  if (firstMs <= 0) return undefined;
  const fire = (): void => {
    const elapsed = Date.now() - started;
    if (readMs > 0 && !req.complete && elapsed >= readMs) return signal.abort(errors.requestTimeout(readMs / 1000));
    if (deadlineMs > 0 && elapsed >= deadlineMs) return signal.abort(deadline.error());
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
