import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuShares, cpuWeight, groupFiles } from './cgroups.js';

describe('cpuShares', () => {
  it('gives 1024 shares a core, from whole millicores, as the kubelet does', () => {
    assert.equal(cpuShares(0.25), 256);
    assert.equal(cpuShares(1), 1024);
    assert.equal(cpuShares(0.1), 102);
    assert.equal(cpuShares(1.5), 1536);
  });

  it("keeps to the kernel's bounds, 2 to 262144", () => {
    assert.equal(cpuShares(0.001), 2);
    assert.equal(cpuShares(1000), 262_144);
  });
});

describe('cpuWeight', () => {
  it('converts shares to a v2 weight as runc does', () => {
    assert.equal(cpuWeight(2), 1);
    assert.equal(cpuWeight(256), 10);
    assert.equal(cpuWeight(1024), 39);
    assert.equal(cpuWeight(262_144), 10_000);
  });
});

describe('groupFiles', () => {
  const mi = (n: number): string => String(n * 2 ** 20);

  it('turns requests into a CPU weight and memory reclaimed last (v1)', () => {
    assert.deepEqual(groupFiles('v1', { requests: { cpus: 0.25, memoryBytes: 32 * 2 ** 20 } }), {
      memory: { 'memory.soft_limit_in_bytes': mi(32) },
      cpu: { 'cpu.shares': '256' },
      optional: {},
    });
  });

  it('turns requests into cpu.weight and memory.low (v2)', () => {
    assert.deepEqual(groupFiles('v2', { requests: { cpus: 0.25, memoryBytes: 32 * 2 ** 20 } }), {
      memory: { 'memory.low': mi(32) },
      cpu: { 'cpu.weight': '10' },
      optional: {},
    });
  });

  it('writes limits and requests side by side', () => {
    const both = { memoryBytes: 128 * 2 ** 20, cpus: 0.5, requests: { memoryBytes: 64 * 2 ** 20, cpus: 0.1 } };
    assert.deepEqual(groupFiles('v1', both), {
      memory: { 'memory.limit_in_bytes': mi(128), 'memory.soft_limit_in_bytes': mi(64) },
      cpu: { 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '50000', 'cpu.shares': '102' },
      optional: { 'memory.memsw.limit_in_bytes': mi(128) },
    });
    assert.deepEqual(groupFiles('v2', both), {
      memory: { 'memory.max': mi(128), 'memory.low': mi(64) },
      cpu: { 'cpu.max': '50000 100000', 'cpu.weight': '4' },
      optional: { 'memory.swap.max': '0' },
    });
  });

  it('leaves out what is not set', () => {
    assert.deepEqual(groupFiles('v1', { cpus: 2 }), { memory: {}, cpu: { 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '200000' }, optional: {} });
  });
});
