/**
 * The one contract every AsyncQueue backend passes (style rule: one suite per interface, as hono's
 * router tests). A backend's test file calls `queueContract` with how to open its store; `reopen`
 * opens the same store again, to prove durability across a restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AsyncQueue, Delivery } from './types.js';

export interface ContractTarget {
  /** A new, empty store. */
  open(): Promise<AsyncQueue>;
  /** The store `queue` uses, opened again by a second instance while the first is abandoned (a crash). */
  reopen(queue: AsyncQueue): Promise<AsyncQueue>;
}

/** Resolves with the first `count` deliveries of `queue`, each settled by `settle` (ack by default). */
function collect(q: AsyncQueue, queue: string, count: number, settle: (d: Delivery) => Promise<void> = (d) => d.ack(), concurrency = 4): Promise<Delivery[]> {
  return new Promise((resolve) => {
    const seen: Delivery[] = [];
    const sub = q.consume(queue, { concurrency }, async (delivery) => {
      seen.push(delivery);
      await settle(delivery);
      if (seen.length === count) void sub.stop().then(() => resolve(seen));
    });
  });
}

const text = (d: { body: Buffer }): string => d.body.toString();

/** A promise the test settles when it wants: a handler that hangs until then. */
function hold(): { promise: Promise<void>; release: () => void } {
  let release: () => void = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function queueContract(name: string, target: ContractTarget): void {
  describe(`AsyncQueue contract: ${name}`, () => {
    it('delivers what was enqueued, oldest first, attempt 1, and an ack removes it', async () => {
      const q = await target.open();
      for (let i = 0; i < 5; i++) await q.enqueue('fn', `id-${i}`, Buffer.from(`body ${i}`));
      const got = await collect(q, 'fn', 5, (d) => d.ack(), 1);
      assert.deepEqual(got.map(text), ['body 0', 'body 1', 'body 2', 'body 3', 'body 4']);
      assert.deepEqual(got.map((d) => [d.id, d.queue, d.attempt]), [0, 1, 2, 3, 4].map((i) => [`id-${i}`, 'fn', 1]));
      assert.equal(await q.depth('fn'), 0);
      await q.close();
    });

    it('keeps queues apart and binary bodies byte-exact', async () => {
      const q = await target.open();
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await Promise.all([q.enqueue('a', '1', bytes), q.enqueue('b', '2', Buffer.from('for b'))]);
      const [fromA] = await collect(q, 'a', 1);
      assert.ok(fromA?.body.equals(bytes));
      assert.equal(await q.depth('b'), 1, 'a consumer of a does not take b');
      await q.close();
    });

    it('stores the same id once', async () => {
      const q = await target.open();
      await Promise.all([q.enqueue('fn', 'same', Buffer.from('first')), q.enqueue('fn', 'same', Buffer.from('second'))]);
      await q.enqueue('fn', 'same', Buffer.from('third'));
      assert.equal(await q.depth('fn'), 1);
      assert.deepEqual((await collect(q, 'fn', 1)).map(text), ['first']);
      await q.close();
    });

    it('never runs more than `concurrency` handlers at once', async () => {
      const q = await target.open();
      await Promise.all(Array.from({ length: 12 }, (_, i) => q.enqueue('fn', `c-${i}`, Buffer.from('x'))));
      let running = 0;
      let most = 0;
      await collect(q, 'fn', 12, async (d) => {
        most = Math.max(most, ++running);
        await sleep(20);
        running--;
        await d.ack();
      }, 3);
      assert.equal(most, 3);
      await q.close();
    });

    it('delivers a nacked message again after its delay, with the next attempt number', async () => {
      const q = await target.open();
      await q.enqueue('fn', 'retry-me', Buffer.from('x'));
      const started = Date.now();
      const got = await collect(q, 'fn', 3, (d) => (d.attempt < 3 ? d.nack(150) : d.ack()));
      assert.deepEqual(got.map((d) => d.attempt), [1, 2, 3]);
      assert.ok(Date.now() - started >= 280, 'two 150 ms delays were waited');
      await q.close();
    });

    it('a handler that throws gets the message again; one that returns without settling acks it', async () => {
      const q = await target.open();
      await q.enqueue('fn', 'boom', Buffer.from('x'));
      const got = await collect(q, 'fn', 2, async (d) => {
        if (d.attempt === 1) throw new Error('handler failed');
      });
      assert.deepEqual(got.map((d) => d.attempt), [1, 2]);
      await sleep(150);
      assert.equal(await q.depth('fn'), 0);
      await q.close();
    });

    it('redelivers when a lease runs out, and inProgress() keeps a long run from being redelivered', async () => {
      const q = await target.open();
      await q.enqueue('fn', 'slow', Buffer.from('x'));
      await q.enqueue('fn', 'lost', Buffer.from('y'));
      const attempts: string[] = [];
      const hung = hold();
      await new Promise<void>((resolve) => {
        q.consume('fn', { concurrency: 2, leaseMs: 200 }, async (d) => {
          attempts.push(`${d.id}#${d.attempt}`);
          if (d.id === 'slow') {
            for (let i = 0; i < 5; i++) {
              await sleep(100);
              await d.inProgress();
            }
            return d.ack();
          }
          if (d.attempt === 1) return hung.promise; // a handler that hangs: its lease must run out
          await d.ack();
          resolve();
        });
      });
      await sleep(200);
      assert.deepEqual(attempts.sort(), ['lost#1', 'lost#2', 'slow#1']);
      hung.release();
      await q.close();
    });

    it('dead-letters a message for good, lists it, and redrives it as new', async () => {
      const q = await target.open();
      await q.enqueue('fn', 'doomed', Buffer.from('x'));
      await collect(q, 'fn', 1, (d) => d.deadLetter('502 after 3 attempts'));
      assert.equal(await q.depth('fn'), 0);
      const [dead] = await q.deadLetters('fn');
      assert.deepEqual(dead && [dead.id, dead.queue, dead.attempts, dead.reason, dead && text(dead)], ['doomed', 'fn', 1, '502 after 3 attempts', 'x']);
      assert.deepEqual(await q.deadLetters('other'), []);
      assert.equal(await q.redrive(['doomed', 'unknown']), 1);
      const [again] = await collect(q, 'fn', 1);
      assert.deepEqual([again?.id, again?.attempt], ['doomed', 1]);
      assert.deepEqual(await q.deadLetters(), []);
      await q.close();
    });

    it('keeps what it accepted across a restart, including a message that was running', async () => {
      const q = await target.open();
      await q.enqueue('fn', 'running', Buffer.from('running'));
      await q.enqueue('fn', 'waiting', Buffer.from('waiting'));
      const hung = hold();
      // The oldest is claimed with a short lease and never settled: the gateway "dies" mid-call,
      // and a new one opens the same store.
      await new Promise<void>((resolve) => {
        const sub = q.consume('fn', { concurrency: 1, leaseMs: 100 }, async () => {
          void sub.stop();
          resolve();
          return hung.promise;
        });
      });
      const again = await target.reopen(q);
      const got = await collect(again, 'fn', 2);
      assert.deepEqual(got.map((d) => `${d.id}#${d.attempt}`).sort(), ['running#2', 'waiting#1']);
      await again.close();
      hung.release();
      await q.close();
    });

    it('stop() lets running handlers finish and takes no more messages', async () => {
      const q = await target.open();
      await q.enqueue('fn', 'one', Buffer.from('1'));
      await q.enqueue('fn', 'two', Buffer.from('2'));
      let finished = 0;
      let started = 0;
      const first = new Promise<void>((resolve) => {
        const sub = q.consume('fn', { concurrency: 1 }, async (d) => {
          started++;
          void sub.stop().then(resolve);
          await sleep(100);
          finished++;
          await d.ack();
        });
      });
      await first;
      assert.deepEqual([started, finished], [1, 1]);
      assert.equal(await q.depth('fn'), 1);
      await q.close();
    });
  });
}
