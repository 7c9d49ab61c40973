import type { Delivery, Subscription } from './types.js';

/**
 * Runs a consumer's handler on one delivery, as every backend does: a delivery the handler leaves
 * unsettled is acked, one it throws on is retried at once. A failure to settle goes to `onError`
 * (the message then comes back when its lease runs out).
 */
export async function runHandler(handler: (delivery: Delivery) => Promise<void>, delivery: Delivery, onError: (err: unknown) => void): Promise<void> {
  let settled = false;
  const settle = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A): Promise<void> => {
    settled = true;
    return fn(...args);
  };
  const tracked: Delivery = { ...delivery, ack: settle(delivery.ack), nack: settle(delivery.nack), deadLetter: settle(delivery.deadLetter) };
  try {
    await handler(tracked);
  } catch {
    if (!settled) await delivery.nack(0).catch(onError);
    return;
  }
  if (!settled) await delivery.ack().catch(onError);
}

/**
 * The Subscription handed to a caller: kept in `running` until its handlers are done, so the
 * backend's close() waits for them too.
 */
export function tracked(running: Set<Subscription>, subscription: Subscription): Subscription {
  running.add(subscription);
  return {
    stop: async () => {
      await subscription.stop();
      running.delete(subscription);
    },
  };
}
