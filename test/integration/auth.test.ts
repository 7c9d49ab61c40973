/**
 * Basic auth (issue 7, part 1, reference §1.1): on by default, with a password made on first start;
 * `/system/*` behind it, functions open unless labelled `com.sluice.auth=required`; 401 with
 * `WWW-Authenticate`, 429 after repeated failures; `sluice login`/`logout` storing credentials per
 * gateway (and reading faas-cli's config.yml); `serve --stack` deploying its own stack; an auth
 * folder given with `--auth-dir`; `basic_auth=false` saying so loudly.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, eventually, runSluice, startSluice, tempDir, type SluiceNode } from '../harness.js';

const ON = { basic_auth: 'true' };

/** A stack of `open-fn` and `guarded` (label com.sluice.auth=required), both echoing `hello`. */
async function project(): Promise<string> {
  const dir = await tempDir('sluice-auth-fn-');
  for (const name of ['open-fn', 'guarded']) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'handler.ts'), `export default async () => 'hello from ${name}';\n`);
  }
  await writeFile(
    path.join(dir, 'stack.yml'),
    'version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n' +
      '  open-fn:\n    lang: node-ts\n    handler: ./open-fn\n    image: open-fn:latest\n' +
      '  guarded:\n    lang: node-ts\n    handler: ./guarded\n    image: guarded:latest\n    labels:\n      com.sluice.auth: required\n',
  );
  return path.join(dir, 'stack.yml');
}

