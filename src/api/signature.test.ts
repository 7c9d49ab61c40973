import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { signCallback, verifyCallbackSignature } from './signature.js';

const KEY = 'whsec_test';
const NOW = 1_700_000_000;
const PYTHON = '/usr/bin/python3';

describe('signCallback', () => {
  it('produces t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    // The expected value was computed with Python's hmac, independently of this code.
    assert.equal(
      signCallback(KEY, Buffer.from('hello, callback'), NOW),
      't=1700000000,v1=791068d4f7b654d3593db3dae5db2178c95c825671fe1a0e1d050f7423d5133a',
    );
  });

  it('signs a string body as its UTF-8 bytes and floors a fractional time', () => {
    assert.equal(signCallback(KEY, 'hello, callback', NOW + 0.9), signCallback(KEY, Buffer.from('hello, callback'), NOW));
  });

  it('uses the current time by default', () => {
    const t = Number(/^t=(\d+),/.exec(signCallback(KEY, 'x'))?.[1]);
    assert.ok(Math.abs(t - Date.now() / 1000) < 5);
  });
});

describe('verifyCallbackSignature', () => {
  const body = randomBytes(2048); // binary, not valid UTF-8
  const header = signCallback(KEY, body, NOW);

  it('accepts its own signature (round trip), with a Buffer or Uint8Array body', () => {
    assert.ok(verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW }));
    assert.ok(verifyCallbackSignature(header, new Uint8Array(body), Buffer.from(KEY), { nowSeconds: NOW }));
    assert.ok(verifyCallbackSignature(signCallback(KEY, body), body, KEY), 'at the current time by default');
  });

  it('rejects a tampered body or a wrong key', () => {
    const tampered = Buffer.from(body);
    tampered[100] = (tampered[100] as number) ^ 1;
    assert.ok(!verifyCallbackSignature(header, tampered, KEY, { nowSeconds: NOW }));
    assert.ok(!verifyCallbackSignature(header, Buffer.concat([body, Buffer.from('x')]), KEY, { nowSeconds: NOW }));
    assert.ok(!verifyCallbackSignature(header, body, 'whsec_other', { nowSeconds: NOW }));
  });

  it('rejects a timestamp older or newer than the tolerance (300 s by default)', () => {
    assert.ok(verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW + 300 }));
    assert.ok(!verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW + 301 }), 'stale');
    assert.ok(verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW - 300 }));
    assert.ok(!verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW - 301 }), 'from the future');
    assert.ok(!verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW + 31, toleranceSeconds: 30 }));
    assert.ok(verifyCallbackSignature(header, body, KEY, { nowSeconds: NOW + 31, toleranceSeconds: 60 }));
  });

  it('rejects a timestamp changed after signing', () => {
    assert.ok(!verifyCallbackSignature(header.replace(`t=${NOW}`, `t=${NOW + 1}`), body, KEY, { nowSeconds: NOW }));
  });

  it('accepts any of several v1 entries (key rotation) and ignores unknown entries', () => {
    const good = header.split(',v1=')[1] as string;
    const other = signCallback('whsec_old', body, NOW).split(',v1=')[1] as string;
    assert.ok(verifyCallbackSignature(`t=${NOW},v1=${other},v1=${good}`, body, KEY, { nowSeconds: NOW }));
    assert.ok(verifyCallbackSignature(`t=${NOW},v1=${good},v1=${other}`, body, 'whsec_old', { nowSeconds: NOW }));
    assert.ok(verifyCallbackSignature(`v0=abc, t=${NOW}, v1=${good}, v2=future`, body, KEY, { nowSeconds: NOW }));
    assert.ok(!verifyCallbackSignature(`t=${NOW},v1=${other}`, body, KEY, { nowSeconds: NOW }));
  });

  it('rejects malformed headers', () => {
    const good = header.split(',v1=')[1] as string;
    for (const bad of [
      undefined,
      '',
      'garbage',
      `v1=${good}`, // no timestamp
      `t=${NOW}`, // no signature
      `t=${NOW},t=${NOW},v1=${good}`, // two timestamps
      `t=abc,v1=${good}`,
      `t=-${NOW},v1=${good}`,
      `t=${NOW},v1=${good.slice(2)}`, // too short
      `t=${NOW},v1=${'z'.repeat(64)}`, // not hex
      `t=${NOW},v1=${good},junk`,
    ]) {
      assert.equal(verifyCallbackSignature(bad, body, KEY, { nowSeconds: NOW }), false, String(bad));
    }
  });
});

describe('docs/callbacks.md', () => {
  // The receiver snippets in the docs, run as written against a header signCallback made.
  const doc = readFileSync(fileURLToPath(new URL('../../docs/callbacks.md', import.meta.url)), 'utf8');
  const snippet = (lang: string): string => {
    const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc);
    assert.ok(match, `a ${lang} block in docs/callbacks.md`);
    return match[1] as string;
  };
  const body = Buffer.concat([Buffer.from('{"ok":true}\n'), randomBytes(512)]);

  it('the Node snippet verifies a signature, and rejects a tampered body and a wrong key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-sig-'));
    try {
      const file = path.join(dir, 'verify.mjs');
      await writeFile(file, snippet('js'));
      const { verifySluiceSignature } = (await import(pathToFileURL(file).href)) as {
        verifySluiceSignature: (header: string, body: Buffer, key: string) => boolean;
      };
      const header = signCallback(KEY, body);
      assert.equal(verifySluiceSignature(header, body, KEY), true);
      assert.equal(verifySluiceSignature(header, Buffer.concat([body, Buffer.from('x')]), KEY), false);
      assert.equal(verifySluiceSignature(header, body, 'whsec_other'), false);
      assert.equal(verifySluiceSignature(signCallback(KEY, body, Math.floor(Date.now() / 1000) - 301), body, KEY), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the Python snippet verifies a signature, and rejects a tampered body and a wrong key', { skip: existsSync(PYTHON) ? false : `no ${PYTHON}` }, () => {
    const header = signCallback(KEY, body);
    const run = (key: string, tampered: boolean): string => {
      const script = `${snippet('python')}
import sys
body = sys.stdin.buffer.read()
print(verify_sluice_signature(sys.argv[1], body + (b"x" if sys.argv[3] == "1" else b""), sys.argv[2]))
`;
      const out = spawnSync(PYTHON, ['-c', script, header, key, tampered ? '1' : '0'], { input: body, encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      return out.stdout.trim();
    };
    assert.equal(run(KEY, false), 'True');
    assert.equal(run(KEY, true), 'False');
    assert.equal(run('whsec_other', false), 'False');
  });
});
