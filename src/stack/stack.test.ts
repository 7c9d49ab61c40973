import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SluiceError } from '../api/index.js';
import { appendStackFunction, loadStack, parseStack } from './index.js';

const GOOD = `version: 1.0
provider:
  name: openfaas
  gateway: http://127.0.0.1:8080
functions:
  hello:
    lang: node-ts
    handler: ./hello
    image: hello:latest
    environment:
      PORT: 8080
      DEBUG: true
      NAME: world
    labels:
      com.openfaas.scale.min: "1"
    annotations:
      topic: orders
    secrets: [api-key]
    limits: { memory: 128Mi }
  cat:
    image: cat:latest
    fprocess: cat
`;

/** Runs `fn`, expects ERR_STACK_INVALID, returns its problem lines. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, `expected a SluiceError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_STACK_INVALID');
    return err.message.split('\n').slice(1).map((line) => line.trim());
  }
  assert.fail('expected ERR_STACK_INVALID');
}

async function problemsOfAsync(fn: () => Promise<unknown>): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, `expected a SluiceError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_STACK_INVALID');
    return err.message.split('\n').slice(1).map((line) => line.trim());
  }
  assert.fail('expected ERR_STACK_INVALID');
}

describe('parseStack', () => {
  it('reads functions in file order with stringified environment values', () => {
    const stack = parseStack(GOOD, 'dir/stack.yml');
    assert.equal(stack.file, path.resolve('dir/stack.yml'));
    assert.equal(stack.dir, path.resolve('dir'));
    assert.equal(stack.version, '1.0');
    assert.deepEqual(stack.provider, { name: 'openfaas', gateway: 'http://127.0.0.1:8080' });
    assert.deepEqual(stack.functions, [
      {
        name: 'hello',
        lang: 'node-ts',
        handler: './hello',
        image: 'hello:latest',
        environment: { PORT: '8080', DEBUG: 'true', NAME: 'world' },
        labels: { 'com.openfaas.scale.min': '1' },
        annotations: { topic: 'orders' },
        secrets: ['api-key'],
        limits: { memory: '128Mi' },
      },
      { name: 'cat', image: 'cat:latest', fprocess: 'cat', environment: {}, labels: {}, annotations: {} },
    ]);
  });

  it('keeps numeric function names in file order', () => {
    const stack = parseStack('provider: {name: openfaas}\nfunctions:\n  zeta: {image: z}\n  "42": {image: a}\n', 's.yml');
    assert.deepEqual(stack.functions.map((fn) => fn.name), ['zeta', '42']);
  });

  it('accepts version as a string and no version at all', () => {
    assert.equal(parseStack('version: "1.0"\nprovider: {name: openfaas}\nfunctions: {}\n', 's.yml').version, '1.0');
    assert.equal(parseStack('provider: {name: openfaas}\nfunctions: {}\n', 's.yml').version, undefined);
  });

  it('substitutes ${VAR} and ${VAR:-default} from the env given, not process.env', () => {
    process.env['SLUICE_TEST_LEAK'] = 'leaked';
    try {
      const text = 'provider: {name: openfaas, gateway: "${GW}"}\nfunctions:\n  a:\n    image: ${REG:-docker.io}/a:${TAG:-latest}\n    environment: {X: "${SLUICE_TEST_LEAK}", E: "${EMPTY:-fallback}"}\n';
      const stack = parseStack(text, 's.yml', { GW: 'http://gw:8080', TAG: 'v2', EMPTY: '' });
      assert.equal(stack.provider.gateway, 'http://gw:8080');
      assert.equal(stack.functions[0]?.image, 'docker.io/a:v2');
      assert.deepEqual(stack.functions[0]?.environment, { X: '', E: 'fallback' });
    } finally {
      delete process.env['SLUICE_TEST_LEAK'];
    }
  });

  it('names line and column of a YAML syntax error', () => {
    const problems = problemsOf(() => parseStack('provider:\n  name: openfaas\nfunctions:\n  a: b: c\n', 's.yml'));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^line 4, column 6: Nested mappings/);
  });

  it('rejects a provider other than openfaas', () => {
    assert.deepEqual(problemsOf(() => parseStack('provider:\n  name: faas\nfunctions: {}\n', 's.yml')), [
      'provider.name: must be "openfaas" (line 2)',
    ]);
  });

  it('rejects a version other than 1.0', () => {
    assert.deepEqual(problemsOf(() => parseStack('version: 2.0\nprovider: {name: openfaas}\nfunctions: {}\n', 's.yml')), [
      'version: must be 1.0 (line 1)',
    ]);
  });

  it('requires provider and functions', () => {
    assert.deepEqual(problemsOf(() => parseStack('version: 1.0\n', 's.yml')), [
      'provider: required (line 1)',
      'functions: required (line 1)',
    ]);
  });

  it('rejects a function name that is not a DNS-1123 label', () => {
    const problems = problemsOf(() => parseStack('provider: {name: openfaas}\nfunctions:\n  Hello_World:\n    image: x\n', 's.yml'));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^functions\.Hello_World: invalid function name "Hello_World".*\(line 3\)$/);
  });

  it('names the key path of a value of the wrong type', () => {
    const text = 'provider: {name: openfaas}\nfunctions:\n  hello:\n    lang: [node]\n    environment:\n      A: {nested: 1}\n';
    assert.deepEqual(problemsOf(() => parseStack(text, 's.yml')), [
      'functions.hello.lang: expected a string (line 4)',
      'functions.hello.environment.A: expected a string, number or boolean (line 6)',
    ]);
  });

  it('reports an alias to no anchor as a problem, not a crash', () => {
    assert.deepEqual(problemsOf(() => parseStack('provider: *nothing\n', 's.yml')), ['Unresolved alias (the anchor must be set before the alias): nothing']);
  });

  it('wants secrets as a list of names', () => {
    const text = 'provider: {name: openfaas}\nfunctions:\n  a:\n    secrets: db-password\n  b:\n    secrets: [ok, {x: 1}]\n';
    assert.deepEqual(problemsOf(() => parseStack(text, 's.yml')), [
      'functions.a.secrets: expected a list of secret names (line 4)',
      'functions.b.secrets[1]: expected a secret name (line 6)',
    ]);
  });

  it('rejects a function key outside the OpenFaaS schema and suggests the close one', () => {
    const text = 'provider: {name: openfaas}\nfunctions:\n  hello:\n    image: x\n    enviroment: {A: b}\n    colour: red\n';
    assert.deepEqual(problemsOf(() => parseStack(text, 's.yml')), [
      'functions.hello.enviroment: unknown key, not part of the OpenFaaS stack.yml schema (did you mean "environment"?) (line 5)',
      'functions.hello.colour: unknown key, not part of the OpenFaaS stack.yml schema (line 6)',
    ]);
  });

  it('reads requests, constraints and readonly_root_filesystem; keeps environment_file for loadStack', () => {
    const text =
      'provider: {name: openfaas}\nfunctions:\n  a:\n    image: a\n    requests: {memory: 64Mi, cpu: 50m}\n' +
      '    constraints: ["node.platform.os == linux"]\n    readonly_root_filesystem: true\n    environment_file: [env.yml]\n' +
      '    build_args: {A: b}\n    build_options: [dev]\n';
    const [fn] = parseStack(text, 's.yml').functions;
    assert.deepEqual(fn, {
      name: 'a',
      image: 'a',
      environment: {},
      labels: {},
      annotations: {},
      requests: { memory: '64Mi', cpu: '50m' },
      constraints: ['node.platform.os == linux'],
      readOnlyRootFilesystem: true,
      environmentFiles: ['env.yml'],
    });
  });

  it('names key and line of a wrong requests, constraints, readonly_root_filesystem or environment_file', () => {
    const text =
      'provider: {name: openfaas}\nfunctions:\n  a:\n    requests: {memory: 1, disk: 2}\n    constraints: linux\n' +
      '    readonly_root_filesystem: "yes"\n    environment_file: [{a: 1}]\n';
    assert.deepEqual(problemsOf(() => parseStack(text, 's.yml')), [
      'functions.a.requests.disk: unknown key, not part of the OpenFaaS stack.yml schema (line 4)',
      'functions.a.constraints: expected a list of strings (line 5)',
      'functions.a.readonly_root_filesystem: expected true or false (line 6)',
      'functions.a.environment_file[0]: expected a file name (line 7)',
    ]);
  });

  it('reads configuration.templates and configuration.copy', () => {
    const text =
      'provider: {name: openfaas}\nconfiguration:\n  templates:\n    - name: golang-http\n      source: https://github.com/openfaas/golang-http-template#1.0\n' +
      '    - name: node20\n  copy: [./common, lib/shared.ts]\nfunctions: {}\n';
    const stack = parseStack(text, 's.yml');
    assert.deepEqual(stack.templates, [{ name: 'golang-http', source: 'https://github.com/openfaas/golang-http-template#1.0' }, { name: 'node20' }]);
    assert.deepEqual(stack.copy, ['./common', 'lib/shared.ts']);
  });

  it('leaves templates and copy out when configuration is empty or absent', () => {
    for (const text of ['provider: {name: openfaas}\nfunctions: {}\n', 'provider: {name: openfaas}\nconfiguration:\nfunctions: {}\n', 'provider: {name: openfaas}\nconfiguration: {templates: , copy: []}\nfunctions: {}\n']) {
      const stack = parseStack(text, 's.yml');
      assert.equal('templates' in stack, false, text);
      assert.equal('copy' in stack, false, text);
    }
  });

  it('names key and line of a wrong configuration', () => {
    const text =
      'provider: {name: openfaas}\nconfiguration:\n  templates:\n    - name: ok\n      sorce: x\n    - source: y\n    - name: ../up\n    - name: ok\n' +
      '  copy: [../outside, /etc, ., "", ok/../.., {a: 1}]\n  colour: red\nfunctions: {}\n';
    assert.deepEqual(problemsOf(() => parseStack(text, 's.yml')), [
      'configuration.templates[0].sorce: unknown key, not part of the OpenFaaS stack.yml schema (did you mean "source"?) (line 5)',
      'configuration.templates[1].name: required (line 6)',
      'configuration.templates[2].name: "../up" is not a template name (a folder name) (line 7)',
      'configuration.copy[0]: ../outside is outside the stack file\'s folder (line 9)',
      'configuration.copy[1]: /etc must be relative to the stack file\'s folder (line 9)',
      'configuration.copy[2]: . is the stack file\'s whole folder: name the folders or files to copy (line 9)',
      'configuration.copy[3]: expected a path (line 9)',
      'configuration.copy[4]: ok/../.. is outside the stack file\'s folder (line 9)',
      'configuration.copy[5]: expected a path (line 9)',
      'configuration.colour: unknown key, not part of the OpenFaaS stack.yml schema (line 10)',
    ]);
  });

  it('reports a template listed twice, and configuration values of the wrong type', () => {
    const twice = 'provider: {name: openfaas}\nconfiguration:\n  templates:\n    - {name: a, source: x}\n    - {name: a, source: y}\nfunctions: {}\n';
    assert.deepEqual(problemsOf(() => parseStack(twice, 's.yml')), ['configuration.templates[1].name: template "a" is listed twice (line 5)']);
    const wrong = 'provider: {name: openfaas}\nconfiguration:\n  templates: golang-http\n  copy: common\nfunctions: {}\n';
    assert.deepEqual(problemsOf(() => parseStack(wrong, 's.yml')), [
      'configuration.templates: expected a list of templates (name, source) (line 3)',
      'configuration.copy: expected a list of paths (line 4)',
    ]);
    assert.deepEqual(problemsOf(() => parseStack('provider: {name: openfaas}\nconfiguration: [a]\nfunctions: {}\n', 's.yml')), [
      'configuration: expected a map of templates and copy (line 2)',
    ]);
  });

  it('reports every problem of the file together, in line order', () => {
    const text = 'provider:\n  name: faas\nfunctions:\n  Bad:\n    lang: 1\n  ok:\n    handler: true\n';
    const problems = problemsOf(() => parseStack(text, 's.yml'));
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0] ?? '', /^provider\.name: .*\(line 2\)$/);
    assert.match(problems[1] ?? '', /^functions\.Bad: invalid function name.*\(line 4\)$/);
    assert.match(problems[2] ?? '', /^functions\.Bad\.lang: expected a string \(line 5\)$/);
    assert.match(problems[3] ?? '', /^functions\.ok\.handler: expected a string \(line 7\)$/);
  });
});

describe('loadStack', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sluice-stack-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and resolves its folder', async () => {
    const file = path.join(dir, 'stack.yml');
    await writeFile(file, GOOD);
    const stack = await loadStack(file, {});
    assert.equal(stack.dir, dir);
    assert.equal(stack.functions.length, 2);
  });

  it('merges environment_file maps over environment, later files winning, relative to the stack file', async () => {
    await mkdir(path.join(dir, 'env'), { recursive: true });
    await writeFile(path.join(dir, 'env', 'base.yml'), 'environment:\n  A: base\n  B: base\n  PORT: 8080\n');
    await writeFile(path.join(dir, 'env', 'prod.yml'), 'environment:\n  B: prod\n');
    const file = path.join(dir, 'env-stack.yml');
    await writeFile(file, 'provider: {name: openfaas}\nfunctions:\n  a:\n    image: a\n    environment: {A: inline, C: inline}\n    environment_file: [env/base.yml, env/prod.yml]\n');
    const [fn] = (await loadStack(file, {})).functions;
    assert.deepEqual(fn?.environment, { A: 'base', C: 'inline', B: 'prod', PORT: '8080' });
    assert.deepEqual(fn?.environmentFiles, ['env/base.yml', 'env/prod.yml']);
  });

  it('names the stack key and line, and the environment file and its line, of an environment_file problem', async () => {
    await writeFile(path.join(dir, 'bad-env.yml'), 'environment:\n  A: ok\n  B: {nested: 1}\n');
    await writeFile(path.join(dir, 'typo-env.yml'), 'enviroment:\n  A: b\n');
    const file = path.join(dir, 'bad-env-stack.yml');
    await writeFile(file, 'provider: {name: openfaas}\nfunctions:\n  a:\n    image: a\n    environment_file:\n      - missing.yml\n      - bad-env.yml\n      - typo-env.yml\n');
    assert.deepEqual(await problemsOfAsync(() => loadStack(file)), [
      'functions.a.environment_file[0]: missing.yml: file not found (line 6)',
      'functions.a.environment_file[1]: bad-env.yml line 3: environment.B: expected a string, number or boolean (line 7)',
      'functions.a.environment_file[2]: typo-env.yml line 1: enviroment: unknown key, not part of an environment file (one environment: map) (did you mean "environment"?) (line 8)',
    ]);
  });

  it('reports a missing file as an invalid stack', async () => {
    const file = path.join(dir, 'nope.yml');
    assert.deepEqual(await problemsOfAsync(() => loadStack(file)), ['file not found']);
  });
});

describe('appendStackFunction', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sluice-append-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const fn = (name: string) => ({ name, lang: 'node-ts', handler: `./${name}`, image: `${name}:latest` });

  it('creates a new stack file with the faas-cli layout', async () => {
    const file = path.join(dir, 'new.yml');
    await appendStackFunction(file, fn('hello'), { create: true });
    assert.equal(
      await readFile(file, 'utf8'),
      'version: 1.0\nprovider:\n  name: openfaas\n  gateway: http://127.0.0.1:8080\nfunctions:\n  hello:\n    lang: node-ts\n    handler: ./hello\n    image: hello:latest\n',
    );
    const stack = await loadStack(file);
    assert.equal(stack.functions[0]?.lang, 'node-ts');
  });

  it('uses the gateway given when creating', async () => {
    const file = path.join(dir, 'gw.yml');
    await appendStackFunction(file, fn('a'), { create: true, gateway: 'http://10.0.0.1:8080' });
    assert.equal((await loadStack(file)).provider.gateway, 'http://10.0.0.1:8080');
  });

  it('refuses to create over an existing file', async () => {
    const file = path.join(dir, 'exists.yml');
    await writeFile(file, 'keep me\n');
    await assert.rejects(appendStackFunction(file, fn('a'), { create: true }), (err: SluiceError) => {
      assert.equal(err.code, 'ERR_BAD_REQUEST');
      assert.equal(err.message, `${file} already exists: use --append to add a function to it`);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), 'keep me\n');
  });

  it('appends and keeps the existing text and comments', async () => {
    const file = path.join(dir, 'append.yml');
    const original = '# my functions\nversion: 1.0 # pinned\nprovider:\n  name: openfaas\nfunctions:\n  # the first one\n  first:\n    image: first:latest\n';
    await writeFile(file, original);
    await appendStackFunction(file, fn('second'), { create: false });
    const text = await readFile(file, 'utf8');
    assert.ok(text.startsWith(original), text);
    assert.deepEqual(
      (await loadStack(file)).functions.map((f) => [f.name, f.handler]),
      [['first', undefined], ['second', './second']],
    );
  });

  it('refuses to append a function that already exists', async () => {
    const file = path.join(dir, 'dup.yml');
    await writeFile(file, 'provider:\n  name: openfaas\nfunctions:\n  hello:\n    image: x\n');
    await assert.rejects(appendStackFunction(file, fn('hello'), { create: false }), /function "hello" already exists/);
  });

  it('refuses an invalid function name', async () => {
    await assert.rejects(appendStackFunction(path.join(dir, 'bad.yml'), fn('Bad'), { create: true }), { code: 'ERR_INVALID_NAME' });
  });
});
