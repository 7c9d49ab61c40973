import { errors } from './errors.js';
import { DEFAULT_NAMESPACE, FUNCTION_NAME, MAX_NAME_LENGTH, MAX_SECRET_NAME_LENGTH, SECRET_NAME } from './types.js';

/** Throws ERR_INVALID_NAME unless `name` is a DNS-1123 label of at most 63 characters. */
export function assertFunctionName(name: string): void {
  if (name.length > MAX_NAME_LENGTH || !FUNCTION_NAME.test(name)) throw errors.invalidName(name);
}

/** Throws ERR_INVALID_SECRET unless `name` is a DNS-1123 subdomain (lower case, digits, `-` and `.`), as Kubernetes names secrets. */
export function assertSecretName(name: string): void {
  if (name.length > MAX_SECRET_NAME_LENGTH || !SECRET_NAME.test(name)) {
    throw errors.invalidSecret(`secret name "${name}" is not valid: use lower case letters, digits, "-" and "." (at most ${MAX_SECRET_NAME_LENGTH}), starting and ending with a letter or digit`);
  }
}

/** Throws ERR_WRONG_NAMESPACE for any namespace but the one Sluice serves; empty means default. */
export function assertNamespace(namespace: string | undefined | null): void {
  if (namespace && namespace !== DEFAULT_NAMESPACE) throw errors.wrongNamespace(namespace, DEFAULT_NAMESPACE);
}

/**
 * Splits a route name `fn` or `fn.namespace` on the last dot (OpenFaaS rule) and checks both parts.
 * @example parseQualifiedName('echo.openfaas-fn') // 'echo'
 */
export function parseQualifiedName(qualified: string): string {
  const dot = qualified.lastIndexOf('.');
  const name = dot === -1 ? qualified : qualified.slice(0, dot);
  if (dot !== -1) assertNamespace(qualified.slice(dot + 1));
  assertFunctionName(name);
  return name;
}
