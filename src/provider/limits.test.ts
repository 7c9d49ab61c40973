import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionDeployment } from '../api/index.js';
import { groupsFailedNote, resolveLimits, rlimitDeathReason, unenforcedLimits } from './limits.js';

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

  it('says limits.memory still bounds each process with an rlimit, and what does not apply', () => {
    const memory = 64 * 2 ** 20;
    assert.equal(unenforcedLimits({ ...fork, limits: { memoryBytes: memory } }, 'no cgroups'), 'limits.memory is enforced per process with an rlimit (no control groups: no cgroups)');
    assert.equal(
      unenforcedLimits({ ...fork, limits: { memoryBytes: memory, cpus: 1, requests: { cpus: 0.5 } } }, 'no cgroups'),
      'limits.memory is enforced per process with an rlimit (no control groups: no cgroups); limits.cpu and requests are not enforced',
    );
    assert.equal(unenforcedLimits({ ...fork, limits: { memoryBytes: memory, cpus: 1 } }, 'x'), 'limits.memory is enforced per process with an rlimit (no control groups: x); limits.cpu is not enforced');
    // A mode with no process has nothing to put an rlimit on.
    assert.equal(unenforcedLimits({ argv: [], env: {}, config: { mode: 'static' }, limits: { memoryBytes: memory } }, undefined), 'limits not enforced: static mode runs no process of its own');
  });

  it('warns a Node function under the rlimit when its limit leaves Node too little to start', () => {
    const node = (mi: number): string | undefined =>
      unenforcedLimits({ argv: ['node', 'index.mjs'], env: { NODE_OPTIONS: '--max-old-space-size=32' }, config: { mode: 'http' }, limits: { memoryBytes: mi * 2 ** 20 } }, 'off');
    assert.equal(node(64), 'limits.memory is enforced per process with an rlimit (no control groups: off); Node maps about 80 MiB before it serves a call, so 64Mi may be too little for it');
    assert.equal(node(128), 'limits.memory is enforced per process with an rlimit (no control groups: off)');
  });
});

describe('rlimitDeathReason', () => {
  const limit = 64 * 2 ** 20;
  const node = { env: { NODE_OPTIONS: '--max-old-space-size=32' } };

  it('names the rlimit for an allocation it refused, whatever the runtime says', () => {
    for (const line of ['RangeError: Array buffer allocation failed', 'MemoryError', "terminate called after throwing an instance of 'std::bad_alloc'", 'sort: memory exhausted', 'fatal error: runtime: out of memory', 'cat: Cannot allocate memory']) {
      assert.equal(rlimitDeathReason(`some output\n${line}\n`, { env: {} }, limit), 'ran out of memory: each of its processes may have at most 64Mi (limits.memory, enforced per process with an rlimit)', line);
    }
    assert.match(rlimitDeathReason('FATAL ERROR: Committing semi space failed. Allocation failed - JavaScript heap out of memory', node, limit) ?? '', /enforced per process with an rlimit/);
  });

  it("names the Node heap when V8 reached the bound it was given", () => {
    assert.equal(
      rlimitDeathReason('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', node, limit),
      'ran out of memory: its JavaScript heap is bounded to 32 MiB of its 64Mi (limits.memory)',
    );
  });

  it('says nothing of a process that failed otherwise', () => {
    assert.equal(rlimitDeathReason('Error: ENOENT: no such file\n', node, limit), undefined);
    assert.equal(rlimitDeathReason('', node, limit), undefined);
  });
});

describe('groupsFailedNote', () => {
  it('says the rlimit bounds memory instead where the function has a memory limit', () => {
    assert.equal(groupsFailedNote('EACCES', { cpus: 1 }), 'limits not applied: cannot make its control groups (EACCES)');
    assert.equal(groupsFailedNote('EACCES', { memoryBytes: 2 ** 27 }), 'limits not applied: cannot make its control groups (EACCES); limits.memory is enforced per process with an rlimit instead');
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