const basic = (userPassword: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(userPassword).toString('base64')}` });

async function waitReady(node: SluiceNode, name: string, headers: Record<string, string>): Promise<void> {
  await eventually(async () => {
    const res = await fetch(`${node.url}/system/function/${name}`, { headers });
    return res.ok && (((await res.json()) as { availableReplicas?: number }).availableReplicas ?? 0) > 0;
  }, 90_000, `${name} ready`);
}

describe('basic auth, on by default', () => {
  let node: SluiceNode;
  let password: string;
  let admin: Record<string, string>;
  let home: string;
  before(async () => {
    node = await startSluice({ env: ON, args: ['--stack', await project()] });
    password = (await readFile(path.join(node.dataDir, 'auth', 'basic-auth-password'), 'utf8')).trim();
    admin = basic(`admin:${password}`);
    home = await tempDir('sluice-auth-home-');
    for (const name of ['open-fn', 'guarded']) await waitReady(node, name, admin);
  });
  after(cleanup);

  it('makes a password on first start, kept 0600, and says how to log in', async () => {
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    assert.equal((await readFile(path.join(node.dataDir, 'auth', 'basic-auth-user'), 'utf8')).trim(), 'admin');
    assert.equal((await stat(path.join(node.dataDir, 'auth', 'basic-auth-password'))).mode & 0o777, 0o600);
    assert.equal((await stat(path.join(node.dataDir, 'auth'))).mode & 0o777, 0o700);
    assert.match(node.output(), /A password for user admin was made and saved in .*basic-auth-password \(0600\)\.\nLog in once with:\n {2}sluice login -g http:\/\/127\.0\.0\.1:\d+ --password-stdin < /);
  });

  it('guards /system/* with 401 and WWW-Authenticate; the right credentials pass', async () => {
    for (const headers of [{}, basic('admin:wrong'), basic(`nobody:${password}`), { authorization: 'Bearer x' }]) {
      const res = await fetch(`${node.url}/system/functions`, { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Restricted"');
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(body.code, 'ERR_UNAUTHORIZED');
      assert.match(body.message, /^invalid credentials: log in with `sluice login`/);
    }
    assert.equal((await fetch(`${node.url}/system/secrets`, { method: 'POST', body: '{"name":"x","value":"y"}' })).status, 401, 'writes too');
    assert.equal((await fetch(`${node.url}/system/alert`, { method: 'POST', body: '{"alerts":[]}' })).status, 401, 'AlertManager sends the credentials too');
    assert.equal((await fetch(`${node.url}/system/functions`, { headers: admin })).status, 200);
  });

  it('leaves /healthz, /metrics and functions open, but not a function labelled com.sluice.auth=required', async () => {
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${node.url}/metrics`)).status, 200);
    const open = await fetch(`${node.url}/function/open-fn`, { method: 'POST' });
    assert.deepEqual([open.status, await open.text()], [200, 'hello from open-fn']);
    assert.equal((await fetch(`${node.url}/async-function/open-fn`, { method: 'POST' })).status, 202);
    const guarded = await fetch(`${node.url}/function/guarded`, { method: 'POST' });
    assert.equal(guarded.status, 401);
    assert.equal(guarded.headers.get('www-authenticate'), 'Basic realm="Restricted"');
    assert.equal((await fetch(`${node.url}/async-function/guarded`, { method: 'POST' })).status, 401);
    const allowed = await fetch(`${node.url}/function/guarded`, { method: 'POST', headers: admin });
    assert.deepEqual([allowed.status, await allowed.text()], [200, 'hello from guarded']);
    assert.equal((await fetch(`${node.url}/async-function/guarded`, { method: 'POST', headers: admin })).status, 202);
  });

  it('sluice login checks and stores the credentials (0600) per gateway; every command uses them; logout forgets them', async () => {
    const env = { HOME: home };
    const refused = await runSluice(node, ['list'], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid credentials: log in with `sluice login`/);

    const wrong = await runSluice(node, ['login', '--password-stdin'], { env, stdin: 'wrong\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong user or password for http:\/\/127\.0\.0\.1:\d+: nothing was stored/);
    await assert.rejects(stat(path.join(home, '.sluice', 'config.yml')));

    const login = await runSluice(node, ['login', '--password-stdin'], { env, stdin: `${password}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /^credentials saved for admin http:\/\/127\.0\.0\.1:\d+\n$/);
    assert.equal((await stat(path.join(home, '.sluice', 'config.yml'))).mode & 0o777, 0o600);
    const list = await runSluice(node, ['list', '-q'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stdout.split('\n').filter(Boolean).sort(), ['guarded', 'open-fn']);

    const logout = await runSluice(node, ['logout'], { env });
    assert.match(logout.stdout, /^credentials removed for http:\/\/127\.0\.0\.1:\d+\n$/);
    assert.equal((await runSluice(node, ['list'], { env })).code, 1);
  });

  it("reads faas-cli's ~/.openfaas/config.yml, and SLUICE_BASIC_AUTH", async () => {
    const faasHome = await tempDir('sluice-auth-faas-');
    await mkdir(path.join(faasHome, '.openfaas'));
    const token = Buffer.from(`admin:${password}`).toString('base64');
    await writeFile(path.join(faasHome, '.openfaas', 'config.yml'), `auths:\n- gateway: ${node.url}/\n  auth: basic\n  token: ${token}\n`);
    assert.equal((await runSluice(node, ['list'], { env: { HOME: faasHome } })).code, 0);
    assert.equal((await runSluice(node, ['list'], { env: { HOME: home, SLUICE_BASIC_AUTH: `admin:${password}` } })).code, 0);
  });

  it('opens a guarded function to the Bearer token its com.sluice.auth.token-secret holds, and only that function', async () => {
    const secret = (method: string, value: string): Promise<Response> =>
      fetch(`${node.url}/system/secrets`, { method, headers: admin, body: JSON.stringify({ name: 'tokened-token', value }) });
    assert.equal((await secret('POST', 't0ken-1\n')).status, 202);
    const dir = await tempDir('sluice-auth-token-');
    await mkdir(path.join(dir, 'tokened'));
    await writeFile(path.join(dir, 'tokened', 'handler.ts'), "export default async () => 'hello from tokened';\n");
    const stack = (tokenSecret: string): string =>
      'version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  tokened:\n    lang: node-ts\n    handler: ./tokened\n    image: tokened:latest\n' +
      `    labels:\n      com.sluice.auth: required\n    annotations:\n      com.sluice.auth.token-secret: ${tokenSecret}\n`;
    await writeFile(path.join(dir, 'stack.yml'), stack('tokened-token'));
    const env = { HOME: home, SLUICE_BASIC_AUTH: `admin:${password}` };
    const up = await runSluice(node, ['up', '-f', path.join(dir, 'stack.yml')], { env });
    assert.equal(up.code, 0, up.stderr);
    await waitReady(node, 'tokened', admin);

    const call = async (fn: string, headers: Record<string, string>): Promise<number> => (await fetch(`${node.url}/function/${fn}`, { method: 'POST', headers })).status;
    assert.equal(await call('tokened', { authorization: 'Bearer t0ken-1' }), 200);
    assert.equal(await call('tokened', admin), 200, 'the admin credentials open it too');
    assert.equal(await call('tokened', { authorization: 'Bearer wrong' }), 401);
    assert.equal(await call('tokened', {}), 401);
    assert.equal(await call('guarded', { authorization: 'Bearer t0ken-1' }), 401, 'a token opens its own function only');
    assert.equal((await fetch(`${node.url}/async-function/tokened`, { method: 'POST', headers: { authorization: 'Bearer t0ken-1' } })).status, 202);

    assert.equal((await secret('PUT', 't0ken-2')).status, 202);
    assert.equal(await call('tokened', { authorization: 'Bearer t0ken-2' }), 200, 'a rotated token works at once');
    assert.equal(await call('tokened', { authorization: 'Bearer t0ken-1' }), 401, 'and the old one no longer');
    const removal = await fetch(`${node.url}/system/secrets`, { method: 'DELETE', headers: admin, body: '{"name":"tokened-token"}' });
    assert.equal(removal.status, 409, 'the token secret is in use');

    await writeFile(path.join(dir, 'stack.yml'), stack('no-such-token'));
    const missing = await runSluice(node, ['deploy', '-f', path.join(dir, 'stack.yml')], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /names secret\(s\) that do not exist: no-such-token/);
  });

  it('answers 429 with Retry-After to an address that failed 10 times in a minute, even with the right password', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${node.url}/system/info`, { headers: basic(`admin:guess${i}`) })).status, 401);
    const blocked = await fetch(`${node.url}/system/info`, { headers: admin });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal(((await blocked.json()) as { code: string }).code, 'ERR_TOO_MANY_AUTH_FAILURES');
    assert.equal((await fetch(`${node.url}/function/open-fn`, { method: 'POST' })).status, 200, 'open functions still answer');
  });
});

