import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SluiceError, errors, toSluiceError } from './index.js';

/**
 * Keeps the registry and docs/errors.md in step (fastify test/internals/errors.test.js): every code
 * has a `## CODE` section with its status, under the registry's group header, and the page names no
 * code the registry lacks.
 */

type Registry = typeof errors;
type Key = keyof Registry;

/** One call per factory. Typed, so a new factory without a sample fails `tsc`; checked below at run time too. */
const SAMPLES: { [K in Key]: Parameters<Registry[K]> } = {
  configInvalid: [['port=x: not a TCP port']],
  badJson: ['Unexpected token'],
  badRequest: ['detail'],
  invalidName: ['Bad_Name'],
  wrongNamespace: ['other', 'openfaas-fn'],
  functionNotFound: ['pi'],
  logQueryInvalid: ['tail=x is not a whole number'],
  secretNotFound: ['db-password'],
  secretExists: ['db-password'],
  secretInUse: ['db-password', ['api', 'worker']],
  secretsMissing: ['api', ['db-password']],
  invalidSecret: ['rawValue is not base64'],
  functionExists: ['pi'],
  bundleNotFound: ['sha256:00'],
  badBundle: ['not a tar'],
  workflowInvalid: ['chain/workflow.yml', ['workflow.steps[1].method: "FETCH" is not one of GET, POST, PUT, PATCH, DELETE (line 9)']],
  notFound: ['GET', '/nope'],
  methodNotAllowed: ['PATCH', '/system/functions'],
  bodyTooLarge: [1024, 'max_body_size'],
  requestTimeout: [60],
  concurrencyLimit: [4],
  fileNotFound: ['/missing.html'],
  unauthorized: [],
  tooManyAuthFailures: [42],
  callbackUrlInvalid: ['ftp://x', 'only http and https are supported'],
  callNotFound: ['c0ffee'],
  resultNotReady: ['c0ffee', 'running'],
  resultGone: ['c0ffee', 'cancelled'],
  callIdTaken: ['c0ffee.1', 'bw'],
  callNotCancellable: ['c0ffee', 'running'],
  queueUnavailable: ['disk full'],
  noReplica: ['pi', 30],
  replicaCrashing: ['pi', 'Error: cannot load config.json'],
  constraintsUnmet: ['gpu-fn', '"node.labels.gpu == true": this node has no label gpu (node_labels)'],
  killedProcess: [],
  upstreamTimeout: ['pi', 60],
  stepTimeout: ['bw', 'image-bw', 1],
  upstreamFailed: ['pi', 'ECONNRESET'],
  spawnFailed: ['pi', 'cat: command not found'],
  portInUse: ['127.0.0.1:8080'],
  shuttingDown: [],
  alertsFailed: [['[0] pi.openfaas-fn: function "pi" not found: deploy it first, or see `sluice list`']],
  signatureInvalid: ['is missing'],
  messageNotFound: ['pi-3'],
  messageNotSaved: ['pi-3', 'the disk is full'],
  stackInvalid: ['stack.yml', ['functions: expected a map']],
  templateNotFound: ['rust', ['node-ts']],
  buildFailed: ['pi', 'npm install exited with code 1'],
  gatewayUnreachable: ['http://127.0.0.1:8080', 'ECONNREFUSED'],
  internal: [],
};

const keys = Object.keys(errors) as Key[];
const make = (key: Key): SluiceError => (errors[key] as (...args: unknown[]) => SluiceError)(...SAMPLES[key]);
const codes = keys.map((key) => errors[key].code);

const DOC = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const SOURCE = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');

describe('errors registry', () => {
  it('has a sample call for every factory (and none for a removed one)', () => {
    assert.deepEqual(Object.keys(SAMPLES).sort(), [...keys].sort());
  });

  it('gives each factory a unique code of the form ERR_UPPER_CASE', () => {
    for (const code of codes) assert.match(code, /^ERR_[A-Z_]+$/);
    const repeated = codes.filter((code, i) => codes.indexOf(code) !== i);
    assert.deepEqual(repeated, [], 'codes used twice');
  });

  it('makes SluiceErrors that carry the factory code and an HTTP error status (400-599)', () => {
    for (const key of keys) {
      const err = make(key);
      assert.ok(err instanceof SluiceError, key);
      assert.ok(err instanceof Error, key);
      assert.equal(err.name, 'SluiceError', key);
      assert.equal(err.code, errors[key].code, key);
      assert.ok(Number.isInteger(err.status) && err.status >= 400 && err.status <= 599, `${key}: status ${err.status}`);
      assert.ok(err.message.length > 0, `${key}: empty message`);
    }
  });
});

