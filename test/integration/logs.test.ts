/**
 * `GET /system/logs` (issue 7, reference §7): every replica's output kept per function, streamed as
 * NDJSON with the reference's keys; tail, since, instance and follow; 422 for a query it cannot
 * parse; kept across a restart of the gateway (the file), and beyond the in-memory ring.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogMessage } from '../../src/api/index.js';
import { cleanup, deployNodeTs, eventually, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

/** Logs `got: BODY`; ?lines=N logs N numbered lines instead. */
const TALKER = `export default async (event: { body: string; query: Record<string, string> }) => {
  const n = Number(event.query.lines ?? 0);
  if (n) for (let i = 1; i <= n; i++) console.log('line ' + i);
  else console.log('got: ' + event.body);
  return 'ok';
};
`;

async function logs(node: SluiceNode, query: string): Promise<LogMessage[]> {
  const res = await fetch(`${node.url}/system/logs?${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogMessage);
}

const say = async (node: SluiceNode, body: string, query = ''): Promise<void> => {
  const res = await fetch(`${node.url}/function/talker${query}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  assert.equal(res.status, 200);
};

/** The function's own lines (a replica may print others at start). */
const texts = (messages: LogMessage[]): string[] => messages.map((m) => m.text).filter((t) => t.startsWith('got: ') || t.startsWith('line '));

describe('GET /system/logs', () => {
  let node: SluiceNode;
  let dataDir: string;
  before(async () => {
    dataDir = await tempDir('sluice-logs-');
    node = await startSluice({ dataDir });
    await deployNodeTs(node, 'talker', TALKER);
    await waitAvailable(node, 'talker');
    await say(node, 'a');
    await say(node, 'b');
    await eventually(async () => texts(await logs(node, 'name=talker')).length === 2, 5_000, 'two lines kept');
  });
  after(cleanup);

  it("streams the kept lines oldest first, with the reference's keys", async () => {
    const messages = (await logs(node, 'name=talker')).filter((m) => m.text.startsWith('got: '));
    assert.deepEqual(texts(messages), ['got: a', 'got: b']);
    for (const m of messages) {
      assert.deepEqual(Object.keys(m), ['name', 'namespace', 'instance', 'timestamp', 'text']);
      assert.equal(m.name, 'talker');
      assert.equal(m.namespace, 'openfaas-fn');
      assert.match(m.instance, /^talker-[0-9a-f]{8}$/);
      assert.ok(!Number.isNaN(Date.parse(m.timestamp)));
    }
  });

  it('answers tail, since and instance', async () => {
    const all = (await logs(node, 'name=talker')).filter((m) => m.text.startsWith('got: '));
    const [first, second] = all as [LogMessage, LogMessage];
    assert.deepEqual(texts(await logs(node, 'name=talker&tail=1')), ['got: b']);
    assert.deepEqual(texts(await logs(node, 'name=talker&tail=0')).slice(-2), ['got: a', 'got: b'], 'tail 0: all');
    assert.deepEqual(texts(await logs(node, `name=talker&since=${encodeURIComponent(second.timestamp)}`)), ['got: b']);
    assert.deepEqual(texts(await logs(node, `name=talker&instance=${first.instance}&namespace=openfaas-fn`)), ['got: a', 'got: b']);
    assert.deepEqual(await logs(node, 'name=talker&instance=talker-00000000'), []);
    assert.deepEqual(texts(await logs(node, 'name=talker&tail=x&tail=1')), ['got: b'], 'the last of a repeated key wins');
  });

  it('follows: new lines come as they are printed, after the kept ones', async () => {
    const abort = new AbortController();
    const res = await fetch(`${node.url}/system/logs?name=talker&follow=true&tail=1`, { signal: abort.signal });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let got = '';
    const until = async (text: string): Promise<void> => {
      while (!got.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before "${text}": ${got}`);
        got += Buffer.from(value).toString();
      }
    };
    await until('"got: b"');
    await say(node, 'c');
    await until('"got: c"');
    abort.abort();
    assert.deepEqual(texts(got.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogMessage)), ['got: b', 'got: c']);
  });

  it('answers 422 naming the parameter it cannot parse, and 404 for a function it never saw', async () => {
    for (const [query, pattern] of [
      ['', /name is required/],
      ['name=talker&tail=x', /tail=x is not a whole number/],
      ['name=talker&since=yesterday', /since=yesterday is not an RFC 3339 time/],
      ['name=talker&follow=maybe', /follow=maybe is not true or false/],
    ] as const) {
      const res = await fetch(`${node.url}/system/logs?${query}`);
      assert.equal(res.status, 422, query);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(body.code, 'ERR_LOG_QUERY_INVALID');
      assert.match(body.message, /^could not parse the log request: /);
      assert.match(body.message, pattern);
    }
    assert.equal((await fetch(`${node.url}/system/logs?name=nope`)).status, 404);
    assert.equal((await fetch(`${node.url}/system/logs?name=talker&namespace=other`)).status, 400);
  });

  it('keeps more than the in-memory ring: all lines from the file, the last ones by tail', async () => {
    await say(node, '', '?lines=1500');
    const last = await eventually(async () => {
      const got = texts(await logs(node, 'name=talker&tail=3'));
      return got.at(-1) === 'line 1500' && got;
    }, 10_000, 'line 1500 kept');
    assert.deepEqual(last, ['line 1498', 'line 1499', 'line 1500']);
    const all = texts(await logs(node, 'name=talker'));
    assert.deepEqual(all.slice(0, 3), ['got: a', 'got: b', 'got: c'], 'the oldest lines, read from the file');
    assert.equal(all.length, 1503);
  });

  it('keeps the lines across a restart of the gateway', async () => {
    await node.stop();
    node = await startSluice({ dataDir });
    const kept = texts(await logs(node, 'name=talker&tail=2'));
    assert.deepEqual(kept, ['line 1499', 'line 1500']);
    assert.deepEqual(texts(await logs(node, 'name=talker')).slice(0, 2), ['got: a', 'got: b']);
  });
});
