import { FINISHED } from '../../api/index.js';
import type { CallRecord } from '../../api/index.js';
import { clientFor } from '../_context.js';
import type { CliContext } from '../_context.js';
import { CallStateError } from '../_errors.js';
import { outcomeOf, waitForCall, waitForResult } from '../_wait.js';
import { formatCallRecord, formatSeconds } from './calls-format.js';
import { writeFunctionAnswer } from './invoke.js';

/** Flags of `sluice calls wait`. */
export type CallsWaitOptions = {
  /** Milliseconds. @default 300000 (5m) */
  timeout: number;
  json?: boolean;
};

/** Flags of `sluice calls result`. */
export type CallsResultOptions = {
  /** Milliseconds to wait for the call to finish; left out, ask once. */
  wait?: number;
};

/**
 * Runs `sluice calls wait`: prints the final record (or the last one seen), then exits 0 when the
 * call succeeded, 1 when it failed, died or was cancelled, 5 when it is still going at the timeout.
 */
export async function runCallsWait(callId: string, opts: CallsWaitOptions, ctx: CliContext): Promise<void> {
  const client = await clientFor(ctx);
  ctx.out.progress(`Waiting up to ${formatSeconds(opts.timeout / 1000)} for call ${callId}…`);
  const record = await waitForCall(client, callId, { timeoutMs: opts.timeout, onStatus: (r) => ctx.out.progress(`Call ${r.callId}: ${r.status}`) });
  if (opts.json) ctx.out.json(record);
  else ctx.out.text(formatCallRecord(record));
  if (record.status === 'succeeded') return;
  if (FINISHED.has(record.status)) throw new CallStateError(record, outcomeOf(record));
  throw new CallStateError(
    record,
    `call ${callId} is still ${record.status} after ${formatSeconds(opts.timeout / 1000)}: wait longer with --timeout, or look again later with \`sluice calls get ${callId}\``,
  );
}

/**
 * Runs `sluice calls result`: the function's stored body byte for byte when its status is 2xx; any
 * other status is exit 1 quoting it; no result yet is exit 5, none ever (cancelled) exit 1.
 */
export async function runCallsResult(callId: string, opts: CallsResultOptions, ctx: CliContext): Promise<void> {
  const client = await clientFor(ctx);
  const progress = opts.wait ? { onStatus: (r: CallRecord) => ctx.out.progress(`Call ${r.callId}: ${r.status}`) } : {};
  const result = await waitForResult(client, callId, { timeoutMs: opts.wait ?? 0, ...progress });
  writeFunctionAnswer(result, ctx);
}
