import { readFile, writeFile } from 'node:fs/promises';
import { isMap, isScalar, parseDocument, stringify, YAMLMap } from 'yaml';
import { assertFunctionName, errors } from '../api/index.js';
import { yamlProblems } from './problems.js';

/** What `sluice new` adds to a stack file. */
export interface NewStackFunction {
  name: string;
  lang: string;
  handler: string;
  image: string;
}

/** Options of appendStackFunction. */
export interface AppendOptions {
  /** Write a new stack file (error if it exists) instead of adding to an existing one. */
  create: boolean;
  /** `provider.gateway` of a new file. @default 'http://127.0.0.1:8080' */
  gateway?: string;
}

const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

/**
 * Writes a new stack file holding one function, or adds a function to an existing file keeping its
 * text and comments (faas-cli `new` and `new --append`).
 * @example await appendStackFunction('stack.yml', { name: 'hi', lang: 'node-ts', handler: './hi', image: 'hi:latest' }, { create: true })
 */
export async function appendStackFunction(file: string, fn: NewStackFunction, opts: AppendOptions): Promise<void> {
  assertFunctionName(fn.name);
  if (opts.create) await createStack(file, fn, opts.gateway ?? DEFAULT_GATEWAY);
  else await appendTo(file, fn);
}

// --- internal ---

async function createStack(file: string, fn: NewStackFunction, gateway: string): Promise<void> {
  const text = [
    'version: 1.0',
    'provider:',
    '  name: openfaas',
    `  gateway: ${scalar(gateway)}`,
    'functions:',
    `  ${scalar(fn.name)}:`,
    `    lang: ${scalar(fn.lang)}`,
    `    handler: ${scalar(fn.handler)}`,
    `    image: ${scalar(fn.image)}`,
    '',
  ].join('\n');
  try {
    // 'wx' makes "already exists" atomic: no check-then-write race with another `sluice new`.
    await writeFile(file, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw errors.badRequest(`${file} already exists: use --append to add a function to it`);
    }
    throw err;
  }
}

async function appendTo(file: string, fn: NewStackFunction): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw errors.stackInvalid(file, ['file not found']);
    throw err;
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw errors.stackInvalid(file, yamlProblems(doc.errors));
  if (!isMap(doc.contents)) throw errors.stackInvalid(file, ['stack file: expected a map']);
  let functions = doc.get('functions', true);
  if (functions === undefined || functions === null || (isScalar(functions) && functions.value === null)) {
    functions = new YAMLMap();
    doc.set('functions', functions);
  }
  if (!isMap(functions)) throw errors.stackInvalid(file, ['functions: expected a map of functions']);
  if (functions.has(fn.name)) throw errors.badRequest(`function "${fn.name}" already exists in ${file}`);
  functions.set(fn.name, doc.createNode({ lang: fn.lang, handler: fn.handler, image: fn.image }));
  await writeFile(file, String(doc));
}

/** A plain YAML scalar, quoted only when it must be. */
function scalar(value: string): string {
  return stringify(value).trimEnd();
}
