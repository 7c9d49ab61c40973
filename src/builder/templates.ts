import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { errors, RuntimeMode } from '../api/index.js';

/** A function template: a folder with template.yml, the runner files and a `function/` starter. */
export interface Template {
  /** Folder name: what `lang:` in stack.yml names. */
  name: string;
  /** Absolute folder of the template. */
  dir: string;
  /** One line for `sluice new --list`. */
  description: string;
  mode: RuntimeMode;
  /** Command line that starts the function, run in the bundle folder. */
  fprocess: string;
  /** Defaults written to function.json (exec_timeout, RAW_BODY…). */
  environment: Record<string, string>;
  /** File bundled with esbuild into `index.mjs`, e.g. `runner.ts`. */
  entry?: string;
  /** OpenFaaS language names that mean this template (`node20` → node-ts). */
  aliases: string[];
  /** Template whose files are copied first (this one's go on top), e.g. python3-flask → python3-http. */
  baseDir?: string;
  /** Debian packages the function needs at run time (for the shrinkwrap Dockerfile). */
  packages: string[];
}

/** Where faas-cli keeps pulled templates, relative to the working folder. */
const LOCAL_TEMPLATES = 'template';
/** Sluice's own templates: two levels up from src/builder or dist/builder is the package root. */
const BUILT_IN_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const TEMPLATE_FILE = 'template.yml';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** template.yml: OpenFaaS keys (language, fprocess, welcome_message, handler_folder…) plus Sluice's. */
const TemplateFile = z.looseObject({
  language: z.string().optional(),
  fprocess: z.string().optional(),
  description: z.string().optional(),
  mode: RuntimeMode.optional(),
  environment: z.record(z.string(), scalar).nullish(),
  entry: z.string().optional(),
  base: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  packages: z.array(z.string()).optional(),
});

/** A template as read, before its base is resolved. */
type ReadTemplate = Template & { base?: string };

/**
 * Every template: `./template/<name>` under `cwd` (the faas-cli convention) and Sluice's built-in
 * ones; on the same name the one under `cwd` wins. Sorted by name.
 * @example (await listTemplates(process.cwd())).map((t) => t.name) // ['node-ts', …]
 */
export async function listTemplates(cwd: string): Promise<Template[]> {
  const byName = new Map<string, ReadTemplate>();
  for (const template of await readTemplates(BUILT_IN_TEMPLATES)) byName.set(template.name, template);
  for (const template of await readTemplates(path.resolve(cwd, LOCAL_TEMPLATES))) byName.set(template.name, template);
  const resolved = [...byName.values()].map((template) => withBase(template, byName));
  return resolved.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The template named `lang` (or aliased so); ERR_TEMPLATE_NOT_FOUND lists the ones there are. */
export async function findTemplate(lang: string, cwd: string): Promise<Template> {
  const templates = await listTemplates(cwd);
  const found = templates.find((template) => template.name === lang) ?? templates.find((template) => template.aliases.includes(lang));
  if (!found) throw errors.templateNotFound(lang, templates.map((template) => template.name));
  return found;
}

// --- internal ---

/** Fills what a template leaves out (fprocess, mode, environment…) from its base, one level deep. */
function withBase(template: ReadTemplate, byName: ReadonlyMap<string, ReadTemplate>): Template {
  const { base: baseName, ...own } = template;
  if (baseName === undefined) return own;
  const base = byName.get(baseName);
  if (!base) throw errors.templateNotFound(baseName, [...byName.keys()]);
  const merged: Template = { ...own, baseDir: base.dir, fprocess: own.fprocess || base.fprocess, environment: { ...base.environment, ...own.environment } };
  if (own.packages.length === 0) merged.packages = base.packages;
  const entry = own.entry ?? base.entry;
  if (entry !== undefined) merged.entry = entry;
  return merged;
}

async function readTemplates(root: string): Promise<ReadTemplate[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return []; // no ./template folder is the normal case
  }
  const found = await Promise.all(names.map((name) => readTemplate(path.join(root, name))));
  return found.filter((template) => template !== undefined);
}

/** Undefined when the folder holds no template.yml (not a template); throws when it is invalid. */
async function readTemplate(dir: string): Promise<ReadTemplate | undefined> {
  const file = path.join(dir, TEMPLATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw errors.badRequest(`template ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = TemplateFile.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'template'}: ${issue.message}`);
    throw errors.badRequest(`template ${file} is invalid: ${problems.join('; ')}`);
  }
  const data = result.data;
  const template: ReadTemplate = {
    name: path.basename(dir),
    dir,
    description: (data.description ?? '').split('\n')[0] ?? '',
    mode: data.mode ?? 'http',
    fprocess: data.fprocess ?? '',
    environment: data.environment ?? {},
    aliases: data.aliases ?? [],
    packages: data.packages ?? [],
  };
  if (data.entry !== undefined) template.entry = data.entry;
  if (data.base !== undefined) template.base = data.base;
  return template;
}
