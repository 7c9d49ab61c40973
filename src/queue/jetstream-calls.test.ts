import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNatsServer } from '../../test/nats-server.js';
import type { CallRecord } from '../api/index.js';
import { callStoreContract } from './calls.case.test.js';
import { openJetStreamBackend } from './jetstream-backend.js';
import { KvCallStore } from './jetstream-calls.js';
import type { CallStore } from './types.js';

// One server for the file; each open() gets a namespace of its own, so every test starts empty.
const server = await startNatsServer();
// The contract abandons some stores without closing them (a crash): close those before the server
// stops, or their connections would keep trying to reconnect, and the test process alive.
const everyOpened: KvCallStore[] = [];
after(async () => {
  await Promise.all(everyOpened.map((store) => store.close()));
  await server.stop();
});

let opened = 0;
const namespaces = new WeakMap<CallStore, string>();

async function open(namespace = `c${++opened}`): Promise<KvCallStore> {
  const store = await KvCallStore.connect(server.url, { namespace });
  namespaces.set(store, namespace);
  everyOpened.push(store);
  return store;
}

callStoreContract('jetstream', { open: () => open(), reopen: (store) => open(namespaces.get(store)) });

const record = (callId: string): CallRecord => ({ callId, function: 'fn', queue: 'fn', status: 'queued', attempts: 0, timings: { queued: new Date().toISOString() } });

describe('KvCallStore', () => {
  it('gives one idempotency key to one call when two nodes create at once', async () => {
    const a = await open();
    const b = await open(namespaces.get(a));
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).create(record(`race-${i}`), 'same-key')));
    assert.equal(new Set(ids).size, 1);
    const winner = ids[0] as string;
    assert.deepEqual((await a.list({})).map((r) => r.callId), [winner]);
    await Promise.all([a.close(), b.close()]);
  });

  it('applies each of many concurrent transitions exactly once', async () => {
    const a = await open();
    const b = await open(namespaces.get(a));
    await a.create(record('counted'));
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).transition('counted', ['queued'], (r) => ({ ...r, attempts: r.attempts + 1 }))));
    assert.equal((await a.get('counted'))?.attempts, 10);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps call ids that are not valid subjects, and results of 32 MiB, byte-exact', async () => {
    const store = await open();
    const id = 'a.b *>/é';
    await store.create(record(id));
    assert.equal((await store.get(id))?.callId, id);
    const body = Buffer.alloc(32 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i * 2654435761 >>> 0, i);
    await store.putResult(id, { status: 200, headers: { 'content-type': 'application/octet-stream' }, body });
    assert.ok((await store.getResult(id))?.body.equals(body));
    // Overwritten by a small one: the small one is what reads back, and remove() leaves nothing.
    await store.putResult(id, { status: 500, headers: {}, body: Buffer.from('small') });
    assert.equal((await store.getResult(id))?.body.toString(), 'small');
    await store.remove(id);
    assert.equal(await store.getResult(id), undefined);
    await store.close();
  });
});

describe('openJetStreamBackend', () => {
  it('opens from several nodes at once, and its blob store keeps blobs byte-exact', async () => {
    const [one, two] = await Promise.all([openJetStreamBackend(server.url, { namespace: 'backend' }), openJetStreamBackend(server.url, { namespace: 'backend' })]);
    assert.equal(one?.kind, 'jetstream');
    const blob = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7) & 255));
    await one?.blobs.put('call-1/body', blob);
    assert.ok((await two?.blobs.get('call-1/body'))?.equals(blob));
    await two?.blobs.delete('call-1/body');
    assert.equal(await one?.blobs.get('call-1/body'), undefined);
    await one?.queue.enqueue('fn', 'x', Buffer.from('shared'));
    assert.equal(await two?.queue.depth('fn'), 1);
    await Promise.all([one?.close(), two?.close()]);
  });
});
