/**
 * `sluice ready`, `completion`, `generate` and `template` (issue 7, part 5) as a user runs them:
 * the built CLI, against a real gateway where one is involved; and a stack's `configuration`
 * (templates pulled from git by `up`, `copy` paths shared by handlers).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { cleanup, deployNodeTs, runSluice, startSluice, tempDir, type SluiceNode } from '../harness.js';

let node: SluiceNode;

describe('sluice ready, completion, generate and template against a real gateway', () => {
  before(async () => {
    node = await startSluice();
  });
  after(cleanup);

  it('ready: the gateway is ready at once (exit 0, quiet in a pipe but for the result)', async () => {
    const run = await runSluice(node, ['ready']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Gateway ${node.url} is ready\n`);
    assert.equal(run.stderr, '');
  });

  it('ready NAME: exit 0 once a deployed function has an available replica', async () => {
    await deployNodeTs(node, 'ready-fn', 'export default async () => "ok";\n');
    const run = await runSluice(node, ['ready', 'ready-fn', '--interval', '200ms', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as { ready: boolean; target: string; name: string; attempts: number };
    assert.deepEqual({ ...answer, attempts: answer.attempts >= 1 }, { ready: true, target: 'function', name: 'ready-fn', attempts: true });
    const status = (await (await fetch(`${node.url}/system/function/ready-fn`)).json()) as { availableReplicas: number };
    assert.ok(status.availableReplicas >= 1);
  });

  it('ready MISSING: exit 1 quickly, saying what it waited for', async () => {
    const started = Date.now();
    const run = await runSluice(node, ['ready', 'not-there', '--attempts', '2', '--interval', '100ms']);
    assert.equal(run.code, 1);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started}ms`);
    assert.equal(run.stderr, 'Error: function not-there not ready after 2 attempt(s) (200ms): function not-there is not deployed\n');
  });

  it('completion bash: names every command and bash -n accepts it', async () => {
    const run = await runSluice(node, ['completion', 'bash']);
    assert.equal(run.code, 0, run.stderr);
    const help = await runSluice(node, ['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+)[ |]/gm)].map((m) => m[1] ?? '').filter((name) => name !== 'help');
    assert.ok(commands.length > 20, help.stdout);
    for (const name of commands) assert.ok(run.stdout.includes(`'${name}'`), `no ${name} in the script`);
    const file = path.join(await tempDir('sluice-completion-'), 'sluice.bash');
    await writeFile(file, run.stdout);
    const check = spawnSync('bash', ['-n', file]);
    assert.equal(check.status, 0, check.stderr.toString());
  });

  it('generate: a 2-function stack gives Function resources, or Deployments and Services', async () => {
    const dir = await tempDir('sluice-generate-');
    await writeFile(
      path.join(dir, 'stack.yml'),
      'version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  a:\n    image: reg/a:1\n    environment: { K: v }\n    secrets: [ s ]\n  b:\n    image: reg/b:1\n    labels: { tier: x }\n',
    );
    const crd = await runSluice(node, ['generate'], { cwd: dir });
    assert.equal(crd.code, 0, crd.stderr);
    const functions = parseAllDocuments(crd.stdout).map((doc) => doc.toJS() as { kind: string; apiVersion: string; spec: Record<string, unknown> });
    assert.deepEqual(functions.map((f) => [f.apiVersion, f.kind, f.spec['name'], f.spec['image']]), [
      ['openfaas.com/v1', 'Function', 'a', 'reg/a:1'],
      ['openfaas.com/v1', 'Function', 'b', 'reg/b:1'],
    ]);
    assert.deepEqual(functions[0]?.spec['environment'], { K: 'v' });
    assert.deepEqual(functions[0]?.spec['secrets'], ['s']);
    assert.deepEqual(functions[1]?.spec['labels'], { tier: 'x' });

    const k8s = await runSluice(node, ['generate', '--api', 'apps/v1', '-n', 'apps'], { cwd: dir });
    assert.equal(k8s.code, 0, k8s.stderr);
    const objects = parseAllDocuments(k8s.stdout).map((doc) => doc.toJS() as { kind: string; metadata: { name: string; namespace: string } });
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace}`), ['Deployment/a/apps', 'Service/a/apps', 'Deployment/b/apps', 'Service/b/apps']);
  });

  it('template pull from a local folder, then sluice new --lang with it, build and deploy', async () => {
    const source = await tempDir('sluice-template-src-');
    const template = path.join(source, 'template', 'hello-ts');
    await mkdir(path.join(template, 'function'), { recursive: true });
    await writeFile(path.join(template, 'template.yml'), 'language: hello-ts\ndescription: node-ts with a greeting\nmode: http\nbase: node-ts\n');
    await writeFile(path.join(template, 'function', 'handler.ts'), 'export default async () => "hello from a pulled template";\n');
    const work = await tempDir('sluice-template-work-');

    const pull = await runSluice(node, ['template', 'pull', source], { cwd: work });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(pull.stdout, 'Wrote template hello-ts to ./template/hello-ts\n');
    const list = await runSluice(node, ['template', 'list'], { cwd: work });
    assert.match(list.stdout, /^hello-ts +http +\.\/template +node-ts with a greeting$/m);

    const created = await runSluice(node, ['new', 'greeter', '--lang', 'hello-ts'], { cwd: work });
    assert.equal(created.code, 0, created.stderr);
    assert.match(await readFile(path.join(work, 'greeter', 'handler.ts'), 'utf8'), /pulled template/);
    const up = await runSluice(node, ['up', '-f', 'greeter.yml'], { cwd: work });
    assert.equal(up.code, 0, up.stderr);
    const ready = await runSluice(node, ['ready', 'greeter', '--interval', '200ms']);
    assert.equal(ready.code, 0, ready.stderr);
    const invoked = await runSluice(node, ['invoke', 'greeter'], { stdin: '' });
    assert.equal(invoked.stdout, 'hello from a pulled template');
  });

  it('up pulls the template configuration.templates names from git (URL#tag) and builds in configuration.copy', async () => {
    const repo = await tempDir('sluice-template-repo-');
    await mkdir(path.join(repo, 'template', 'shared-ts'), { recursive: true });
    await writeFile(path.join(repo, 'template', 'shared-ts', 'template.yml'), 'language: shared-ts\ndescription: v1\nmode: http\nbase: node-ts\n');
    const git = (...args: string[]): void => {
      const done = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
      assert.equal(done.status, 0, done.stderr.toString());
    };
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'v1');
    git('tag', 'v1');

    const work = await tempDir('sluice-config-work-');
    await mkdir(path.join(work, 'common'));
    await writeFile(path.join(work, 'common', 'greet.ts'), 'export const greet = (name: string): string => `shared hello, ${name}`;\n');
    await mkdir(path.join(work, 'sharer'));
    await writeFile(path.join(work, 'sharer', 'handler.ts'), "import { greet } from './common/greet.js';\nexport default async (event: { body: unknown }) => greet(String(event.body));\n");
    await writeFile(
      path.join(work, 'stack.yml'),
      `provider: {name: openfaas}\nconfiguration:\n  templates:\n    - name: shared-ts\n      source: ${pathToFileURL(repo).href}#v1\n  copy: [./common]\n` +
        'functions:\n  sharer: {lang: shared-ts, handler: ./sharer}\n',
    );

    const up = await runSluice(node, ['up'], { cwd: work });
    assert.equal(up.code, 0, up.stderr);
    assert.match(await readFile(path.join(work, 'template', 'shared-ts', 'template.yml'), 'utf8'), /v1/);
    assert.equal(await readFile(path.join(work, 'build', 'sharer', 'function', 'common', 'greet.ts'), 'utf8'), await readFile(path.join(work, 'common', 'greet.ts'), 'utf8'));
    const ready = await runSluice(node, ['ready', 'sharer', '--interval', '200ms']);
    assert.equal(ready.code, 0, ready.stderr);
    const invoked = await runSluice(node, ['invoke', 'sharer'], { stdin: 'Ada' });
    assert.equal(invoked.stdout, 'shared hello, Ada');
  });
});
