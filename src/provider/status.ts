import { DEFAULT_NAMESPACE, type FunctionDeployment, type FunctionStatus } from '../api/index.js';
import type { FunctionService } from './function-service.js';

/** The label every function carries, naming it, as faas-netes labels a function's pods. */
export const FUNCTION_LABEL = 'faas_function';

/**
 * FunctionStatus as OpenFaaS shapes it: `name` for `service`, zero counts omitted (omit-if-empty),
 * `envProcess` the process that really runs (a bundle's own fprocess when the deployment sets none),
 * and the labels with `faas_function: <name>` added (the certifier expects it of every provider).
 */
export function statusOf(dep: FunctionDeployment, service: FunctionService, createdAt: string, invocations: number): FunctionStatus {
  const { service: name, namespace: _namespace, ...rest } = dep;
  const status: FunctionStatus = {
    name,
    ...rest,
    labels: { ...dep.labels, [FUNCTION_LABEL]: name },
    namespace: DEFAULT_NAMESPACE,
    envProcess: dep.envProcess ?? (service.spec.env['fprocess'] as string),
    invocationCount: invocations,
    createdAt,
  };
  if (service.desired > 0) status.replicas = service.desired;
  const available = service.available;
  if (available > 0) status.availableReplicas = available;
  return status;
}
