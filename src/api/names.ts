import { errors } from './errors.js';
import { DEFAULT_NAMESPACE, FUNCTION_NAME, MAX_NAME_LENGTH, MAX_SECRET_NAME_LENGTH, SECRET_NAME } from './types.js';

/** Throws ERR_INVALID_NAME unless `name` is a DNS-1123 label of at most 63 characters. */
export function assertFunctionName(name: string): void {
  if (!isFunctionName(name)) throw errors.invalidName(name);
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
  const name = splitQualified(qualified);
  assertFunctionName(name);
  return name;
}

/**
 * The function an invocation path (`/function/<fn>[.<namespace>]`) names. A name no deployment can
 * have is a function that does not exist: ERR_FUNCTION_NOT_FOUND (404), as OpenFaaS answers it (its
 * gateway looks the name up before the call; the certifier calls `/function/.openfaas-fn` and wants
 * 404 or 502). Another namespace is still ERR_WRONG_NAMESPACE.
 * @example parseInvokedName('Bad_Name') // throws ERR_FUNCTION_NOT_FOUND
 */
export function parseInvokedName(qualified: string): string {
  const name = splitQualified(qualified);
  if (!isFunctionName(name)) throw errors.functionNotFound(name);
  return name;
}

// --- internal ---

function isFunctionName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && FUNCTION_NAME.test(name);
}

/** The name part of `fn` or `fn.namespace` (split on the last dot), once the namespace is checked. */
function splitQualified(qualified: string): string {
  const dot = qualified.lastIndexOf('.');
  if (dot === -1) return qualified;
  assertNamespace(qualified.slice(dot + 1));
  return qualified.slice(0, dot);
}
