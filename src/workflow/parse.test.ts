import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SluiceError } from '../api/index.js';
import { allSteps, type CallStep, type WorkflowStep } from './definition.js';
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

/** The step, which must call a function. */
function call(step: WorkflowStep | undefined): CallStep {
  assert.equal(step?.kind, 'call');
  return step as CallStep;
}

describe('parseWorkflow', () => {
  it("reads the article's file unchanged: three POST steps, gateway_url kept, defaults filled", () => {
    const def = parseWorkflow(ARTICLE, 'chain/workflow.yml');
    assert.equal(def.name, 'transpose-bw-thumbnail');
    assert.equal(def.gatewayUrl, 'http://127.0.0.1:8080');
    assert.deepEqual(
      def.steps.map(call).map((s) => [s.name, s.function, s.method, s.line]),
      [
        ['transpose', 'image-transpose', 'POST', 5],
        ['bw', 'image-bw', 'POST', 8],
        ['thumbnail', 'image-thumbnail', 'POST', 11],
      ],
    );
    const [first] = def.steps;
    assert.deepEqual({ ...first, name: '', function: '', line: 0 }, {
      kind: 'call',
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
        kind: 'call',
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
    const step = call(parseWorkflow(oneStep('name: a', 'function: f', 'query: {size: 200, q: a b}', 'timeout: 10'), 'w.yml').steps[0]);
    assert.equal(step?.query, 'size=200&q=a+b');
    assert.equal(step?.timeoutMs, 10_000);
  });

  it('fills the keys a retry block leaves out from RETRY_DEFAULTS (all of them for an empty one)', () => {
    const def = parseWorkflow(`${oneStep('name: a', 'function: f', 'retry: {attempts: 5}')}    - name: b\n      function: f\n      retry:\n`, 'w.yml');
    assert.deepEqual(call(def.steps[0]).retry, { ...RETRY_DEFAULTS, attempts: 5 });
    assert.deepEqual(call(def.steps[1]).retry, RETRY_DEFAULTS);
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
    assert.deepEqual(parse(oneStep('method: POST')), ['workflow.steps[0].name: required (line 4)', 'workflow.steps[0].function: required (or parallel, or choice) (line 4)']);
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

  it('refuses a per-step async key with what to do instead, and a callback_url that is not an http(s) URL', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'async: true', 'callback_url: ftp://x/')), [
      'workflow.steps[0].async: not needed: call the workflow at /async-function/{name} and every step runs as a queued call of its own (line 6)',
      'workflow.steps[0].callback_url: "ftp://x/": use an http:// or https:// URL (line 7)',
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'callback_url: receiver:8888')), [
      'workflow.steps[0].callback_url: "receiver:8888": use an http:// or https:// URL (line 6)',
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'callback_url: /relative')), ['workflow.steps[0].callback_url: "/relative" is not an absolute URL (line 6)']);
  });

  it('keeps a step\'s callback_url', () => {
    const def = parseWorkflow(oneStep('name: a', 'function: f', 'callback_url: http://127.0.0.1:8888/step-a'), 'chain/workflow.yml');
    assert.equal(def.steps[0]?.kind === 'call' && def.steps[0].callbackUrl, 'http://127.0.0.1:8888/step-a');
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

/** The design's example: a parallel step with two branches, then a choice with every kind of case. */
const BRANCHING = `workflow:
  name: branching
  steps:
    - name: variants
      parallel:
        small:
          - name: thumb
            function: image-thumbnail
        grey:
          - name: bw
            function: image-bw
          - name: bw-thumb
            function: image-thumbnail
      join: multipart
    - name: route
      input: original
      choice:
        - when: { status: [404, 5xx] }
          steps: [ { name: a, function: echo } ]
        - when: { header: { name: Content-Type, matches: "^image/" } }
          steps:
            - name: b
              function: echo
        - when: { json: { path: items.0.kind, equals: big } }
          steps: [ { name: c, function: echo } ]
        - when: { json: { path: kind, matches: "^sm" } }
          steps: [ { name: d, function: echo } ]
        - otherwise: [ { name: e, function: echo, on_error: continue } ]
`;

/** A workflow whose only step is a parallel step (line 4) with `lines` under it (line 5 on). */
function parallelStep(...lines: string[]): string {
  return oneStep('name: p', ...lines);
}

describe('parseWorkflow: parallel and choice steps', () => {
  it('reads a parallel step: its branches in order, each a list of steps with their lines, and its join', () => {
    const [variants] = parseWorkflow(BRANCHING, 'w.yml').steps;
    assert.equal(variants?.kind, 'parallel');
    if (variants?.kind !== 'parallel') return;
    assert.deepEqual([variants.name, variants.join, variants.input, variants.line], ['variants', 'multipart', 'previous', 4]);
    assert.deepEqual(
      variants.branches.map((b) => [b.name, b.steps.map((s) => [s.name, call(s).function, s.line])]),
      [
        ['small', [['thumb', 'image-thumbnail', 7]]],
        ['grey', [['bw', 'image-bw', 10], ['bw-thumb', 'image-thumbnail', 12]]],
      ],
    );
    assert.equal(call(variants.branches[0]?.steps[0]).method, 'POST', 'nested steps get the defaults too');
  });

  it('defaults a parallel step to join: auto', () => {
    const [step] = parseWorkflow(parallelStep('parallel:', '  one: [ { name: a, function: f } ]'), 'w.yml').steps;
    assert.equal(step?.kind === 'parallel' && step.join, 'auto');
  });

  it('reads a choice step: status, header and json cases, and otherwise', () => {
    const route = parseWorkflow(BRANCHING, 'w.yml').steps[1];
    assert.equal(route?.kind, 'choice');
    if (route?.kind !== 'choice') return;
    assert.deepEqual([route.name, route.input, route.line], ['route', 'original', 15]);
    assert.deepEqual(
      route.cases.map((c) => c.when),
      [
        { kind: 'status', status: [404, '5xx'] },
        { kind: 'header', name: 'content-type', matches: /^image\// },
        { kind: 'json', path: ['items', '0', 'kind'], equals: 'big' },
        { kind: 'json', path: ['kind'], matches: /^sm/ },
      ],
    );
    assert.deepEqual(route.cases.map((c) => c.steps.map((s) => [s.name, s.line])), [[['a', 19]], [['b', 22]], [['c', 25]], [['d', 27]]]);
    assert.deepEqual(route.otherwise?.map((s) => [s.name, call(s).onError, s.line]), [['e', 'continue', 28]]);
  });

  it('reads a single status, a json equals of null, and a choice without otherwise', () => {
    const text = oneStep('name: c', 'choice:', '  - when: { status: 404 }', '    steps: [ { name: a, function: f } ]', '  - when: { json: { path: x, equals: null } }', '    steps: [ { name: b, function: f } ]');
    const [step] = parseWorkflow(text, 'w.yml').steps;
    assert.ok(step?.kind === 'choice');
    assert.deepEqual(step.cases.map((c) => c.when), [{ kind: 'status', status: [404] }, { kind: 'json', path: ['x'], equals: null }]);
    assert.equal(step.otherwise, undefined);
  });

  it('allSteps walks every function-calling step, nested ones included, named as problems name them', () => {
    const placed = [...allSteps(parseWorkflow(BRANCHING, 'w.yml'))].map(({ step, at }) => [at, step.name, step.line]);
    assert.deepEqual(placed, [
      ['steps[0].parallel.small[0]', 'thumb', 7],
      ['steps[0].parallel.grey[0]', 'bw', 10],
      ['steps[0].parallel.grey[1]', 'bw-thumb', 12],
      ['steps[1].choice[0].steps[0]', 'a', 19],
      ['steps[1].choice[1].steps[0]', 'b', 22],
      ['steps[1].choice[2].steps[0]', 'c', 25],
      ['steps[1].choice[3].steps[0]', 'd', 27],
      ['steps[1].choice[4].otherwise[0]', 'e', 28],
    ]);
    assert.deepEqual([...allSteps(parseWorkflow(ARTICLE, 'w.yml'))].map(({ at }) => at), ['steps[0]', 'steps[1]', 'steps[2]']);
  });

  it('reports a step with more than one of function, parallel and choice', () => {
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'choice:', '  - otherwise: [ { name: b, function: f } ]')), [
      'workflow.steps[0].choice: a step has one of function, parallel and choice; this one has function and choice (line 7)',
    ]);
  });

  it('reports function-only keys on a parallel or choice step, and join on a step that is not parallel', () => {
    assert.deepEqual(parse(parallelStep('method: GET', 'retry: {}', 'join: json', 'parallel:', '  one: [ { name: a, function: f } ]')), [
      'workflow.steps[0].method: only a step with a function has method; this is a parallel step (line 5)',
      'workflow.steps[0].retry: only a step with a function has retry; this is a parallel step (line 6)',
    ]);
    assert.deepEqual(parse(oneStep('name: a', 'function: f', 'join: json')), ['workflow.steps[0].join: only a parallel step has join (line 6)']);
    assert.deepEqual(parse(oneStep('name: c', 'on_error: continue', 'choice:', '  - otherwise: [ { name: b, function: f } ]')), [
      'workflow.steps[0].on_error: only a step with a function has on_error; this is a choice step (line 5)',
    ]);
  });

  it('reports a parallel step without branches, an empty branch, a bad branch name and a bad join', () => {
    assert.deepEqual(parse(parallelStep('parallel: {}')), ['workflow.steps[0].parallel: must name at least one branch (line 5)']);
    assert.deepEqual(parse(parallelStep('parallel:')), ['workflow.steps[0].parallel: must name at least one branch (line 5)']);
    assert.deepEqual(parse(parallelStep('parallel:', '  one: []', '  two:', '  "a/b": [ { name: a, function: f } ]', 'join: zip')), [
      'workflow.steps[0].parallel.one: must list at least one step (line 6)',
      'workflow.steps[0].parallel.two: must list at least one step (line 7)',
      `workflow.steps[0].parallel.a/b: "a/b" is not a branch name: use letters, digits, '-' and '_' (line 8)`,
      'workflow.steps[0].join: must be one of auto, json, multipart (line 9)',
    ]);
  });

  it('reports duplicate branch names as YAML does: map keys are unique', () => {
    const [problem] = parse(parallelStep('parallel:', '  one: [ { name: a, function: f } ]', '  one: [ { name: b, function: f } ]'));
    assert.match(problem ?? '', /^line 7, column \d+: Map keys must be unique/);
  });

  it('checks nested steps like top-level ones, naming their path and line', () => {
    assert.deepEqual(parse(parallelStep('parallel:', '  one:', '    - name: a', '      function: Bad', '      tiemout: 1s')), [
      `workflow.steps[0].parallel.one[0].function: invalid function name "Bad": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (line 8)`,
      'workflow.steps[0].parallel.one[0].tiemout: unknown key, not part of the workflow.yml format (did you mean "timeout"?) (line 9)',
    ]);
    assert.deepEqual(parse(oneStep('name: c', 'choice:', '  - when: { status: 404 }', '    steps:', '      - name: a', '        retry: { attempt: 2 }')), [
      'workflow.steps[0].choice[0].steps[0].function: required (or parallel, or choice) (line 8)',
      'workflow.steps[0].choice[0].steps[0].retry.attempt: unknown key, not part of the workflow.yml format (did you mean "attempts"?) (line 9)',
    ]);
  });

  it('reports step names used twice anywhere in the workflow, nested ones included', () => {
    const text = `${parallelStep('parallel:', '  one: [ { name: a, function: f } ]', '  two:', '    - name: p', '      function: f')}    - name: c\n      choice:\n        - otherwise: [ { name: a, function: f } ]\n`;
    assert.deepEqual(parse(text), [
      'workflow.steps[0].parallel.two[0].name: "p" is the name of steps[0] too (line 4); step names must be unique (line 8)',
      'workflow.steps[1].choice[0].otherwise[0].name: "a" is the name of steps[0].parallel.one[0] too (line 6); step names must be unique (line 12)',
    ]);
  });

  it('reports cases without when or steps, otherwise not last or with when, and an empty choice', () => {
    assert.deepEqual(parse(oneStep('name: c', 'choice: []')), ['workflow.steps[0].choice: must list at least one case (line 5)']);
    const text = oneStep(
      'name: c',
      'choice:',
      '  - otherwise: [ { name: a, function: f } ]',
      '  - when: { status: 404 }',
      '  - steps: [ { name: b, function: f } ]',
      '  - when: { status: 200 }',
      '    otherwise: [ { name: d, function: f } ]',
      '  - otherwise: [ { name: e, function: f } ]',
    );
    assert.deepEqual(parse(text), [
      'workflow.steps[0].choice[0].otherwise: must be the last case: there is one otherwise at most, after every when (line 6)',
      'workflow.steps[0].choice[1].steps: required (line 7)',
      'workflow.steps[0].choice[2].when: required (or otherwise, in the last case) (line 8)',
      'workflow.steps[0].choice[3].otherwise: a case has when and steps, or otherwise alone (line 10)',
    ]);
  });

  it('reports a when with no test or two, and bad statuses, header tests, json tests and regexes', () => {
    const text = oneStep(
      'name: c',
      'choice:',
      ...[
        '{}',
        '{ status: 200, header: { name: x, matches: a } }',
        '{ status: [200, 6xx] }',
        '{ status: 99 }',
        '{ header: { name: "a b", matches: "(" } }',
        '{ header: { name: x } }',
        '{ json: { path: a..b, equals: [1] } }',
        '{ json: { path: a } }',
        '{ json: { path: a, equals: 1, matches: "1" } }',
        '{ weather: sunny }',
      ].flatMap((when, i) => [`  - when: ${when}`, `    steps: [ { name: s${i}, function: f } ]`]),
    );
    assert.deepEqual(parse(text), [
      'workflow.steps[0].choice[0].when: needs one of status, header, json (line 6)',
      'workflow.steps[0].choice[1].when: has status and header: a case tests one thing (line 8)',
      'workflow.steps[0].choice[2].when.status: expected a status code (100 to 599), "2xx" (any of 1xx to 5xx), or a list of them (line 10)',
      'workflow.steps[0].choice[3].when.status: expected a status code (100 to 599), "2xx" (any of 1xx to 5xx), or a list of them (line 12)',
      'workflow.steps[0].choice[4].when.header.name: is not a valid header name (line 14)',
      'workflow.steps[0].choice[4].when.header.matches: Invalid regular expression: /(/: Unterminated group (line 14)',
      'workflow.steps[0].choice[5].when.header.matches: required (line 16)',
      'workflow.steps[0].choice[6].when.json.path: "a..b" has an empty part: write e.g. items.0.kind (line 18)',
      'workflow.steps[0].choice[6].when.json.equals: expected a string, number, boolean or null (line 18)',
      'workflow.steps[0].choice[7].when.json: needs equals or matches (line 20)',
      'workflow.steps[0].choice[8].when.json: has both equals and matches: use one (line 22)',
      'workflow.steps[0].choice[9].when.weather: unknown key, not part of the workflow.yml format (line 24)',
      'workflow.steps[0].choice[9].when: needs one of status, header, json (line 24)',
    ]);
  });

  it('suggests the close key for a typo inside a case or a when', () => {
    assert.deepEqual(parse(oneStep('name: c', 'choice:', '  - when: { staus: 404 }', '    step: [ { name: a, function: f } ]')), [
      'workflow.steps[0].choice[0].when.staus: unknown key, not part of the workflow.yml format (did you mean "status"?) (line 6)',
      'workflow.steps[0].choice[0].when: needs one of status, header, json (line 6)',
      'workflow.steps[0].choice[0].steps: required (line 6)',
      'workflow.steps[0].choice[0].step: unknown key, not part of the workflow.yml format (did you mean "steps"?) (line 7)',
    ]);
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
