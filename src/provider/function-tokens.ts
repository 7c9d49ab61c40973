import { createHash } from 'node:crypto';
import type { FunctionDeployment } from '../api/index.js';
import type { SecretStore } from './secret-store.js';

/** The label that puts a function's calls behind the gateway's basic auth. */
export const AUTH_LABEL = 'com.sluice.auth';
/** The annotation naming a secret whose value also opens such a function, as `Authorization: Bearer <value>`. */
export const TOKEN_ANNOTATION = 'com.sluice.auth.token-secret';

/** The secret a deployment's token comes from (TOKEN_ANNOTATION), if it names one. */
export function tokenSecret(dep: FunctionDeployment): string | undefined {
  return dep.annotations?.[TOKEN_ANNOTATION];
}

/**
 * The per-function Bearer tokens (docs/auth.md): SHA-256 of each guarded function's token secret,
 * kept in memory so a call's check reads no disk, and reloaded when the secret changes.
 */
export class FunctionTokens {
  readonly #digests = new Map<string, Buffer>();
  readonly #secrets: SecretStore;

  constructor(secrets: SecretStore) {
    this.#secrets = secrets;
  }

  /** Reads the deployment's token secret (trimmed, as a value written with echo), or forgets its token. */
  async load(dep: FunctionDeployment): Promise<void> {
    const secret = tokenSecret(dep);
    const value = secret ? (await this.#secrets.value(secret))?.toString('utf8').trim() : undefined;
    if (value) this.#digests.set(dep.service, createHash('sha256').update(value).digest());
    else this.#digests.delete(dep.service);
  }

  forget(name: string): void {
    this.#digests.delete(name);
  }

  /** SHA-256 of the function's token, when it has one. */
  digest(name: string): Buffer | undefined {
    return this.#digests.get(name);
  }
}
