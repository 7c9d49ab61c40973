import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionDeployment } from '../api/index.js';
import type { FunctionService } from './function-service.js';
import { statusOf } from './status.js';

/** The parts of a running service statusOf reads. */
const service = (desired: number, available: number): FunctionService => ({ spec: { env: { fprocess: 'cat' } }, desired, available }) as unknown as FunctionService;
const status = (dep: Partial<FunctionDeployment>, desired = 1, available = 1) =>
  statusOf({ service: 'fn', image: 'img', ...dep }, service(desired, available), '2026-01-01T00:00:00.000Z', 3);

describe('statusOf', () => {
  it('labels every function faas_function: <name>, beside its own labels (certifier compareDeployAndStatus)', () => {
    assert.deepEqual(status({}).labels, { faas_function: 'fn' });
    assert.deepEqual(status({ labels: { team: 'a' } }).labels, { team: 'a', faas_function: 'fn' });
    assert.deepEqual(status({ labels: { faas_function: 'other' } }).labels, { faas_function: 'fn' });
  });

  it('names the function and the one namespace, never `service`', () => {
    const shown = status({ namespace: 'openfaas-fn' });
    assert.equal(shown.name, 'fn');
    assert.equal(shown.namespace, 'openfaas-fn');
    assert.equal('service' in shown, false);
  });

  it('omits zero replica counts (omit-if-empty) and falls back to the running fprocess', () => {
    const idle = status({}, 0, 0);
    assert.equal('replicas' in idle, false);
    assert.equal('availableReplicas' in idle, false);
    assert.equal(idle.envProcess, 'cat');
    assert.deepEqual([status({ envProcess: 'env' }, 2, 1).replicas, status({}, 2, 1).availableReplicas], [2, 1]);
  });

  it('leaves unset envVars, limits and requests out, as the Go types omit them', () => {
    const shown = status({});
    for (const key of ['envVars', 'limits', 'requests', 'secrets', 'constraints']) assert.equal(key in shown, false, key);
  });
});
