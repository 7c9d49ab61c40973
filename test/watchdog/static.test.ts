/**
 * `sluice watchdog` mode=static: a file server on static_path (of-watchdog's static mode, reference
 * §4.2): content types, index.html for a folder, 404, no way out of the folder, HEAD, 405 for
 * other methods, ETag revalidation.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, cleanupWatchdogs, startWatchdog, stopCleanly, tempDir, type Watchdog } from './_watchdog.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);

/** Files under static_path, and one secret beside it that must never be served. */
const FILES: Record<string, string | Buffer> = {
  'index.html': '<h1>home</h1>',
  'style.css': 'body { color: red }',
  'data.json': '{"a":1}',
  'logo.png': PNG,
  'notes.txt': 'plain notes',
  'sub/index.html': '<h1>sub</h1>',
  'sub/deeper/file.js': 'export const x = 1;',
};
const SECRET = 'top secret, outside static_path';

describe('sluice watchdog mode=static', () => {
  let wd: Watchdog;

  before(async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'public');
    for (const [name, content] of Object.entries(FILES)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), content);
    }
    await writeFile(path.join(dir, 'secret.txt'), SECRET);
    wd = await startWatchdog({ mode: 'static', static_path: root }, { dir });
  });

  after(async () => {
    try {
      await stopCleanly(wd);
    } finally {
      await cleanupWatchdogs();
    }
  });

  const TYPES: Array<[string, string]> = [
    ['/index.html', 'text/html; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/logo.png', 'image/png'],
    ['/notes.txt', 'text/plain; charset=utf-8'],
    ['/sub/deeper/file.js', 'text/javascript; charset=utf-8'],
  ];
  for (const [route, type] of TYPES) {
    it(`GET ${route} → 200, its bytes, Content-Type ${type}`, async () => {
      const answer = await call(wd, route);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['content-type'], type);
      assert.deepEqual(answer.body, Buffer.from(FILES[route.slice(1)] as string | Buffer));
      assert.equal(answer.headers['content-length'], String(answer.body.length));
    });
  }

  for (const [route, file] of [['/', 'index.html'], ['/sub/', 'sub/index.html']] as const) {
    it(`GET ${route} (a folder) → its ${file}`, async () => {
      const answer = await call(wd, route);
      assert.deepEqual([answer.status, answer.headers['content-type'], answer.text], [200, 'text/html; charset=utf-8', FILES[file]]);
    });
  }

  for (const route of ['/missing.txt', '/sub/deeper/', '/sub/nope/x.js']) {
    it(`GET ${route} → 404`, async () => {
      assert.equal((await call(wd, route)).status, 404);
    });
  }

  for (const route of ['/../secret.txt', '/sub/../../secret.txt', '/%2e%2e/secret.txt', '/sub/%2E%2E/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
    it(`GET ${route} (out of static_path) → 404, never the file`, async () => {
      const answer = await call(wd, route);
      assert.equal(answer.status, 404);
      assert.ok(!answer.text.includes(SECRET));
    });
  }

  it('HEAD → 200 with the headers of GET and no body', async () => {
    const answer = await call(wd, '/style.css', { method: 'HEAD' });
    assert.deepEqual([answer.status, answer.headers['content-type'], answer.headers['content-length'], answer.body.length], [200, 'text/css; charset=utf-8', String(FILES['style.css']?.length), 0]);
  });

  for (const method of ['POST', 'PUT', 'DELETE']) {
    it(`${method} → 405`, async () => {
      assert.equal((await call(wd, '/index.html', { method, body: 'x' })).status, 405);
    });
  }

  it('ETag: If-None-Match with the same tag → 304 without a body; another tag → 200', async () => {
    const first = await call(wd, '/data.json');
    const etag = first.headers.etag;
    assert.ok(etag, 'an ETag header');
    const again = await call(wd, '/data.json', { headers: { 'if-none-match': etag } });
    assert.deepEqual([again.status, again.body.length, again.headers.etag], [304, 0, etag]);
    const other = await call(wd, '/data.json', { headers: { 'if-none-match': '"something-else"' } });
    assert.deepEqual([other.status, other.text], [200, FILES['data.json']]);
  });
});