describe('basic auth settings', () => {
  after(cleanup);

  it('reads the credentials of a folder given with --auth-dir (secret_mount_path), trimmed', async () => {
    const dir = await tempDir('sluice-auth-dir-');
    await writeFile(path.join(dir, 'basic-auth-user'), 'ops\n');
    await writeFile(path.join(dir, 'basic-auth-password'), '  s3cret-pass \n');
    const node = await startSluice({ env: ON, args: ['--auth-dir', dir] });
    assert.equal((await fetch(`${node.url}/system/functions`, { headers: basic('ops:s3cret-pass') })).status, 200);
    assert.equal((await fetch(`${node.url}/system/functions`, { headers: basic('admin:s3cret-pass') })).status, 401);
    await eventually(() => /Basic auth is on \(password in .*basic-auth-password\)/.test(node.output()), 5_000, 'the notice');
  });

  it('refuses to start when a given auth folder holds no password', async () => {
    const dir = await tempDir('sluice-auth-empty-');
    await assert.rejects(startSluice({ env: { ...ON, secret_mount_path: dir } }), /basic-auth-password: no password there/);
  });

  it('says loudly when auth is off', async () => {
    const node = await startSluice({ args: ['--no-auth'], env: ON });
    await eventually(() => /WARNING: basic auth is OFF/.test(node.output()), 5_000, 'the warning');
    assert.equal((await fetch(`${node.url}/system/functions`)).status, 200);
  });
});
