import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError, assertFunctionName, assertNamespace, parseInvokedName, parseQualifiedName } from './index.js';

/** Asserts `fn` throws a SluiceError with this code and status (400 unless given); returns its message. */
function rejects(fn: () => unknown, code: string, status = 400): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, `expected a SluiceError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return err.message;
  }
  assert.fail(`expected ${code}`);
}

describe('assertFunctionName', () => {
  for (const name of ['a', 'echo', 'my-fn-2', '0abc', 'a-b-c', '9', 'a'.repeat(63)]) {
    it(`accepts ${JSON.stringify(name.length > 20 ? `${name.length} chars` : name)}`, () => {
      assert.doesNotThrow(() => assertFunctionName(name));
    });
  }

  for (const name of ['', 'A', 'Echo', '-a', 'a-', 'a_b', 'a.b', 'a b', 'a/b', 'é', 'a'.repeat(64)]) {
    it(`rejects ${JSON.stringify(name.length > 20 ? `${name.length} chars` : name)} with ERR_INVALID_NAME`, () => {
      const message = rejects(() => assertFunctionName(name), 'ERR_INVALID_NAME');
      assert.ok(message.includes(`"${name}"`), 'names the rejected name');
    });
  }
});

describe('assertNamespace', () => {
  for (const namespace of [undefined, null, '', 'openfaas-fn']) {
    it(`accepts ${JSON.stringify(namespace)} (the default namespace)`, () => {
      assert.doesNotThrow(() => assertNamespace(namespace));
    });
  }

  for (const namespace of ['other', 'OPENFAAS-FN', 'openfaas', 'openfaas-fn ']) {
    it(`rejects ${JSON.stringify(namespace)} with ERR_WRONG_NAMESPACE`, () => {
      const message = rejects(() => assertNamespace(namespace), 'ERR_WRONG_NAMESPACE');
      assert.ok(message.includes(`"${namespace}"`), 'names the rejected namespace');
      assert.ok(message.includes('openfaas-fn'), 'names the namespace to use');
    });
  }
});

describe('parseQualifiedName', () => {
  it('returns a bare name as is', () => {
    assert.equal(parseQualifiedName('fn'), 'fn');
  });

  it('strips the default namespace', () => {
    assert.equal(parseQualifiedName('fn.openfaas-fn'), 'fn');
    assert.equal(parseQualifiedName('my-fn-2.openfaas-fn'), 'my-fn-2');
  });

  it('rejects another namespace with ERR_WRONG_NAMESPACE', () => {
    const message = rejects(() => parseQualifiedName('fn.other'), 'ERR_WRONG_NAMESPACE');
    assert.ok(message.includes('"other"'));
  });

  it('splits on the last dot: the namespace is what follows it', () => {
    // 'a.openfaas-fn' + '.other': namespace "other", not "openfaas-fn.other".
    const message = rejects(() => parseQualifiedName('a.openfaas-fn.other'), 'ERR_WRONG_NAMESPACE');
    assert.ok(message.includes('"other"'), message);
    // 'a.b' + '.openfaas-fn': the namespace passes, then "a.b" is not a valid name.
    const invalid = rejects(() => parseQualifiedName('a.b.openfaas-fn'), 'ERR_INVALID_NAME');
    assert.ok(invalid.includes('"a.b"'), invalid);
  });

  it('checks the name part too', () => {
    rejects(() => parseQualifiedName('Bad_Name'), 'ERR_INVALID_NAME');
    rejects(() => parseQualifiedName('Bad_Name.openfaas-fn'), 'ERR_INVALID_NAME');
    rejects(() => parseQualifiedName('.openfaas-fn'), 'ERR_INVALID_NAME');
    rejects(() => parseQualifiedName(`${'a'.repeat(64)}.openfaas-fn`), 'ERR_INVALID_NAME');
    assert.equal(parseQualifiedName(`${'a'.repeat(63)}.openfaas-fn`), 'a'.repeat(63));
  });
});

describe('parseInvokedName', () => {
  it('reads a name as parseQualifiedName does', () => {
    assert.equal(parseInvokedName('fn'), 'fn');
    assert.equal(parseInvokedName('fn.openfaas-fn'), 'fn');
  });

  it('answers a name no function can have with 404 ERR_FUNCTION_NOT_FOUND, as OpenFaaS does (certifier Test_InvokeNotFound)', () => {
    for (const name of ['.openfaas-fn', '', 'Bad_Name', 'a.b.openfaas-fn', `${'a'.repeat(64)}.openfaas-fn`]) {
      rejects(() => parseInvokedName(name), 'ERR_FUNCTION_NOT_FOUND', 404);
    }
  });

  it('still rejects another namespace with 400 ERR_WRONG_NAMESPACE', () => {
    rejects(() => parseInvokedName('fn.other'), 'ERR_WRONG_NAMESPACE');
  });
});
