/**
 * The one contract every CallStore passes (sqlite, JetStream KV). A backend's test file calls
 * `callStoreContract` with how to open a store, and to open the same store again (a restart).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallRecord } from '../api/index.js';
import type { CallStore } from './types.js';

export interface CallStoreTarget {
  open(): Promise<CallStore>;
  reopen(store: CallStore): Promise<CallStore>;
}

let serial = 0;
function record(fields: Partial<CallRecord> = {}): CallRecord {
  serial++;
  return {
    callId: `call-${serial}-${Math.random().toString(36).slice(2)}`,
    function: 'fn',
    queue: 'fn',
    status: 'queued',
    attempts: 0,
    timings: { queued: new Date(Date.now() + serial).toISOString() },
    ...fields,
  };
}

export function callStoreContract(name: string, target: CallStoreTarget): void {
  describe(`CallStore contract: ${name}`, () => {
    it('stores a record and reads it back, across a reopen', async () => {
      const store = await target.open();
      const first = record({ callback: { url: 'http://127.0.0.1:1/cb', status: 'pending', attempts: 0 } });
      assert.equal(await store.create(first), first.callId);
      assert.deepEqual(await store.get(first.callId), first);
      assert.equal(await store.get('no-such-call'), undefined);
      const again = await target.reopen(store);
      assert.deepEqual(await again.get(first.callId), first);
      await again.close();
    });

    it('an idempotency key maps to the first call; another key makes a new one', async () => {
      const store = await target.open();
      const a = record();
      const b = record();
      const c = record();
      assert.equal(await store.create(a, 'key-1'), a.callId);
      assert.equal(await store.create(b, 'key-1'), a.callId, 'same key → first call');
      assert.equal(await store.get(b.callId), undefined, 'nothing stored for the repeat');
      assert.equal(await store.create(c, 'key-2'), c.callId);
      await store.close();
    });

    it('creating a call id that exists already keeps the first record', async () => {
      const store = await target.open();
      const first = record();
      await store.create(first);
      assert.equal(await store.create({ ...first, function: 'other' }), first.callId);
      assert.equal((await store.get(first.callId))?.function, 'fn');
      await store.close();
    });

    it('put replaces a record; transition applies only from the given statuses', async () => {
      const store = await target.open();
      const r = record();
      await store.create(r);
      await store.put({ ...r, attempts: 2 });
      assert.equal((await store.get(r.callId))?.attempts, 2);
      const running = await store.transition(r.callId, ['queued'], (cur) => ({ ...cur, status: 'running' }));
      assert.equal(running?.status, 'running');
      assert.equal(await store.transition(r.callId, ['queued'], (cur) => ({ ...cur, status: 'cancelled' })), undefined);
      assert.equal((await store.get(r.callId))?.status, 'running');
      assert.equal(await store.transition('missing', ['queued'], (cur) => cur), undefined);
      await store.close();
    });

    it('lists newest first, filtered by function and status, up to a limit', async () => {
      const store = await target.open();
      const made: CallRecord[] = [];
      for (let i = 0; i < 6; i++) {
        const r = record({ function: i % 2 ? 'odd' : 'even', status: i < 4 ? 'succeeded' : 'queued' });
        made.push(r);
        await store.create(r);
      }
      assert.deepEqual((await store.list({ function: 'odd' })).map((r) => r.callId), [made[5], made[3], made[1]].map((r) => r?.callId));
      assert.deepEqual((await store.list({ status: 'queued' })).map((r) => r.callId), [made[5], made[4]].map((r) => r?.callId));
      assert.equal((await store.list({ limit: 2 })).length, 2);
      assert.deepEqual((await store.list({ function: 'even', status: 'succeeded', limit: 1 })).map((r) => r.callId), [made[2]?.callId]);
      await store.close();
    });

    it('lists the steps of a workflow call by parent, not a call whose id only looks like a step', async () => {
      const store = await target.open();
      const parent = record();
      const steps = [0, 1, 2].map((i) => record({ callId: `${parent.callId}.${i}`, parentCallId: parent.callId }));
      const lookalike = record({ callId: `${parent.callId}.9` });
      const other = record({ callId: `${parent.callId}x.0`, parentCallId: `${parent.callId}x` });
      for (const r of [parent, ...steps, lookalike, other]) await store.create(r);
      assert.deepEqual(
        (await store.list({ parent: parent.callId })).map((r) => r.callId),
        steps.map((r) => r.callId).reverse(),
      );
      assert.deepEqual(await store.list({ parent: steps[0]?.callId as string }), []);
      await store.close();
    });

    it('keeps results byte-exact, large ones too', async () => {
      const store = await target.open();
      const r = record();
      await store.create(r);
      const body = Buffer.alloc(3 * 1024 * 1024 + 7, 0);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 255;
      await store.putResult(r.callId, { status: 201, headers: { 'content-type': 'application/octet-stream', 'x-a': 'b' }, body });
      const got = await store.getResult(r.callId);
      assert.equal(got?.status, 201);
      assert.deepEqual(got?.headers, { 'content-type': 'application/octet-stream', 'x-a': 'b' });
      assert.ok(got?.body.equals(body));
      assert.equal(await store.getResult('missing'), undefined);
      await store.close();
    });

    it('remove forgets a call and frees its idempotency key', async () => {
      const store = await target.open();
      const r = record();
      await store.create(r, 'key-r');
      await store.remove(r.callId);
      assert.equal(await store.get(r.callId), undefined);
      const next = record();
      assert.equal(await store.create(next, 'key-r'), next.callId);
      await store.close();
    });

    it('prune deletes finished calls older than the cut-off, and their results, but no running call', async () => {
      const store = await target.open();
      const long = new Date(Date.now() - 60_000).toISOString();
      const oldDone = record({ status: 'succeeded', timings: { queued: long, finished: long } });
      const oldRunning = record({ status: 'running', timings: { queued: long, started: long } });
      const fresh = record({ status: 'succeeded', timings: { queued: new Date().toISOString(), finished: new Date().toISOString() } });
      for (const r of [oldDone, oldRunning, fresh]) await store.create(r);
      await store.putResult(oldDone.callId, { status: 200, headers: {}, body: Buffer.from('x') });
      await store.prune(Date.now() - 30_000);
      assert.equal(await store.get(oldDone.callId), undefined);
      assert.equal(await store.getResult(oldDone.callId), undefined);
      assert.ok(await store.get(oldRunning.callId));
      assert.ok(await store.get(fresh.callId));
      await store.close();
    });
  });
}
