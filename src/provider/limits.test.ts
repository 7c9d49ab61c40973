import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionDeployment } from '../api/index.js';
import { resolveLimits, unenforcedLimits } from './limits.js';

describe('unenforcedLimits', () => {
  const fork = { argv: ['cat'], env: {}, config: { mode: 'fork' } };

  it('says nothing where the limits are enforced: a process to confine, and control groups', () => {
    assert.equal(unenforcedLimits(fork, undefined), undefined);
  });

  it('names why not: no control groups on the host, or a mode with no process of its own', () => {
    assert.equal(unenforcedLimits(fork, 'no writable cgroup hierarchy'), 'limits not enforced: no writable cgroup hierarchy');
    assert.equal(unenforcedLimits({ argv: [], env: {}, config: { mode: 'static' } }, undefined), 'limits not enforced: static mode runs no process of its own');
  });

  it("adds that a Node function's heap is still bounded", () => {
    const node = { argv: ['node', 'index.js'], env: { NODE_OPTIONS: '--max-old-space-size=96' }, config: { mode: 'http' } };
    assert.equal(unenforcedLimits(node, 'no cgroups'), 'limits not enforced: no cgroups (its Node heap is still bounded)');
  });

  it('names requests when the function has them', () => {
    assert.equal(unenforcedLimits({ ...fork, limits: { requests: { cpus: 0.1 } } }, 'no cgroups'), 'requests not enforced: no cgroups');
    assert.equal(unenforcedLimits({ ...fork, limits: { cpus: 1, requests: { cpus: 0.1 } } }, 'no cgroups'), 'limits and requests not enforced: no cgroups');
  });
});

describe('resolveLimits', () => {
  const dep = (more: Partial<FunctionDeployment>): FunctionDeployment => ({ service: 'f', image: 'x', ...more });
  const refused = (more: Partial<FunctionDeployment>, pattern: RegExp): void =>
    assert.throws(() => resolveLimits(dep(more)), (err: Error & { status?: number }) => err.status === 400 && pattern.test(err.message));

  it('is undefined for a function with neither limits nor requests', () => {
    assert.equal(resolveLimits(dep({})), undefined);
    assert.equal(resolveLimits(dep({ limits: {}, requests: {} })), undefined);
  });

  it('reads limits at the top and requests beside them', () => {
    assert.deepEqual(resolveLimits(dep({ limits: { memory: '128Mi', cpu: '1' }, requests: { memory: '32Mi', cpu: '250m' } })), {
      memoryBytes: 128 * 2 ** 20, cpus: 1, requests: { memoryBytes: 32 * 2 ** 20, cpus: 0.25 },
    });
  });

  it('is set for requests alone, so the replica gets its groups', () => {
    assert.deepEqual(resolveLimits(dep({ requests: { cpu: '100m' } })), { requests: { cpus: 0.1 } });
  });

  it('refuses a request it cannot read, naming it', () => {
    refused({ requests: { memory: 'lots' } }, /function "f": requests\.memory "lots" is not a memory size/);
    refused({ requests: { cpu: 'fast' } }, /function "f": requests\.cpu "fast" is not a CPU amount/);
  });

  it('refuses a request above its limit, naming both', () => {
    refused({ limits: { memory: '64Mi' }, requests: { memory: '128Mi' } }, /requests\.memory "128Mi" is more than limits\.memory "64Mi"/);
    refused({ limits: { cpu: '500m' }, requests: { cpu: '1' } }, /requests\.cpu "1" is more than limits\.cpu "500m"/);
  });

  it('takes a request equal to its limit, or with no limit of its kind', () => {
    assert.doesNotThrow(() => resolveLimits(dep({ limits: { memory: '64Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: '0.5' } })));
    assert.doesNotThrow(() => resolveLimits(dep({ limits: { cpu: '100m' }, requests: { memory: '1Gi' } })));
  });
});
