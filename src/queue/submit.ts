import { encodeQueueRequest, errors, type CallRecord, type QueueRequest } from '../api/index.js';
import type { AsyncBackend } from './types.js';

/** Bodies above this go to the blob store; the message carries a reference (architecture §4). */
export const INLINE_BODY_LIMIT = 512 * 1024;

/** A call to store: its record (which names its queue), its message (without the body), and the body. */
export interface NewCall {
  readonly record: CallRecord;
  /** `Body` and `SluiceBodyRef` are set by submitCall. */
  readonly request: Omit<QueueRequest, 'Body' | 'SluiceBodyRef'>;
  readonly body: Buffer;
  readonly idempotencyKey?: string;
}

/** The record of a call just accepted: queued, never run, its callback (if any) still to post. */
export function queuedRecord(callId: string, name: string, queue: string, callbackUrl: string | undefined): CallRecord {
  return {
    callId,
    function: name,
    queue,
    status: 'queued',
    attempts: 0,
    timings: { queued: new Date().toISOString() },
    ...(callbackUrl ? { callback: { url: callbackUrl, status: 'pending', attempts: 0 } } : {}),
  };
}

/**
 * Stores a new async call: its record, its body (in the message, or in the blob store when large),
 * then its message. Returns the id of the call accepted: an idempotency key already used returns the
 * first call's id and stores nothing. When the message cannot be stored the record goes too, and
 * ERR_QUEUE_UNAVAILABLE says nothing was accepted.
 */
export async function submitCall(backend: AsyncBackend, call: NewCall): Promise<string> {
  const { record, body } = call;
  const acceptedId = await backend.calls.create(record, call.idempotencyKey);
  if (acceptedId !== record.callId) return acceptedId;
  try {
    await enqueueCall(backend, record.queue, call.request, body);
  } catch (err) {
    await backend.calls.remove(record.callId).catch(() => {});
    throw Object.assign(errors.queueUnavailable((err as Error).message), { cause: err });
  }
  return acceptedId;
}

/**
 * Stores the message of a call whose record exists (again, after a crash between the two: the queue
 * keeps one message per id). The body goes first, so a message never points at a missing blob.
 */
export async function enqueueCall(backend: AsyncBackend, queue: string, request: Omit<QueueRequest, 'Body' | 'SluiceBodyRef'>, body: Buffer): Promise<void> {
  const large = body.length > INLINE_BODY_LIMIT;
  const message: QueueRequest = { ...request, Body: large ? '' : body.toString('base64'), ...(large ? { SluiceBodyRef: request.SluiceCallId } : {}) };
  if (large) await backend.blobs.put(request.SluiceCallId, body);
  await backend.queue.enqueue(queue, request.SluiceCallId, encodeQueueRequest(message));
}
