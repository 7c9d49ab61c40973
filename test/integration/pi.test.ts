/** The article's pi function, shipped in functions/ and deployed by `npm start` (serve --stack). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, cleanup, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

const FORTY = '3.141592653589793238462643383279502884197';
let node: SluiceNode;
const pi = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${node.url}/function/pi`, { method: 'POST', body, headers: { 'content-type': 'text/plain', ...headers } });

describe('the pi function (functions/pi) through the gateway', () => {
  before(async () => {
    node = await startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')] });
    await waitAvailable(node, 'pi');
  });
  after(cleanup);

  it("answers the article's request byte for byte: printf \"40\\n\\n\"", async () => {
    const res = await pi('40\n\n');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `40 ${FORTY}\n`);
  });

  it('gives 5,000 digits', async () => {
    const text = await (await pi('5000\n\n')).text();
    assert.match(text, /^5000 3\.14159265358979/);
    assert.equal(text.length, '5000 '.length + 5001 + 1);
  });

  it('gives the 40-digit answer for 0, an empty body or a non-number, as the article says', async () => {
    for (const body of ['0\n\n', '', 'lots', '-5']) assert.equal(await (await pi(body)).text(), `40 ${FORTY}\n`, JSON.stringify(body));
  });

  it('reads the number whatever the Content-Type: curl -d sends it form-encoded', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'application/octet-stream', 'application/json']) {
      assert.equal(await (await pi('41', { 'content-type': type })).text(), `41 ${FORTY}1\n`, type);
    }
  });

  it('answers JSON to Accept: application/json', async () => {
    const res = await pi('40', { accept: 'application/json' });
    assert.deepEqual(await res.json(), { digits: 40, pi: FORTY });
  });

  it('refuses more than PI_MAX_DIGITS with a 400 that says so', async () => {
    const res = await pi('1000001');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /PI_MAX_DIGITS=1000000/);
  });
});
