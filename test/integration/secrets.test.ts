/**
 * `/system/secrets` (issue 7, reference §5.6): create, list (names only), replace, delete; encrypted
 * at rest; mounted per function as 0400 files in SLUICE_SECRETS_DIR and read with the node-ts
 * template's `context.secret(name)`; a deploy naming a missing secret is refused, a used secret
 * cannot be deleted; all of it kept across a restart.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, deploy, deployNodeTs, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

/** ?name=N answers the secret's text; ?files=1 lists its secrets dir with each file's mode. */
const READER = `import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
export default async (event: { query: Record<string, string> }, context: { secret(n: string): string; status(n: number): unknown }) => {
  const dir = process.env.SLUICE_SECRETS_DIR as string;
  if (event.query.files) return readdirSync(dir).sort().map((f) => f + ':' + (statSync(path.join(dir, f)).mode & 0o777).toString(8)).join(',');
  try {
    return context.secret(event.query.name);
  } catch (err) {
    context.status(404);
    return (err as Error).message;
  }
};
`;

const secrets = (node: SluiceNode, method: string, body?: unknown): Promise<Response> =>
  fetch(`${node.url}/system/secrets`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });

async function expectError(res: Promise<Response>, status: number, code: string, pattern?: RegExp): Promise<void> {
  const answer = await res;
  const body = (await answer.json()) as { code: string; message: string };
  assert.equal(answer.status, status, body.message);
  assert.equal(body.code, code);
  if (pattern) assert.match(body.message, pattern);
}

const read = async (node: SluiceNode, query: string): Promise<[number, string]> => {
  const res = await fetch(`${node.url}/function/reader?${query}`);
  return [res.status, await res.text()];
};

describe('/system/secrets', () => {
  let node: SluiceNode;
  let dataDir: string;
  before(async () => {
    dataDir = await tempDir('sluice-secrets-');
    node = await startSluice({ dataDir });
  });
  after(cleanup);

  it('creates secrets from value or rawValue and lists their names only', async () => {
    assert.equal((await secrets(node, 'POST', { name: 'db-password', value: 's3cret\n' })).status, 202);
    assert.equal((await secrets(node, 'POST', { name: 'bin.key', rawValue: Buffer.from([0, 1, 2, 255]).toString('base64'), value: 'ignored' })).status, 202);
    const res = await secrets(node, 'GET');
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), [{ name: 'bin.key', namespace: 'openfaas-fn' }, { name: 'db-password', namespace: 'openfaas-fn' }]);
    assert.doesNotMatch(text, /s3cret|value/i);
  });

  it('keeps them encrypted at rest, with a 0600 key', async () => {
    const stored = await readFile(path.join(dataDir, 'secrets', 'store', 'db-password'));
    assert.ok(!stored.includes(Buffer.from('s3cret')), 'the value is not stored in clear');
    assert.equal((await stat(path.join(dataDir, 'secrets', 'key'))).mode & 0o777, 0o600);
    assert.equal((await stat(path.join(dataDir, 'secrets'))).mode & 0o777, 0o700);
  });

  it('refuses bad input with a 4xx naming the problem', async () => {
    await expectError(secrets(node, 'POST', { name: 'db-password', value: 'x' }), 409, 'ERR_SECRET_EXISTS', /secret update db-password/);
    await expectError(secrets(node, 'POST', { name: 'Bad_Name', value: 'x' }), 400, 'ERR_INVALID_SECRET', /secret name "Bad_Name" is not valid/);
    await expectError(secrets(node, 'POST', { name: '../escape', value: 'x' }), 400, 'ERR_INVALID_SECRET');
    await expectError(secrets(node, 'POST', { name: 'raw', rawValue: 'not base64!' }), 400, 'ERR_INVALID_SECRET', /rawValue of secret "raw" is not base64/);
    await expectError(secrets(node, 'POST', { name: 'empty' }), 400, 'ERR_INVALID_SECRET', /give "value" \(text\) or "rawValue"/);
    await expectError(secrets(node, 'POST', { value: 'x' }), 400, 'ERR_BAD_REQUEST');
    await expectError(secrets(node, 'POST', '{"name":'), 400, 'ERR_BAD_JSON');
    await expectError(secrets(node, 'POST', { name: 'x', value: 'y', namespace: 'other' }), 400, 'ERR_WRONG_NAMESPACE');
    await expectError(secrets(node, 'PUT', { name: 'nope', value: 'y' }), 404, 'ERR_SECRET_NOT_FOUND');
    await expectError(secrets(node, 'DELETE', { name: 'nope' }), 404, 'ERR_SECRET_NOT_FOUND');
  });

  it('refuses to deploy a function naming a secret that does not exist', async () => {
    await assert.rejects(
      deploy(node, { service: 'lacking', image: 'lacking:latest', envProcess: 'cat', secrets: ['db-password', 'api-token'] }),
      /deploy: 400 .*ERR_SECRETS_MISSING.*api-token/,
    );
    assert.equal((await fetch(`${node.url}/system/function/lacking`)).status, 404, 'nothing was deployed');
  });

  it("mounts a function's secrets as 0400 files, read by name with context.secret", async () => {
    await deployNodeTs(node, 'reader', READER, { secrets: ['db-password', 'bin.key'] });
    await waitAvailable(node, 'reader');
    assert.deepEqual(await read(node, 'name=db-password'), [200, 's3cret']);
    assert.deepEqual(await read(node, 'files=1'), [200, 'bin.key:400,db-password:400'], 'only its own secrets, read-only');
    const [status, message] = await read(node, 'name=other');
    assert.equal(status, 404);
    assert.match(message, /secret "other" is not available: list it under secrets:/);
  });

  it('gives a function the new value of a replaced secret at once', async () => {
    assert.equal((await secrets(node, 'PUT', { name: 'db-password', value: 'rotated' })).status, 202);
    assert.deepEqual(await read(node, 'name=db-password'), [200, 'rotated']);
  });

  it('refuses to delete a secret a function uses, naming it', async () => {
    await expectError(secrets(node, 'DELETE', { name: 'db-password' }), 409, 'ERR_SECRET_IN_USE', /used by "reader"/);
  });

  it('keeps secrets and mounts across a restart', async () => {
    await node.stop();
    node = await startSluice({ dataDir });
    await waitAvailable(node, 'reader');
    assert.deepEqual(await read(node, 'name=db-password'), [200, 'rotated']);
    assert.equal(((await (await secrets(node, 'GET')).json()) as unknown[]).length, 2);
  });

  it('deletes a secret once no function uses it', async () => {
    assert.equal((await fetch(`${node.url}/system/functions`, { method: 'DELETE', body: JSON.stringify({ functionName: 'reader' }) })).status, 202);
    assert.equal((await secrets(node, 'DELETE', { name: 'db-password' })).status, 202);
    assert.deepEqual(await (await secrets(node, 'GET')).json(), [{ name: 'bin.key', namespace: 'openfaas-fn' }]);
    await assert.rejects(stat(path.join(dataDir, 'secrets', 'functions', 'reader')), 'the removed function\'s mount is gone');
  });
});
