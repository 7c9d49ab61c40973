import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeQueueRequest, type CallRecord } from '../api/index.js';
import { openSqliteBackend } from './sqlite-backend.js';
import { INLINE_BODY_LIMIT, enqueueCall, submitCall } from './submit.js';
import type { AsyncBackend, Delivery } from './types.js';

let dir: string;
let backend: AsyncBackend;

function newCall(callId: string, body: Buffer): Parameters<typeof submitCall>[1] {
  const record: CallRecord = { callId, function: 'fn', queue: 'q', status: 'queued', attempts: 0, timings: { queued: new Date().toISOString() } };
  const request = { Header: { 'X-Call-Id': [callId] }, Host: '', Method: 'POST', Path: '', QueryString: '', Function: 'fn', QueueName: 'q', SluiceCallId: callId };
  return { record, request, body };
}

/** The next message of queue `q`, acked. */
function nextMessage(): Promise<Delivery> {
  return new Promise((resolve) => {
    const sub = backend.queue.consume('q', { concurrency: 1 }, async (delivery) => {
      await delivery.ack();
      resolve(delivery);
      void sub.stop();
    });
  });
}

describe('submitCall', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-submit-'));
    backend = await openSqliteBackend(dir);
  });
  after(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a small body in the message', async () => {
    assert.equal(await submitCall(backend, newCall('small', Buffer.from('hi'))), 'small');
    const message = decodeQueueRequest((await nextMessage()).body);
    assert.equal(Buffer.from(message.Body, 'base64').toString(), 'hi');
    assert.equal(message.SluiceBodyRef, undefined);
    assert.equal((await backend.calls.get('small'))?.status, 'queued');
  });

  it('puts a body above the inline limit in the blob store, the message carrying its reference', async () => {
    const body = Buffer.alloc(INLINE_BODY_LIMIT + 1, 7);
    await submitCall(backend, newCall('large', body));
    const message = decodeQueueRequest((await nextMessage()).body);
    assert.equal(message.Body, '');
    assert.equal(message.SluiceBodyRef, 'large');
    assert.ok((await backend.blobs.get('large'))?.equals(body));
  });

  it('an idempotency key used before stores nothing and answers the first call', async () => {
    assert.equal(await submitCall(backend, { ...newCall('first', Buffer.from('a')), idempotencyKey: 'k' }), 'first');
    assert.equal(await submitCall(backend, { ...newCall('second', Buffer.from('b')), idempotencyKey: 'k' }), 'first');
    assert.equal(await backend.calls.get('second'), undefined);
    await nextMessage();
    assert.equal(await backend.queue.depth('q'), 0);
  });

  it('enqueueing a waiting call again keeps one message', async () => {
    const call = newCall('twice', Buffer.from('x'));
    await submitCall(backend, call);
    await enqueueCall(backend, 'q', call.request, call.body);
    assert.equal(await backend.queue.depth('q'), 1);
    await nextMessage();
  });
});
