import { FINISHED } from '../api/index.js';
import type { CallRecord } from '../api/index.js';
import type { GatewayClient, InvokeResponse } from './_client.js';
import { CallStateError } from './_errors.js';

/**
 * How long one long-poll asks the gateway to hold its answer. Well under the gateway's 5m cap and
 * the idle timeouts of proxies in between; a longer wait is a loop of these.
 */
export const POLL_MS = 30_000;

/** How a wait ends and what it reports on the way. */
export interface WaitOptions {
  /** Give up after this long (ms); left out, wait until the call finishes. */
  timeoutMs?: number;
  /** Called with the record each time the call is seen in a new status (for progress lines). */
  onStatus?: (record: CallRecord) => void;
}

/**
 * Long-polls `GET /system/calls/{id}?wait=` until the call is finished or the timeout is over, and
 * returns the last record seen (finished or not: the caller decides what an unfinished one means).
 * @example const record = await waitForCall(client, id, { timeoutMs: 300_000 })
 */
export async function waitForCall(client: GatewayClient, callId: string, opts: WaitOptions = {}): Promise<CallRecord> {
  const until = deadline(opts.timeoutMs);
  const seen = statusWatcher(opts.onStatus);
  for (;;) {
    const record = await client.getCall(callId, pollMs(until));
    seen(record);
    if (FINISHED.has(record.status) || Date.now() >= until) return record;
  }
}

/**
 * Long-polls `GET /system/calls/{id}/result?wait=` until the call's response is stored, and returns
 * it whatever its status. A finished call without a result (cancelled, expired) and a timeout raise
 * CallStateError (exit 1 and exit 5).
 */
export async function waitForResult(client: GatewayClient, callId: string, opts: WaitOptions = {}): Promise<InvokeResponse> {
  const until = deadline(opts.timeoutMs);
  const seen = statusWatcher(opts.onStatus);
  for (;;) {
    const answer = await client.callResult(callId, pollMs(until));
    if (answer.ready) return answer;
    // "Not ready" looks the same for a call still running and one that ended without a result
    // (cancelled): the record tells them apart.
    const record = await client.getCall(callId);
    seen(record);
    if (FINISHED.has(record.status)) {
      // It may have finished between the two requests.
      const last = await client.callResult(callId);
      if (last.ready) return last;
      throw new CallStateError(record, noResult(record));
    }
    if (Date.now() >= until) throw new CallStateError(record, notReady(record));
  }
}

/**
 * Why a call ended as it did, as one error line with what to do next; for an unfinished call, that
 * it is still going.
 */
export function outcomeOf(record: CallRecord): string {
  const id = record.callId;
  const detail = record.error ? `: ${record.error}` : '';
  switch (record.status) {
    case 'succeeded':
      return `call ${id} succeeded (${record.statusCode ?? 200})`;
    case 'failed':
      return `call ${id} failed: the function answered ${record.statusCode ?? 'no status'}${detail}; see its answer with \`sluice calls result ${id}\``;
    case 'dead':
      return `call ${id} is dead${detail || `: the last attempt answered ${record.statusCode ?? 'no status'}`}; retry it with \`sluice calls redrive --function ${record.function}\``;
    case 'cancelled':
      return `call ${id} was cancelled before it ran`;
    default:
      return notReady(record);
  }
}

// --- internal ---

function deadline(timeoutMs: number | undefined): number {
  return timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
}

/** The next long-poll's length: POLL_MS, or what is left of the wait. */
function pollMs(until: number): number {
  return Math.max(0, Math.min(POLL_MS, until - Date.now()));
}

function statusWatcher(onStatus: WaitOptions['onStatus']): (record: CallRecord) => void {
  let last: string | undefined;
  return function seen(record) {
    const key = `${record.status}/${record.attempts}`;
    if (key !== last) onStatus?.(record);
    last = key;
  };
}

function noResult(record: CallRecord): string {
  if (record.status === 'cancelled') return `call ${record.callId} was cancelled before it ran: it has no result`;
  return `call ${record.callId} is ${record.status} but the gateway holds no result for it (results are kept for result_ttl)${record.error ? `: ${record.error}` : ''}`;
}

function notReady(record: CallRecord): string {
  const attempt = record.attempts > 0 ? ` (attempt ${record.attempts})` : '';
  return `call ${record.callId} is still ${record.status}${attempt} and has no result yet: wait for it with \`sluice calls wait ${record.callId}\``;
}
