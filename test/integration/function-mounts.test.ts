/**
 * A replica's own mounts (root hosts; src/provider/confine.ts): a function reads its secrets at
 * /var/openfaas/secrets/<name> as in OpenFaaS, in every kind of replica, seeing an updated secret at
 * once; `readOnlyRootFilesystem` makes its file system read-only but /tmp; the host's own
 * /var/openfaas stays untouched.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, deploy, deployNodeTs, eventually, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

/** Prints the secret named by its query, then tries writing in its working dir and in /tmp. */
const PROBE = `#!/bin/sh
cat "/var/openfaas/secrets/$Http_Query"
echo
touch "$PWD/probe-$$" 2>/dev/null && echo cwd-writable || echo cwd-read-only
touch "/tmp/probe-$$" && rm "/tmp/probe-$$" && echo tmp-writable
`;

/** The same from a long-lived Node replica (http mode, node-ts template). */
const NODE_PROBE = `import { readFileSync, writeFileSync } from 'node:fs';
export default async (event: { query: Record<string, string> }) => {
  let cwd = 'cwd-writable';
  try { writeFileSync('probe.txt', 'x'); } catch (err) { cwd = (err as NodeJS.ErrnoException).code === 'EROFS' ? 'cwd-read-only' : String(err); }
  return readFileSync('/var/openfaas/secrets/' + event.query.name, 'utf8') + '\\n' + cwd;
};
`;

const call = async (node: SluiceNode, fn: string, query: string): Promise<string> => {
  const res = await fetch(`${node.url}/function/${fn}?${query}`, { method: 'POST' });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
};

const putSecret = async (node: SluiceNode, method: 'POST' | 'PUT', name: string, value: string): Promise<void> => {
  const res = await fetch(`${node.url}/system/secrets`, { method, body: JSON.stringify({ name, value }) });
  assert.equal(res.status, 202, await res.text());
};

describe('function mounts: /var/openfaas/secrets and readOnlyRootFilesystem', { skip: process.getuid?.() !== 0 && 'needs root (mount namespaces)' }, () => {
  let node: SluiceNode;
  let probe: string;
  before(async () => {
    node = await startSluice();
    probe = path.join(await tempDir('sluice-mounts-'), 'probe.sh');
    await writeFile(probe, PROBE);
    await chmod(probe, 0o755);
    await putSecret(node, 'POST', 'api-key', 'first');
  });
  after(cleanup);

  it('a fork-mode function reads /var/openfaas/secrets/<name>, and an updated secret at once', async () => {
    await deploy(node, { service: 'forked', image: 'probe', envProcess: probe, secrets: ['api-key'] });
    await waitAvailable(node, 'forked');
    assert.equal(await call(node, 'forked', 'api-key'), 'first\ncwd-writable\ntmp-writable\n');
    await putSecret(node, 'PUT', 'api-key', 'second');
    assert.match(await call(node, 'forked', 'api-key'), /^second\n/);
  });

  it('readOnlyRootFilesystem: its working dir is read-only, /tmp is writable', async () => {
    await deploy(node, { service: 'sealed', image: 'probe', envProcess: probe, secrets: ['api-key'], readOnlyRootFilesystem: true });
    await waitAvailable(node, 'sealed');
    assert.equal(await call(node, 'sealed', 'api-key'), 'second\ncwd-read-only\ntmp-writable\n');
  });

  it('a long-lived Node replica reads its secret there too, and starts and serves under a read-only root', async () => {
    await deployNodeTs(node, 'node-reader', NODE_PROBE, { secrets: ['api-key'] });
    await waitAvailable(node, 'node-reader');
    assert.equal(await call(node, 'node-reader', 'name=api-key'), 'second\ncwd-writable');
    // Redeployed as it is (its bundle is an annotation), read-only now.
    const current = (await (await fetch(`${node.url}/system/function/node-reader`)).json()) as { image: string; annotations: object; secrets: string[] };
    await deploy(node, { service: 'node-reader', image: current.image, annotations: current.annotations, secrets: current.secrets, readOnlyRootFilesystem: true });
    // The update rolls: the old replica serves until the new one is ready.
    await eventually(async () => (await call(node, 'node-reader', 'name=api-key')) === 'second\ncwd-read-only', 20_000, 'the read-only replica');
  });

  it("leaves the host's /var/openfaas/secrets alone", () => {
    assert.equal(existsSync('/var/openfaas/secrets'), false);
  });
});
