import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BundleManifest, errors, MANIFEST_FILE } from '../api/index.js';
import type { Stack, StackFunction } from '../stack/index.js';
import { bundleEntry } from './_esbuild.js';
import { copyDir } from './_fs.js';
import { installDependencies } from './_npm.js';
import { copyExtraPaths } from './copy-extra.js';
import { shrinkwrap } from './shrinkwrap.js';
import { pullMissingTemplate } from './stack-templates.js';
import { findTemplate, type Template } from './templates.js';

/** A built bundle: the folder `sluice deploy` packs and uploads. */
export interface BuiltBundle {
  name: string;
  /** Absolute folder of the bundle: `<outDir>/<name>`. */
  dir: string;
  manifest: BundleManifest;
}

/** Options of buildFunction. */
export interface BuildOptions {
  /** Where bundles are written, one folder per function. @default '<stack.dir>/build' */
  outDir?: string;
  /** Called as each step starts, for a progress line. */
  onProgress?: (step: string) => void;
  /** Also write a Dockerfile and the container's `sluice` (faas-cli `build --shrinkwrap`). */
  shrinkwrap?: boolean;
  /**
   * Pull the function's template first when `configuration.templates` lists it with a source and
   * `<stack dir>/template` lacks it (faas-cli's build; false is its `--disable-stack-pull`). @default true
   */
  pullTemplates?: boolean;
  /** Environment git runs with when a template is pulled. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Not copied from a handler folder: installed or built again in the bundle, or not ours to ship. */
const HANDLER_SKIP = new Set(['node_modules', 'build', '.git']);
/** Not copied from a template: the starter goes to the user, template.yml becomes function.json. */
const TEMPLATE_SKIP = new Set(['function', 'template.yml', 'README.md', 'node_modules', '.git']);

/**
 * Builds one function of a stack into a bundle folder (faas-cli `build --shrinkwrap`, then the
 * build itself): template files (pulled first when the stack lists one it lacks), the handler under
 * `function/` with the stack's `copy` paths beside it, the entry bundled with esbuild, production
 * dependencies, and function.json.
 * @example const bundle = await buildFunction(stack, stack.functions[0], { onProgress: console.log })
 */
export async function buildFunction(stack: Stack, fn: StackFunction, opts: BuildOptions = {}): Promise<BuiltBundle> {
  const progress = opts.onProgress ?? noProgress;
  const handlerDir = await requireInputs(stack, fn);
  if (opts.pullTemplates !== false) await pullMissingTemplate(stack, fn.lang as string, { env: opts.env, onProgress: progress });
  const template = await findTemplate(fn.lang as string, stack.dir);
  const dir = path.resolve(opts.outDir ?? path.join(stack.dir, 'build'), fn.name);

  progress(`copying template ${template.name}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  if (template.baseDir !== undefined) await copyDir(template.baseDir, dir, TEMPLATE_SKIP);
  await copyDir(template.dir, dir, TEMPLATE_SKIP);
  progress(`copying handler ${fn.handler}`);
  await copyDir(handlerDir, path.join(dir, 'function'), HANDLER_SKIP);
  if (stack.copy?.length) {
    progress(`copying ${stack.copy.join(', ')}`);
    await copyExtraPaths(stack, dir);
  }
  if (template.entry !== undefined) {
    progress(`bundling ${template.entry}`);
    await bundleEntry(fn.name, dir, template.entry, path.relative(stack.dir, handlerDir) || '.');
  }
  await installDependencies(fn.name, dir, handlerDir, () => progress('installing dependencies'));
  progress(`writing ${MANIFEST_FILE}`);
  const manifest = manifestFor(stack, fn, template);
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const bundle = { name: fn.name, dir, manifest };
  if (opts.shrinkwrap) {
    progress('writing Dockerfile and bundling sluice watchdog');
    await shrinkwrap(bundle, template, fn);
  }
  return bundle;
}

// --- internal ---

function noProgress(): void {}

/** lang and an existing handler folder are needed to build; returns the handler folder. */
async function requireInputs(stack: Stack, fn: StackFunction): Promise<string> {
  const problems: string[] = [];
  if (fn.lang === undefined || fn.lang === '') problems.push(`functions.${fn.name}.lang: required to build`);
  if (fn.handler === undefined || fn.handler === '') problems.push(`functions.${fn.name}.handler: required to build`);
  const handlerDir = path.resolve(stack.dir, fn.handler ?? '');
  if (fn.handler) {
    const info = await stat(handlerDir).catch(() => undefined);
    if (!info) problems.push(`functions.${fn.name}.handler: folder ${fn.handler} not found (next to ${path.basename(stack.file)})`);
    else if (!info.isDirectory()) problems.push(`functions.${fn.name}.handler: ${fn.handler} is a file; it must be a folder`);
  }
  if (problems.length) throw errors.stackInvalid(stack.file, problems);
  return handlerDir;
}

function manifestFor(stack: Stack, fn: StackFunction, template: Template): BundleManifest {
  const fprocess = fn.fprocess ?? template.fprocess;
  // A workflow runs no process: the gateway runs its steps.
  if (fprocess === '' && template.mode !== 'workflow') {
    throw errors.stackInvalid(stack.file, [`functions.${fn.name}.fprocess: required, as template ${template.name} sets none`]);
  }
  return { name: fn.name, lang: template.name, mode: template.mode, fprocess, environment: { ...template.environment } };
}
