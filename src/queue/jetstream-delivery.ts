import type { JsMsg } from '@nats-io/jetstream';
import type { DeadLetterStream } from './jetstream-dead.js';
import type { Lease } from './jetstream-lease.js';
import { ID_HEADER, decodeHeader } from './jetstream-names.js';
import type { Delivery } from './types.js';

/**
 * A JetStream message as a Delivery. Acks are double acks (the server confirms them), so an acked
 * message is gone from the queue — and from `depth()` — once `ack()` resolves, as in SQLite. Nothing
 * is settled once the lease is no longer held (see Lease.held): like SQLite's lease token, a late
 * settle from a handler whose lease ran out changes nothing.
 */
export function createDelivery(msg: JsMsg, queue: string, lease: Lease, dead: DeadLetterStream): Delivery {
  const header = msg.headers?.get(ID_HEADER);
  // A message published by something other than Sluice has no id header: its stream sequence is unique.
  const id = header ? decodeHeader(header) : String(msg.seq);
  const attempt = msg.info.deliveryCount;
  const settle = async (done: () => Promise<void>): Promise<void> => {
    if (!lease.held) return;
    lease.end();
    await done();
  };
  return {
    id,
    queue,
    body: Buffer.from(msg.data),
    attempt,
    ack: () => settle(async () => void (await msg.ackAck())),
    nack: (delayMs) => settle(async () => msg.nak(delayMs)),
    inProgress: async () => {
      if (!lease.held) return;
      lease.extend();
      msg.working();
    },
    // Stored first, then acked: a crash in between leaves it both dead and queued (it runs again),
    // never in neither.
    deadLetter: (reason) =>
      settle(async () => {
        await dead.bury(queue, id, msg.data, attempt, reason);
        await msg.ackAck();
      }),
  };
}
