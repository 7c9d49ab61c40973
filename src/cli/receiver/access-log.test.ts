import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddress, jsonLine, werkzeugLine, type AccessEntry } from './access-log.js';

const entry: AccessEntry = {
  // Local time, as Werkzeug logs it: built from local fields so the test holds in any TZ.
  time: new Date(2021, 6, 11, 21, 57, 7),
  remoteAddress: '10.3.158.67',
  method: 'POST',
  url: '/messages/political-world-map-inverted-bw-thumbnail.jpg',
  httpVersion: '1.1',
  status: 200,
  name: 'political-world-map-inverted-bw-thumbnail.jpg',
};

describe('werkzeugLine', () => {
  it("writes the article's receiver log line, character for character", () => {
    assert.equal(werkzeugLine(entry), '10.3.158.67 - - [11/Jul/2021 21:57:07] "POST /messages/political-world-map-inverted-bw-thumbnail.jpg HTTP/1.1" 200 -');
  });

  it('pads days and times and keeps the query as received', () => {
    const line = werkzeugLine({ ...entry, time: new Date(2026, 0, 2, 3, 4, 5), url: '/?accuracy=3', status: 401 });
    assert.equal(line, '10.3.158.67 - - [02/Jan/2026 03:04:05] "POST /?accuracy=3 HTTP/1.1" 401 -');
  });
});

describe('jsonLine', () => {
  it('writes the entry as one JSON object with an ISO time', () => {
    assert.deepEqual(JSON.parse(jsonLine(entry)), { event: 'request', ...entry, time: entry.time.toISOString() });
  });
});

describe('clientAddress', () => {
  it('drops the ::ffff: of an IPv4 client on a dual-stack socket', () => {
    assert.equal(clientAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(clientAddress('::1'), '::1');
    assert.equal(clientAddress(undefined), '-');
  });
});
