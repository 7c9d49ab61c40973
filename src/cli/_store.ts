import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../api/index.js';
import { loadStack } from '../stack/index.js';
import type { Stack, StackFunction } from '../stack/index.js';
import { shownPath } from './_context.js';
import type { CliContext } from './_context.js';
import { UsageError } from './_errors.js';

/**
 * The store `sluice store` reads by default: the functions shipped with Sluice, `functions/stack.yml`
 * of this package (two levels up from src/cli or dist/cli is the package root).
 */
export const SHIPPED_STORE = fileURLToPath(new URL('../../functions/stack.yml', import.meta.url));

/** The annotation holding a store function's one-line description (OpenFaaS store items have `description`). */
export const DESCRIPTION_ANNOTATION = 'description';

/**
 * One function of a store, as `store list --json` and `store describe --json` print it: the stack
 * entry with its handler folder made absolute, and its description.
 */
export type StoreItem = StackFunction & {
  /** Its `description` annotation; '' when it has none. */
  description: string;
};

/**
 * Loads a store: `url` names a stack file or a folder with one (`stack.yaml`, else `stack.yml`),
 * relative to the working folder or as a `file:` URL; without it, the shipped store. Remote stores
 * are refused (usage error): an OpenFaaS store's functions.json lists container images.
 * @example (await openStore(undefined, ctx)).functions.map((fn) => fn.name) // ['echo', 'pi', …]
 */
export async function openStore(url: string | undefined, ctx: CliContext): Promise<Stack> {
  const file = url === undefined ? SHIPPED_STORE : await storeFile(url, ctx.io.cwd);
  if (!existsSync(file)) {
    throw errors.stackInvalid(shownPath(ctx, file), ['file not found: --url names a stack file, or a folder with stack.yml']);
  }
  return loadStack(file, ctx.io.env);
}

/** The store's function called `name`; an unknown name is a usage error listing the store's names. */
export function storeFunction(store: Stack, name: string): StackFunction {
  const fn = store.functions.find((candidate) => candidate.name === name);
  if (fn) return fn;
  const names = store.functions.map((candidate) => candidate.name);
  throw new UsageError(`no function "${name}" in the store ${store.file}; available: ${names.join(', ') || '(none)'}`);
}

/** A store function as the `--json` outputs show it. */
export function storeItem(store: Stack, fn: StackFunction): StoreItem {
  return {
    name: fn.name,
    description: fn.annotations[DESCRIPTION_ANNOTATION] ?? '',
    ...(fn.lang === undefined ? {} : { lang: fn.lang }),
    ...(fn.handler === undefined ? {} : { handler: path.resolve(store.dir, fn.handler) }),
    ...(fn.image === undefined ? {} : { image: fn.image }),
    ...(fn.fprocess === undefined ? {} : { fprocess: fn.fprocess }),
    environment: fn.environment,
    labels: fn.labels,
    annotations: fn.annotations,
  };
}

// --- internal ---

/** `scheme://…` other than `file:`. */
const REMOTE = /^[a-z][a-z\d+.-]*:\/\//i;

async function storeFile(url: string, cwd: string): Promise<string> {
  if (url.startsWith('file:')) return folderStack(fileURLToPath(url));
  if (REMOTE.test(url)) {
    throw new UsageError(
      `--url ${url}: only local stores are supported (a stack file, or a folder with stack.yml); ` +
        "an OpenFaaS store's functions.json lists container images, which Sluice does not run",
    );
  }
  return folderStack(path.resolve(cwd, url));
}

/** A folder stands for its stack file (faas-cli's rule: stack.yaml if present, else stack.yml). */
async function folderStack(file: string): Promise<string> {
  if (!(await stat(file).catch(() => undefined))?.isDirectory()) return file;
  const yaml = path.join(file, 'stack.yaml');
  return existsSync(yaml) ? yaml : path.join(file, 'stack.yml');
}
