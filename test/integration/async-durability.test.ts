/**
 * Durability, measured rather than claimed: `sluice serve` is killed with SIGKILL while a client
 * submits 2,000 async calls with callbacks, then restarted on the same data. Every call that got a
 * 202 must complete and call back. Duplicates are allowed (at-least-once) only as a later attempt of
 * the same call: same X-Call-Id, higher X-Attempt. Run once per queue backend.
 */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { startReceiver, type ReceivedCallback } from '../callback-receiver.js';
import { cleanup, deploy, eventually, startSluice, tempDir, type SluiceNode } from '../harness.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';
import { freePort } from '../watchdog/_watchdog.js';

const TOTAL = 2000;
const CLIENTS = 50;
/** The kill comes once this many calls were accepted: mid-stream, with calls queued and running. */
const KILL_AFTER = 700;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Tally {
  accepted: number;
  lost: number;
  duplicates: number;
}

async function killAndRestart(t: TestContext, backendArgs: string[]): Promise<Tally> {
  const port = await freePort();
  const dataDir = await tempDir('sluice-durable-');
  const receiver = await startReceiver();
  const options = { dataDir, args: ['--port', String(port), ...backendArgs], env: { ack_wait: '2s', max_inflight: '20' } };
  let node: SluiceNode = await startSluice(options);
  await deploy(node, { service: 'echo', image: 'cat', envProcess: 'cat' });
  const base = `http://127.0.0.1:${port}`;

  // Clients send every call until it is accepted, each with its own X-Call-Id, as a careful client would.
  const accepted = new Set<string>();
  let next = 0;
  const submit = async (i: number): Promise<void> => {
    const headers = { 'x-call-id': `durable-${i}`, 'x-callback-url': `${receiver.url}/cb/${i}` };
    for (;;) {
      try {
        const res = await fetch(`${base}/async-function/echo`, { method: 'POST', body: `call ${i}`, headers });
        await res.arrayBuffer();
        if (res.status === 202) return void accepted.add(headers['x-call-id']);
      } catch {
        // Refused or reset while the gateway is down: not accepted, so send it again.
      }
      await sleep(50);
    }
  };
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (next < TOTAL) await submit(next++);
  });

  await eventually(() => accepted.size >= KILL_AFTER, 60_000, `${KILL_AFTER} accepted calls`);
  await node.kill();
  const acceptedBeforeKill = accepted.size;
  node = await startSluice(options);
  await Promise.all(clients);

  const ids = (): Set<string> => new Set(receiver.received.map((cb) => cb.headers['x-call-id'] as string));
  await eventually(() => ids().size >= accepted.size, 120_000, 'a callback for every accepted call').catch(() => undefined);
  const received = ids();
  const lost = [...accepted].filter((id) => !received.has(id));
  const byCall = new Map<string, ReceivedCallback[]>();
  for (const cb of receiver.received) byCall.set(cb.headers['x-call-id'] as string, [...(byCall.get(cb.headers['x-call-id'] as string) ?? []), cb]);
  const repeated = [...byCall.values()].filter((list) => list.length > 1);
  t.diagnostic(`accepted ${accepted.size} (${acceptedBeforeKill} before the kill), callbacks ${receiver.received.length}, lost ${lost.length}, duplicates ${receiver.received.length - byCall.size}`);

  assert.deepEqual(lost, [], 'calls that got a 202 and never called back');
  for (const list of repeated) {
    const attempts = list.map((cb) => Number(cb.headers['x-attempt']));
    assert.ok(attempts.every((a, i) => i === 0 || a > (attempts[i - 1] as number)), `a duplicate callback carries a higher X-Attempt: ${attempts}`);
  }
  for (const cb of receiver.received) {
    const i = (cb.headers['x-call-id'] as string).slice('durable-'.length);
    assert.equal(cb.body.toString(), `call ${i}`, 'each callback carries its own call\'s result');
  }
  await node.stop();
  await receiver.close();
  return { accepted: accepted.size, lost: lost.length, duplicates: receiver.received.length - byCall.size };
}

describe('async durability: kill -9 of sluice serve under load', () => {
  let nats: NatsServer | undefined;
  after(async () => {
    await cleanup();
    await nats?.stop();
  });

  it('sqlite: every accepted call completes and calls back', { timeout: 240_000 }, async (t) => {
    const tally = await killAndRestart(t, []);
    assert.equal(tally.accepted, TOTAL);
  });

  it('jetstream: every accepted call completes and calls back (NATS keeps running)', { timeout: 240_000 }, async (t) => {
    nats = await startNatsServer();
    const tally = await killAndRestart(t, ['--nats', nats.url]);
    assert.equal(tally.accepted, TOTAL);
  });
});
