/**
 * `sluice secret create|list|update|remove` against a real gateway (`/system/secrets`): values from
 * --from-literal, --from-file (binary bytes included) and stdin reach a function's secret files as
 * sent; a second create is the gateway's 409 (exit 1) unless --replace; update rotates the value a
 * running function reads; a secret a function lists cannot be removed, and the error names it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, deployNodeTs, runSluice, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

/** ?name=N answers the bytes of the secret file N, in hex: what the function got, byte for byte. */
const READER = `import { readFileSync } from 'node:fs';
export default async (event: { query: Record<string, string> }) =>
  readFileSync(process.env.SLUICE_SECRETS_DIR + '/' + event.query.name).toString('hex');
`;

/** Every byte value, wrapped in the whitespace that --trim would take from text. */
const BINARY = Buffer.concat([Buffer.from(' \n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\n ')]);

describe('sluice secret against a real gateway', () => {
  let node: SluiceNode;
  let dir: string;

  const secret = (args: string[], stdin?: string) => runSluice(node, ['secret', ...args], { cwd: dir, ...(stdin === undefined ? {} : { stdin }) });
  const readSecret = async (name: string): Promise<Buffer> => {
    const res = await fetch(`${node.url}/function/reader?name=${name}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return Buffer.from(text, 'hex');
  };

  before(async () => {
    node = await startSluice();
    dir = await tempDir('sluice-secret-cli-');
    await writeFile(path.join(dir, 'key.bin'), BINARY);
  });
  after(cleanup);

  it('creates from a literal (trimmed), a file (binary, byte for byte) and stdin', async () => {
    const literal = await secret(['create', 'db-password', '--from-literal', '  s3cret\n']);
    assert.equal(literal.code, 0, literal.stderr);
    assert.equal(literal.stdout, 'Created secret db-password\n');
    assert.equal(literal.stderr, '');
    const file = await secret(['create', 'bin.key', '--from-file', 'key.bin']);
    assert.equal(file.code, 0, file.stderr);
    assert.equal(file.stdout, 'Created secret bin.key\n');
    const piped = await secret(['create', 'from-stdin', '--json'], 'piped value\n');
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual(JSON.parse(piped.stdout), { name: 'from-stdin', action: 'created', status: 202 });
  });

  it('lists the names under NAME, and the gateway\'s JSON with --json', async () => {
    const table = await secret(['list']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, 'NAME\nbin.key\ndb-password\nfrom-stdin\n');
    const json = await secret(['ls', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), await (await fetch(`${node.url}/system/secrets`)).json());
    assert.deepEqual(JSON.parse(json.stdout), ['bin.key', 'db-password', 'from-stdin'].map((name) => ({ name, namespace: 'openfaas-fn' })));
  });

  it('gives a function that lists them the values as sent', async () => {
    await deployNodeTs(node, 'reader', READER, { secrets: ['db-password', 'bin.key', 'from-stdin'] });
    await waitAvailable(node, 'reader');
    assert.equal((await readSecret('db-password')).toString(), 's3cret');
    assert.deepEqual(await readSecret('bin.key'), BINARY, 'binary bytes round trip, untrimmed');
    assert.equal((await readSecret('from-stdin')).toString(), 'piped value');
  });

  it("refuses a second create with the gateway's 409 (exit 1); --replace updates it", async () => {
    const again = await secret(['create', 'db-password', '--from-literal', 'other']);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /^Error: secret "db-password" already exists: .*sluice secret update db-password/);
    const replaced = await secret(['create', 'db-password', '--from-literal', 'replaced', '--replace']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(replaced.stdout, 'Updated secret db-password\n');
    assert.equal((await readSecret('db-password')).toString(), 'replaced');
  });

  it('updates a value the running function reads at once (from stdin, --no-trim), 404 for a missing one', async () => {
    const updated = await secret(['update', 'db-password', '--no-trim'], 'rotated\n');
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(updated.stdout, 'Updated secret db-password\n');
    assert.equal((await readSecret('db-password')).toString(), 'rotated\n');
    const missing = await secret(['u', 'nope', '--from-literal', 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: secret "nope" not found/);
  });

  it('refuses to remove a secret in use, naming the function (exit 1); removes it once unused', async () => {
    const used = await secret(['remove', 'db-password']);
    assert.equal(used.code, 1);
    assert.match(used.stderr, /^Error: secret "db-password" is used by "reader"/);
    const removedFn = await runSluice(node, ['remove', 'reader'], { cwd: dir });
    assert.equal(removedFn.code, 0, removedFn.stderr);
    for (const [verb, name] of [['remove', 'db-password'], ['rm', 'bin.key'], ['delete', 'from-stdin']] as const) {
      const run = await secret([verb, name]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `Removed secret ${name}\n`);
    }
    assert.equal((await secret(['list'])).stdout, 'NAME\n');
    const gone = await secret(['rm', 'db-password']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^Error: secret "db-password" not found/);
  });

  it('makes usage mistakes exit 2: both value flags, an empty value, a bad name', async () => {
    for (const [args, stdin] of [
      [['create', 'x', '--from-literal', 'a', '--from-file', 'key.bin']],
      [['create', 'x'], '  \n'],
      [['create', 'Bad_Name', '--from-literal', 'a']],
    ] as const) {
      const run = await secret([...args], stdin);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^Error: /);
    }
    assert.equal((await secret(['list'])).stdout, 'NAME\n', 'nothing was created');
  });
});
