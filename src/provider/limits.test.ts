import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unenforcedLimits } from './limits.js';

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
});
