import { BUNDLE_ANNOTATION, type FunctionDeployment } from '../api/index.js';
import type { StackFunction } from '../stack/index.js';

/**
 * The OpenFaaS FunctionDeployment for a stack function, as `faas-cli deploy` sends it; with a bundle
 * digest, the annotation that ties the deployment to the uploaded bundle. Empty maps are left out.
 * @example deploymentFor(fn, 'sha256:…') // { service: 'echo', image: 'echo:latest', annotations: { 'com.sluice.bundle': 'sha256:…' } }
 */
export function deploymentFor(fn: StackFunction, bundleDigest?: string): FunctionDeployment {
  const deployment: FunctionDeployment = { service: fn.name, image: fn.image ?? `${fn.name}:latest` };
  if (fn.fprocess !== undefined) deployment.envProcess = fn.fprocess;
  const annotations = bundleDigest === undefined ? fn.annotations : { ...fn.annotations, [BUNDLE_ANNOTATION]: bundleDigest };
  if (hasKeys(fn.environment)) deployment.envVars = { ...fn.environment };
  if (hasKeys(fn.labels)) deployment.labels = { ...fn.labels };
  if (hasKeys(annotations)) deployment.annotations = { ...annotations };
  if (fn.secrets?.length) deployment.secrets = [...fn.secrets];
  if (fn.limits?.memory || fn.limits?.cpu) deployment.limits = { ...fn.limits };
  if (fn.requests?.memory || fn.requests?.cpu) deployment.requests = { ...fn.requests };
  if (fn.constraints?.length) deployment.constraints = [...fn.constraints];
  if (fn.readOnlyRootFilesystem !== undefined) deployment.readOnlyRootFilesystem = fn.readOnlyRootFilesystem;
  return deployment;
}

function hasKeys(map: Record<string, string>): boolean {
  for (const _ in map) return true;
  return false;
}
