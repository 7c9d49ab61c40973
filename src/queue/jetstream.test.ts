import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsServer } from '../../test/nats-server.js';
import { queueContract } from './contract.case.test.js';
import { JetStreamQueue } from './jetstream.js';
import { decodeToken, encodeToken } from './jetstream-names.js';
import type { AsyncQueue, Delivery } from './types.js';

// One server for the file; each open() gets a namespace of its own, so every test starts empty.
const server = await startNatsServer();
// The contract abandons some stores without closing them (a crash): close those before the server
// stops, or their connections would keep trying to reconnect, and the test process alive.
const everyOpened: JetStreamQueue[] = [];
after(async () => {
  await Promise.all(everyOpened.map((queue) => queue.close()));
  await server.stop();
});

let opened = 0;
const namespaces = new WeakMap<AsyncQueue, string>();

async function open(namespace = `t${++opened}`): Promise<JetStreamQueue> {
  const queue = await JetStreamQueue.connect(server.url, { namespace });
  namespaces.set(queue, namespace);
  everyOpened.push(queue);
  return queue;
}

queueContract('jetstream', { open: () => open(), reopen: (queue) => open(namespaces.get(queue)) });

describe('JetStreamQueue', () => {
  it('delivers once a message whose handler runs past its lease calling inProgress()', async () => {
    const q = await open();
    await q.enqueue('fn', 'long', Buffer.from('x'));
    const attempts: number[] = [];
    await new Promise<void>((resolve) => {
      const sub = q.consume('fn', { concurrency: 2, leaseMs: 300 }, async (d) => {
        attempts.push(d.attempt);
        for (let i = 0; i < 10; i++) {
          await sleep(100);
          await d.inProgress();
        }
        await d.ack();
        void sub.stop().then(resolve);
      });
    });
    assert.deepEqual(attempts, [1]);
    assert.equal(await q.depth('fn'), 0);
    await q.close();
  });

  it("keeps each consumer's own lease when the queue's durable has another ack_wait", async () => {
    const q = await open();
    // The first consumer makes the durable with a 200 ms ack_wait.
    await new Promise<void>((resolve) => {
      const sub = q.consume('fn', { concurrency: 1, leaseMs: 200 }, async () => {});
      void sleep(100).then(() => sub.stop()).then(resolve);
    });
    await q.enqueue('fn', 'slow', Buffer.from('x'));
    const seen: string[] = [];
    // A longer lease: 700 ms of work without inProgress() is not redelivered.
    await new Promise<void>((resolve) => {
      const sub = q.consume('fn', { concurrency: 2, leaseMs: 2_000 }, async (d) => {
        seen.push(`${d.id}#${d.attempt}`);
        await sleep(700);
        await d.ack();
        void sub.stop().then(resolve);
      });
    });
    assert.deepEqual(seen, ['slow#1']);
    await q.close();
  });

  it('hands a hung delivery back when a lease shorter than ack_wait runs out', async () => {
    const q = await open();
    // The durable keeps the 30 s ack_wait of the first consumer; the second asks for 150 ms.
    const first = q.consume('fn', { concurrency: 1 }, async () => {});
    await sleep(100);
    await first.stop();
    await q.enqueue('fn', 'hung', Buffer.from('x'));
    const seen: number[] = [];
    let release: () => void = () => {};
    const hung = new Promise<void>((resolve) => (release = resolve));
    const started = Date.now();
    await new Promise<void>((resolve) => {
      q.consume('fn', { concurrency: 2, leaseMs: 150 }, async (d: Delivery) => {
        seen.push(d.attempt);
        if (d.attempt === 1) return hung;
        await d.ack();
        resolve();
      });
    });
    assert.deepEqual(seen, [1, 2]);
    assert.ok(Date.now() - started < 5_000, 'redelivered after the lease, not after ack_wait');
    release();
    await q.close();
  });

  it('takes any queue name: dots, spaces, wildcards, Unicode', async () => {
    const q = await open();
    const names = ['faas-request', 'fn.with.dots', 'a b*>', 'é/ü', ''];
    for (const [i, name] of names.entries()) await q.enqueue(name, `id-${i}`, Buffer.from(name));
    for (const name of names) assert.equal(await q.depth(name), 1, name);
    for (const [i, name] of names.entries()) {
      const got = await new Promise<Delivery>((resolve) => {
        const sub = q.consume(name, { concurrency: 1 }, async (d) => {
          await d.deadLetter('test');
          void sub.stop().then(() => resolve(d));
        });
      });
      assert.deepEqual([got.id, got.queue, got.body.toString()], [`id-${i}`, name, name]);
    }
    assert.deepEqual((await q.deadLetters()).map((d) => d.queue), names);
    assert.deepEqual((await q.deadLetters('fn.with.dots')).map((d) => d.id), ['id-1']);
    await q.close();
  });

  it('encodes names one-to-one into subject tokens', () => {
    for (const value of ['', '_', 'a', 'a.b', 'a_2E', 'é', '*', '>', ' ', 'x-y', '🦀']) {
      const token = encodeToken(value);
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.equal(decodeToken(token), value);
    }
    assert.notEqual(encodeToken('a.b'), encodeToken('a_2Eb'));
  });
});
