import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../api/index.js';
import { messageName, requestName, requestSeq } from './names.js';

describe('messageName', () => {
  it('takes plain names with dots, folders and percent-encoding, decoded', () => {
    assert.equal(messageName('political-world-map-draft.jpg'), 'political-world-map-draft.jpg');
    assert.equal(messageName('pi-3'), 'pi-3');
    assert.equal(messageName('run-1/pi-3'), 'run-1/pi-3');
    assert.equal(messageName('map%20draft..v2.jpg'), 'map draft..v2.jpg');
    assert.equal(messageName('.hidden'), '.hidden');
    assert.equal(messageName('carte-%C3%A9t%C3%A9.png'), 'carte-été.png');
  });

  it('refuses anything that could leave the folder or is not a usable file name (400)', () => {
    for (const bad of [
      '',
      '..',
      '../x',
      'a/../../x',
      '%2e%2e/x',
      '%2E%2E%2Fx',
      'a/..%2f..%2fx',
      './x',
      '/etc/passwd',
      'a//b',
      'a/',
      'x%00y',
      'x%0Ay',
      'a%5C..%5Cx',
      '%E0%A4%A',
      'x.headers.json',
      'x'.repeat(201),
      'a/'.repeat(600),
    ]) {
      const result = messageName(bad);
      assert.ok(result instanceof SluiceError, JSON.stringify(bad));
      assert.equal(result.status, 400, bad);
      assert.match(result.message, /^message name ".*" is not allowed: /, bad);
    }
  });
});

describe('requestName', () => {
  it("names a request by its sequence number and its path and query, as the article's forms come", () => {
    assert.equal(requestName(1, '/3'), 'requests/000001-3');
    assert.equal(requestName(2, '/?accuracy=3'), 'requests/000002-accuracy=3');
    assert.equal(requestName(3, '/done?job=42&x=%20y'), 'requests/000003-done_job=42_x=_20y');
    assert.equal(requestName(4, '/'), 'requests/000004');
    assert.equal(requestName(5, '/../..'), 'requests/000005');
    assert.equal(requestName(1_234_567, `/${'a'.repeat(300)}`), `requests/1234567-${'a'.repeat(80)}`);
  });

  it('reads the sequence number back from a file name', () => {
    assert.equal(requestSeq('000007-accuracy=3'), 7);
    assert.equal(requestSeq('000008'), 8);
    assert.equal(requestSeq('000008-3.headers.json'), 8);
    assert.equal(requestSeq('notes.txt'), 0);
    assert.equal(requestSeq('12ab'), 0);
  });
});
