import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_NAMESPACE, assertSecretName, errors, type SecretName } from '../api/index.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/**
 * Secrets, encrypted at rest in the data dir (AES-256-GCM; the key is a file of its own, 0600, made
 * on first use), and mounted for the functions that list them: one directory per function holding
 * a file per secret (0400), named by `SLUICE_SECRETS_DIR` in the function's environment, as OpenFaaS
 * mounts them at /var/openfaas/secrets/<name>. Layout under `<data>/secrets/`: `key`, `store/<name>`
 * (iv, tag, ciphertext), `functions/<function>/<name>`.
 */
export class SecretStore {
  readonly #root: string;
  #key: Buffer | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  async open(): Promise<void> {
    await mkdir(this.#dir('store'), { recursive: true, mode: 0o700 });
    await mkdir(this.#dir('functions'), { recursive: true, mode: 0o700 });
    await chmod(this.#root, 0o700);
    this.#key = await this.#loadKey();
  }

  async list(): Promise<SecretName[]> {
    const names = (await readdir(this.#dir('store'))).filter((n) => !n.startsWith('.')).sort();
    return names.map((name) => ({ name, namespace: DEFAULT_NAMESPACE }));
  }

  async has(name: string): Promise<boolean> {
    return (await this.#read(name)) !== undefined;
  }

  /** Stores a new secret (`replace`: an existing one's new value); ERR_SECRET_EXISTS / ERR_SECRET_NOT_FOUND otherwise. */
  async put(name: string, value: Buffer, mode: 'create' | 'replace'): Promise<void> {
    assertSecretName(name);
    const exists = await this.has(name);
    if (mode === 'create' && exists) throw errors.secretExists(name);
    if (mode === 'replace' && !exists) throw errors.secretNotFound(name);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keyOrFail(), iv);
    const sealed = Buffer.concat([iv, Buffer.alloc(TAG_BYTES), cipher.update(value), cipher.final()]);
    cipher.getAuthTag().copy(sealed, IV_BYTES);
    // Written aside, then renamed: a crash mid-write never leaves half a secret.
    const aside = this.#dir('store', `.${name}.new`);
    await writeFile(aside, sealed, { mode: 0o600 });
    await rename(aside, this.#dir('store', name));
  }

  async remove(name: string): Promise<void> {
    if (!(await this.has(name))) throw errors.secretNotFound(name);
    await rm(this.#dir('store', name));
  }

  /** A secret's value; undefined when it is not stored. */
  value(name: string): Promise<Buffer | undefined> {
    return this.#read(name);
  }

  /** The names of `wanted` that are not stored. */
  async missing(wanted: readonly string[]): Promise<string[]> {
    const found = await Promise.all(wanted.map((name) => this.has(name)));
    return wanted.filter((_, i) => !found[i]);
  }

  /**
   * Writes the function's secrets directory afresh with the files of the `wanted` secrets that
   * exist (each 0400), and returns its path.
   */
  async mount(fn: string, wanted: readonly string[]): Promise<string> {
    const dir = this.#dir('functions', fn);
    const fresh = `${dir}.new`;
    await rm(fresh, { recursive: true, force: true });
    await mkdir(fresh, { mode: 0o700 });
    for (const name of wanted) {
      const value = await this.#read(name);
      if (value !== undefined) await writeFile(path.join(fresh, name), value, { mode: 0o400 });
    }
    await rm(dir, { recursive: true, force: true });
    await rename(fresh, dir);
    return dir;
  }

  async unmount(fn: string): Promise<void> {
    await rm(this.#dir('functions', fn), { recursive: true, force: true });
  }

  // --- internal ---

  #dir(...parts: string[]): string {
    return path.join(this.#root, ...parts);
  }

  #keyOrFail(): Buffer {
    if (!this.#key) throw new Error('the secret store is not open');
    return this.#key;
  }

  async #read(name: string): Promise<Buffer | undefined> {
    if (!name || name.includes('/') || name.startsWith('.')) return undefined;
    const sealed = await readFile(this.#dir('store', name)).catch(() => undefined);
    if (!sealed) return undefined;
    const decipher = createDecipheriv(ALGORITHM, this.#keyOrFail(), sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }

  async #loadKey(): Promise<Buffer> {
    const file = this.#dir('key');
    const key = await readFile(file).catch(() => undefined);
    if (key?.length === KEY_BYTES) return key;
    if (key) throw errors.configInvalid([`${file} is not a ${KEY_BYTES}-byte key: restore it from a backup, or remove it and the secrets under ${this.#dir('store')} and create them again`]);
    const made = randomBytes(KEY_BYTES);
    await writeFile(file, made, { mode: 0o600, flag: 'wx' });
    return made;
  }
}
