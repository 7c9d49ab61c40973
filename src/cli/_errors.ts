import { CommanderError } from 'commander';
import { FINISHED, SluiceError, errors } from '../api/index.js';
import type { CallRecord } from '../api/index.js';

/**
 * Exit codes of `sluice` (also in src/cli/README.md):
 * 0 success · 1 the gateway or a function answered an error, or an async call failed · 2 usage error
 * (bad flags or arguments) · 3 gateway unreachable · 4 invalid stack file, template or build failure ·
 * 5 an async call has not finished yet (a wait ran out, or its result is not ready).
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  local: 4,
  unfinished: 5,
} as const;

/** A mistake in how the CLI was called (a bad argument or flag combination): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A non-2xx answer from the gateway's /system API or from a function. `code` is the gateway's
 * `ERR_…` code when the body carried one (Sluice gateways do; OpenFaaS ones answer plain text).
 */
export class GatewayAnswerError extends Error {
  override readonly name = 'GatewayAnswerError';
  readonly status: number;
  readonly code: string | undefined;

  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * An async call that did not end well, or not yet: exit 1 when it is finished (failed, dead,
 * cancelled, or finished without a result), exit 5 while it is still queued or running, so a script
 * can tell "try again later" from "it failed".
 */
export class CallStateError extends Error {
  override readonly name = 'CallStateError';
  readonly call: CallRecord;

  constructor(call: CallRecord, message: string) {
    super(message);
    this.call = call;
  }

  /** The call can change no more: waiting longer will not help. */
  get finished(): boolean {
    return FINISHED.has(this.call.status);
  }
}

/** Codes of errors raised on this side that mean "the user's files are wrong": exit 4. */
const LOCAL_CODES: ReadonlySet<string> = new Set([errors.stackInvalid.code, errors.templateNotFound.code, errors.buildFailed.code]);

/**
 * Codes of errors raised on this side that mean "the arguments are wrong" (`serve --port abc`
 * included): exit 2. The same codes from the gateway arrive as GatewayAnswerError, exit 1.
 */
const USAGE_CODES: ReadonlySet<string> = new Set([errors.invalidName.code, errors.badRequest.code, errors.configInvalid.code]);

/** Maps anything a command threw to the process exit code (see EXIT). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof GatewayAnswerError) return EXIT.failed;
  if (err instanceof CallStateError) return err.finished ? EXIT.failed : EXIT.unfinished;
  if (err instanceof SluiceError) {
    if (err.code === errors.gatewayUnreachable.code) return EXIT.unreachable;
    if (LOCAL_CODES.has(err.code)) return EXIT.local;
    if (USAGE_CODES.has(err.code)) return EXIT.usage;
  }
  return EXIT.failed;
}

/**
 * What to print for an error: one `Error: <message>` line, plus the stack and causes when
 * `SLUICE_DEBUG=1`. Commander errors print themselves, so they give ''.
 */
export function formatError(err: unknown, debug: boolean): string {
  if (err instanceof CommanderError) return '';
  const message = err instanceof Error ? err.message : String(err);
  let text = `Error: ${message}\n`;
  if (debug) {
    for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) text += `${cause.stack ?? cause.message}\n`;
  }
  return text;
}
