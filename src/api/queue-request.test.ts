import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from './errors.js';
import { canonicalHeaderKey, decodeQueueRequest, encodeQueueRequest, goUrl, queueHeader } from './index.js';
import type { QueueRequest } from './index.js';

describe('QueueRequest, as OpenFaaS writes it (reference §2.3, the seed\'s queue-worker log)', () => {
  it('canonicalizes header names as Go does', () => {
    assert.equal(canonicalHeaderKey('x-call-id'), 'X-Call-Id');
    assert.equal(canonicalHeaderKey('CONTENT-TYPE'), 'Content-Type');
    assert.equal(canonicalHeaderKey('x-forwarded-for'), 'X-Forwarded-For');
    assert.equal(canonicalHeaderKey('accept'), 'Accept');
    assert.equal(canonicalHeaderKey('x-callback-url'), 'X-Callback-Url');
  });

  it('writes CallbackUrl as Go\'s url.URL, as in the seed\'s log line', () => {
    // From the seed: "CallbackUrl":{"Scheme":"https","Opaque":"","User":null,"Host":"hookb.in",
    // "Path":"/kxxQKNWm1qhBjzggjbZq","RawPath":"","ForceQuery":false,"RawQuery":"accuracy=20","Fragment":"","RawFragment":""}
    const url = goUrl(new URL('https://hookb.in/kxxQKNWm1qhBjzggjbZq?accuracy=20'));
    assert.deepEqual(
      { ...url, OmitHost: undefined },
      {
        Scheme: 'https', Opaque: '', User: null, Host: 'hookb.in', Path: '/kxxQKNWm1qhBjzggjbZq', RawPath: '',
        OmitHost: undefined, ForceQuery: false, RawQuery: 'accuracy=20', Fragment: '', RawFragment: '',
      },
    );
    assert.equal(goUrl(new URL('http://10.3.158.61:5000/messages/a%20b.jpg')).Path, '/messages/a b.jpg', 'Path is decoded, as Go keeps it');
    assert.equal(goUrl(new URL('http://10.3.158.61:5000/x')).Host, '10.3.158.61:5000', 'Host keeps the port');
  });

  it('round-trips through JSON with Go-style keys and a base64 Body', () => {
    const request: QueueRequest = {
      Header: { 'Content-Type': ['text/plain'], 'X-Call-Id': ['4e500216'], 'X-Callback-Url': ['https://hookb.in/k?accuracy=20'] },
      Host: 'gateway:8080',
      Body: Buffer.from('20\n\n').toString('base64'),
      Method: 'POST',
      Path: '',
      QueryString: '',
      Function: 'pi',
      QueueName: 'faas-request',
      CallbackUrl: goUrl(new URL('https://hookb.in/k?accuracy=20')),
      SluiceCallId: '4e500216',
    };
    const wire = encodeQueueRequest(request);
    const parsed = JSON.parse(wire.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).slice(0, 9), ['Header', 'Host', 'Body', 'Method', 'Path', 'QueryString', 'Function', 'QueueName', 'CallbackUrl']);
    assert.equal(parsed['Body'], 'MjAKCg==', 'the seed\'s body for "20\\n\\n"');
    assert.deepEqual(decodeQueueRequest(wire), request);
    assert.equal(queueHeader(request, 'x-callback-url'), 'https://hookb.in/k?accuracy=20');
  });

  it('reads a message OpenFaaS-style producers leave fields out of, and refuses what is not one', () => {
    const minimal = decodeQueueRequest(Buffer.from(JSON.stringify({ Header: {}, Method: 'POST', Function: 'pi', SluiceCallId: 'c1' })));
    assert.deepEqual([minimal.Body, minimal.Path, minimal.QueryString, minimal.Host], ['', '', '', '']);
    assert.throws(() => decodeQueueRequest(Buffer.from('not json')), (err: SluiceError) => /not JSON/.test(err.message));
    assert.throws(() => decodeQueueRequest(Buffer.from('{"Method":"POST"}')), (err: SluiceError) => /missing Function, SluiceCallId, Header/.test(err.message));
    assert.throws(() => decodeQueueRequest(Buffer.from('null')), SluiceError);
  });
});
