import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SluiceError } from '../api/index.js';
import { loadWorkflow, NO_RETRY, parseWorkflow, RETRY_DEFAULTS } from './index.js';

/** The article's file (reference §10.1), as functions/transpose-bw-thumbnail ships it. */
const ARTICLE = `workflow:
  name: transpose-bw-thumbnail
  gateway_url: http://127.0.0.1:8080
  steps:
    - name: transpose
      function: image-transpose
      method: POST
    - name: bw
      function: image-bw
      method: POST
    - name: thumbnail
      function: image-thumbnail
      method: POST
`;

/** A workflow whose first step (line 4 on) is `lines`, indented for you. */
function oneStep(...lines: string[]): string {
  return `workflow:\n  name: w\n  steps:\n    - ${lines.join('\n      ')}\n`;
}

/** Runs `fn`, expects ERR_WORKFLOW_INVALID with status 400, returns its problem lines. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, `expected a SluiceError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_WORKFLOW_INVALID');
    assert.equal(err.status, 400);
    return err.message.split('\n').slice(1).map((line) => line.trim());
  }
  assert.fail('expected ERR_WORKFLOW_INVALID');
}

const parse = (text: string): string[] => problemsOf(() => parseWorkflow(text, 'chain/workflow.yml'));

describe('parseWorkflow', () => {
  it("reads the article's file unchanged: three POST steps, gateway_url kept, defaults filled", () => {
    const def = parseWorkflow(ARTICLE, 'chain/workflow.yml');
    assert.equal(def.name, 'transpose-bw-thumbnail');
    assert.equal(def.gatewayUrl, 'http://127.0.0.1:8080');
    assert.deepEqual(
      def.steps.map((s) => [s.name, s.function, s.method, s.line]),
      [
        ['transpose', 'image-transpose', 'POST', 5],
        ['bw', 'image-bw', 'POST', 8],
        ['thumbnail', 'image-thumbnail', 'POST', 11],
      ],
    );
    const [first] = def.steps;
    assert.deepEqual({ ...first, name: '', function: '', line: 0 }, {
      name: '',
      function: '',
      method: 'POST',
      path: '/',
      query: '',
      headers: {},
      input: 'previous',
      onError: 'stop',
      timeoutMs: 0,
      retry: NO_RETRY,
      line: 0,
    });
  });

  it('reads every Sluice step key', () => {
    const text = oneStep(
      'name: bw',
      'function: image-bw.openfaas-fn',
      'method: put',
      'headers: { X-Mode: fast, X-Count: 2 }',
      'query: "size=200"',
      'path: /thumbnail',
      'input: original',
      'on_error: continue',
      'timeout: 30s',
      'retry:',
      '  attempts: 4',
      '  min_wait: 100ms',
      '  max_wait: 5s',
      '  codes: [502, 503]',
    );
    const def = parseWorkflow(text, 'chain/workflow.yml');
    assert.equal(def.gatewayUrl, undefined);
    assert.deepEqual(def.steps, [
      {
        name: 'bw',
        function: 'image-bw.openfaas-fn',
        method: 'PUT',
        path: '/thumbnail',
        query: 'size=200',
        headers: { 'x-mode': 'fast', 'x-count': '2' },
        input: 'original',
        onError: 'continue',
        timeoutMs: 30_000,
        retry: { attempts: 4, minWaitMs: 100, maxWaitMs: 5_000, codes: [502, 503] },
        line: 4,
      },
    ]);
  });

  it('encodes a query map, and reads plain seconds as a timeout', () => {
    const [step] = parseWorkflow(oneStep('name: a', 'function: f', 'query: {size: 200, q: a b}', 'timeout: 10'), 'w.yml').steps;
    assert.equal(step?.query, 'size=200&q=a+b');
    assert.equal(step?.timeoutMs, 10_000);
  });

  it('fills the keys a retry block leaves out from RETRY_DEFAULTS (all of them for an empty one)', () => {
    const def = parseWorkflow(`${oneStep('name: a', 'function: f', 'retry: {attempts: 5}')}    - name: b\n      function: f\n      retry:\n`, 'w.yml');
    assert.deepEqual(def.steps[0]?.retry, { ...RETRY_DEFAULTS, attempts: 5 });
    assert.deepEqual(def.steps[1]?.retry, RETRY_DEFAULTS);
  });

  it('reports a missing workflow, workflow.name and workflow.steps', () => {
    assert.deepEqual(parse('other: 1\n'), ['workflow: required (line 1)', 'other: unknown key, not part of the workflow.yml format (line 1)']);
    assert.deepEqual(parse(''), ['workflow: required']);
    assert.deepEqual(parse('workflow:\n  gateway_url: http://x/\n'), ['workflow.name: required (line 2)', 'workflow.steps: required (line 2)']);
  });

  it('reports steps that are not a non-empty list', () => {
    assert.deepEqual(parse('workflow:\n  name: w\n  steps: []\n'), ['workflow.steps: must list at least one step (line 3)']);
    assert.deepEqual(parse('workflow:\n  name: w\n  steps:\n'), ['workflow.steps: must list at least one step (line 3)']);
    assert.deepEqual(parse('workflow:\n  name: w\n  steps: transpose\n'), ['workflow.steps: expected a list of steps (line 3)']);
    assert.deepEqual(parse('workflow:\n  name: w\n  steps:\n    - transpose\n'), ['workflow.steps[0]: expected a map (one step) (line 4)']);
  });

  it('reports a step without name or function', () => {
    assert.deepEqual(parse(oneStep('method: POST')), ['workflow.steps[0].name: required (line 4)', 'workflow.steps[0].function: required (line 4)']);
    assert.deepEqual(parse(oneStep('name: ""', 'function: f')), ['workflow.steps[0].name: must not be empty (line 4)']);
  });

  it('reports duplicate step names, naming both lines', () => {
    const text = `${oneStep('name: bw', 'function: f')}    - name: other\n      function: f\n    - name: bw\n      function: g\n`;
    assert.deepEqual(parse(text), ['workflow.steps[2].name: "bw" is the name of steps[0] too (line 4); step names must be unique (line 8)']);
  });

  it('reports invalid function names and namespaces', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: Image_BW')), [
      `workflow.steps[0].function: invalid function name "Image_BW": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (line 5)`,
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: image-bw.other')), [
      'workflow.steps[0].function: namespace "other" does not exist: namespace must be: openfaas-fn (line 5)',
    ]);
  });

  it('reports a method outside STEP_METHODS, a path without "/" and a query with "?"', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'method: FETCH', 'path: thumbnail', 'query: "?size=1"')), [
      'workflow.steps[0].method: "FETCH" is not one of GET, POST, PUT, PATCH, DELETE (line 6)',
      'workflow.steps[0].path: "thumbnail" must start with "/" (e.g. /thumbnail) (line 7)',
      'workflow.steps[0].query: "?size=1": leave out the leading "?" (line 8)',
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'path: /t?size=1')), ['workflow.steps[0].path: "/t?size=1" has a "?": put the query string in "query" (line 6)']);
  });

  it('reports other values of input and on_error', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'input: latest', 'on_error: retry')), [
      'workflow.steps[0].input: must be "previous" or "original" (line 6)',
      'workflow.steps[0].on_error: must be "stop" or "continue" (line 7)',
    ]);
  });

  it('reports unreadable durations', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'timeout: soon', 'retry: {min_wait: 1 minute}')), [
      'workflow.steps[0].timeout: "soon" is not a duration: use e.g. 500ms, 30s, 2m, or plain seconds (line 6)',
      'workflow.steps[0].retry.min_wait: "1 minute" is not a duration: use e.g. 500ms, 30s, 2m, or plain seconds (line 7)',
    ]);
  });

  it('reports retry attempts outside 1..10 and status codes outside 100..599', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'retry:', '  attempts: 11', '  codes: [502, 99, 600]')), [
      'workflow.steps[0].retry.attempts: must be a whole number from 1 to 10 (line 7)',
      'workflow.steps[0].retry.codes[1]: must be an HTTP status code from 100 to 599 (line 8)',
      'workflow.steps[0].retry.codes[2]: must be an HTTP status code from 100 to 599 (line 8)',
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'retry: {attempts: 0}')), ['workflow.steps[0].retry.attempts: must be a whole number from 1 to 10 (line 6)']);
  });

  it('reports max_wait below min_wait, the default max_wait included', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'retry:', '  min_wait: 2s', '  max_wait: 1500ms')), [
      'workflow.steps[0].retry.max_wait: 1500ms is less than min_wait (2s) (line 8)',
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'retry:', '  min_wait: 10s')), [
      'workflow.steps[0].retry.min_wait: 10s is more than max_wait (5s by default): set max_wait too (line 7)',
    ]);
  });

  it('reports header names that are not HTTP tokens, and header values that are not text', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'headers:', '  "X Mode": fast', '  X-Ok: [1]')), [
      'workflow.steps[0].headers.X Mode: "X Mode" is not a valid header name (line 7)',
      'workflow.steps[0].headers.X-Ok: expected a string or number (line 8)',
    ]);
  });

  it('tells a file using a planned key that it is not supported yet', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'async: true', 'callback_url: http://x/')), [
      'workflow.steps[0].async: not supported yet (planned) (line 6)',
      'workflow.steps[0].callback_url: not supported yet (planned) (line 7)',
    ]);
  });

  it('suggests the close key for an unknown one, at any depth', () => {
    assert.deepEqual(parse(`workflow:\n  name: w\n  gateway: http://x/\n  steps:\n    - name: a\n      function: f\n      on_eror: continue\n      retry: {attempt: 2}\n`), [
      'workflow.gateway: unknown key, not part of the workflow.yml format (line 3)',
      'workflow.steps[0].on_eror: unknown key, not part of the workflow.yml format (did you mean "on_error"?) (line 7)',
      'workflow.steps[0].retry.attempt: unknown key, not part of the workflow.yml format (did you mean "attempts"?) (line 8)',
    ]);
  });

  it('reports several problems together, in line order', () => {
    const text = `workflow:
  steps:
    - name: a
      function: Bad
      method: FETCH
    - name: a
      function: f
      timeout: later
`;
    assert.deepEqual(parse(text), [
      'workflow.name: required (line 2)',
      `workflow.steps[0].function: invalid function name "Bad": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (line 4)`,
      'workflow.steps[0].method: "FETCH" is not one of GET, POST, PUT, PATCH, DELETE (line 5)',
      'workflow.steps[1].name: "a" is the name of steps[0] too (line 3); step names must be unique (line 6)',
      'workflow.steps[1].timeout: "later" is not a duration: use e.g. 500ms, 30s, 2m, or plain seconds (line 8)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const [problem, ...rest] = parse('workflow:\n  name: w\n  steps: [\n');
    assert.match(problem ?? '', /^line \d+, column \d+: /);
    assert.ok(rest.every((p) => /^line \d+, column \d+: /.test(p)));
  });

  it('names the file as given in the error message', () => {
    assert.throws(() => parseWorkflow('', 'chain/workflow.yml'), { message: /^chain\/workflow\.yml has errors:\n/ });
  });
});

describe('loadWorkflow', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sluice-workflow-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses the file', async () => {
    const file = path.join(dir, 'workflow.yml');
    await writeFile(file, ARTICLE);
    assert.equal((await loadWorkflow(file)).steps.length, 3);
  });

  it('reports a missing file as ERR_WORKFLOW_INVALID, under the name it is shown by', async () => {
    await assert.rejects(loadWorkflow(path.join(dir, 'nope.yml'), 'chain/workflow.yml'), (err: unknown) => {
      assert.ok(err instanceof SluiceError);
      assert.equal(err.code, 'ERR_WORKFLOW_INVALID');
      assert.equal(err.message, 'chain/workflow.yml has errors:\n  file not found: a workflow function needs workflow.yml in its handler folder');
      return true;
    });
  });
});
