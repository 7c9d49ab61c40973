import { existsSync } from 'node:fs';
import path from 'node:path';
import { errors, SluiceError } from '../api/index.js';
import type { Stack, StackTemplate } from '../stack/index.js';
import { pullTemplates, type PullResult } from './template-pull.js';
import { findTemplate } from './templates.js';

/** Options of pullStackTemplates. */
export interface StackPullOptions {
  /** Replace templates already in `<stack dir>/template`. @default false */
  overwrite?: boolean;
  /** Environment git runs with. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called as each step starts, for a progress line. */
  onProgress?: (step: string) => void;
}

/** What `template pull stack` did: PullResult, plus the entries without a source, found among the templates Sluice has. */
export interface StackPullResult extends PullResult {
  /** Listed without `source` (faas-cli's template store, which Sluice has not): a built-in or ./template one of that name. */
  found: string[];
}

/**
 * Pulls every template the stack's `configuration.templates` lists into `<stack dir>/template`,
 * where the builder looks (faas-cli `template pull stack`): from each entry's source, only the
 * template of its name. An entry without a source must name a template Sluice already has.
 * A problem with an entry is ERR_STACK_INVALID naming it (`configuration.templates[1]`).
 */
export async function pullStackTemplates(stack: Stack, opts: StackPullOptions = {}): Promise<StackPullResult> {
  const result: StackPullResult = { written: [], skipped: [], found: [] };
  for (const [i, entry] of (stack.templates ?? []).entries()) {
    if (entry.source === undefined) {
      await requireKnown(stack, i, entry);
      result.found.push(entry.name);
      continue;
    }
    const pulled = await pullEntry(stack, i, entry, entry.source, opts);
    result.written.push(...pulled.written);
    result.skipped.push(...pulled.skipped);
  }
  return result;
}

/**
 * Before a build: pulls the template `lang` names when `configuration.templates` lists it with a
 * source and `<stack dir>/template/<lang>` is not there yet (faas-cli's build, up and publish do the
 * same). A listed template wins over Sluice's own of that name: the stack asked for that source.
 * Returns whether it pulled.
 */
export async function pullMissingTemplate(stack: Stack, lang: string, opts: StackPullOptions = {}): Promise<boolean> {
  const i = (stack.templates ?? []).findIndex((entry) => entry.name === lang);
  const entry = stack.templates?.[i];
  if (entry?.source === undefined || existsSync(path.join(stack.dir, 'template', lang))) return false;
  opts.onProgress?.(`pulling template ${lang} from ${entry.source}`);
  await pullEntry(stack, i, entry, entry.source, { ...opts, overwrite: false });
  return true;
}

// --- internal ---

/** One entry's pull; what is wrong with the entry (no folder, no such template) names it. */
async function pullEntry(stack: Stack, i: number, entry: StackTemplate, source: string, opts: StackPullOptions): Promise<PullResult> {
  try {
    return await pullTemplates(source, { cwd: stack.dir, only: [entry.name], overwrite: opts.overwrite === true, env: opts.env, onProgress: opts.onProgress });
  } catch (err) {
    const where = `configuration.templates[${i}] (${entry.name})`;
    if (err instanceof SluiceError && err.code === errors.badRequest.code) throw errors.stackInvalid(stack.file, [`${where}: ${err.message}`]);
    throw new Error(`${where}: pulling from ${source} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** An entry without a source: there is no template store to ask, so Sluice must have the template. */
async function requireKnown(stack: Stack, i: number, entry: StackTemplate): Promise<void> {
  try {
    await findTemplate(entry.name, stack.dir);
  } catch (err) {
    if (!(err instanceof SluiceError) || err.code !== errors.templateNotFound.code) throw err;
    throw errors.stackInvalid(stack.file, [
      `configuration.templates[${i}] (${entry.name}): no source, and Sluice has no template store to look it up in: give its git URL or folder as source`,
    ]);
  }
}