describe('docs/errors.md', () => {
  const headings = [...DOC.matchAll(/^## (\S.*?)\s*$/gm)].map((m) => m[1] as string);
  const codeHeadings = headings.filter((h) => h.startsWith('ERR_'));

  it('documents every registry code as a `## CODE` heading, once', () => {
    const missing = codes.filter((code) => !codeHeadings.includes(code));
    assert.deepEqual(missing, [], 'codes without a section in docs/errors.md');
    const twice = codeHeadings.filter((h, i) => codeHeadings.indexOf(h) !== i);
    assert.deepEqual(twice, [], 'codes with two sections');
  });

  it('documents no code that is not in the registry (headings or text)', () => {
    const stale = codeHeadings.filter((h) => !codes.includes(h));
    assert.deepEqual(stale, [], 'sections for codes the registry does not have');
    const mentioned = new Set(DOC.match(/\bERR_[A-Z_]+\b/g) ?? []);
    const unknown = [...mentioned].filter((code) => !codes.includes(code));
    assert.deepEqual(unknown, [], 'codes named in the text that the registry does not have');
  });

  it('gives each code its registry status, in its section and in the summary table', () => {
    for (const key of keys) {
      const { code, status } = make(key);
      const section = sectionOf(code);
      assert.match(section, new RegExp(`^\\*\\*Status:\\*\\* ${status}\\b`, 'm'), `${code}: section status`);
      assert.match(DOC, new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'), `${code}: table row`);
    }
  });

  it('puts each code under the group header it has in the registry', () => {
    for (const [code, group] of registryGroups()) {
      assert.equal(docGroupOf(code)?.toLowerCase(), group.toLowerCase(), `${code}: group`);
    }
  });

  it('describes both response shapes and the X-Sluice-Error header', () => {
    assert.match(DOC, /\{"code":"ERR_[A-Z_]+","message":"/);
    assert.match(DOC, /text\/plain/);
    assert.match(DOC, /X-Sluice-Error: <code>/);
  });
});

describe('SluiceError', () => {
  it('serializes to exactly {code, message}: no stack, no cause, no status', () => {
    const cause = new Error('secret detail');
    const err = new SluiceError('ERR_UPSTREAM_FAILED', 502, 'function "pi" failed', { cause });
    assert.deepEqual(Object.keys(err.toJSON()).sort(), ['code', 'message']);
    assert.deepEqual(err.toJSON(), { code: 'ERR_UPSTREAM_FAILED', message: 'function "pi" failed' });
    const wire = JSON.stringify(err);
    assert.equal(wire, '{"code":"ERR_UPSTREAM_FAILED","message":"function \\"pi\\" failed"}');
    assert.doesNotMatch(wire, /secret detail/);
  });

  it('serializes every registry error to its code and message only', () => {
    for (const key of keys) {
      const err = make(key);
      assert.deepEqual(JSON.parse(JSON.stringify(err)), { code: err.code, message: err.message }, key);
    }
  });
});

describe('toSluiceError', () => {
  it('wraps a plain Error as ERR_INTERNAL (500) keeping the original as cause', () => {
    const original = new Error('database is locked');
    const err = toSluiceError(original);
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'ERR_INTERNAL');
    assert.equal(err.code, errors.internal.code);
    assert.equal(err.status, 500);
    assert.equal(err.cause, original);
    assert.equal(err.message, errors.internal().message);
    assert.doesNotMatch(JSON.stringify(err), /database is locked/);
  });

  it('wraps a thrown non-Error value the same way', () => {
    const err = toSluiceError('boom');
    assert.equal(err.code, 'ERR_INTERNAL');
    assert.equal(err.cause, 'boom');
  });

  it('returns a SluiceError unchanged (same object)', () => {
    const original = errors.functionNotFound('pi');
    assert.equal(toSluiceError(original), original);
    assert.equal(original.code, 'ERR_FUNCTION_NOT_FOUND');
    assert.equal(original.status, 404);
  });
});

// --- internal ---

/** The text of `## CODE` up to the next heading of level 1 or 2. */
function sectionOf(code: string): string {
  const start = DOC.search(new RegExp(`^## ${code}\\s*$`, 'm'));
  assert.notEqual(start, -1, `${code}: no section`);
  const rest = DOC.slice(start + 3 + code.length);
  const end = rest.search(/^#{1,2} /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The `# Group` heading above `## CODE` in the docs. */
function docGroupOf(code: string): string | undefined {
  let group: string | undefined;
  for (const line of DOC.split('\n')) {
    const h1 = /^# (.+?)\s*$/.exec(line);
    if (h1) group = h1[1];
    if (line.trim() === `## ${code}`) return group;
  }
  return undefined;
}

/** code → the `// --- group ---` comment above its definition in errors.ts. */
function registryGroups(): Map<string, string> {
  const groups = new Map<string, string>();
  let group = '';
  // `\s*` spans the line break of factories written over several lines.
  for (const m of SOURCE.matchAll(/\/\/ --- (.+?) ---|define\(\s*'(ERR_[A-Z_]+)'/g)) {
    if (m[1] !== undefined) group = m[1];
    else groups.set(m[2] as string, group);
  }
  assert.deepEqual([...groups.keys()].sort(), [...codes].sort(), 'every registry code found in errors.ts');
  return groups;
}
