import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { assertFunctionName, errors } from '../api/index.js';
import { mergeEnvironmentFiles } from './environment-file.js';
import { envsubst } from './envsubst.js';
import { byLine, lineOf, schemaProblems, yamlProblems, type Path, type SchemaInfo } from './problems.js';
import { ConfigurationSchema, FunctionSchema, StackSchema, type StackInput } from './schema.js';
import type { Stack, StackFunction } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates a stack file. Every problem is reported at once in one ERR_STACK_INVALID,
 * a missing file included.
 * @example const stack = await loadStack('stack.yml', process.env)
 */
export async function loadStack(file: string, env: Env = {}): Promise<Stack> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw errors.stackInvalid(file, [code === 'ENOENT' ? 'file not found' : (err as Error).message]);
  }
  const { stack, doc, lines } = parseStackDocument(text, file, env);
  const problems = await mergeEnvironmentFiles(stack, (at) => lineOf(doc, lines, at, false));
  if (problems.length) throw errors.stackInvalid(file, byLine(problems));
  return stack;
}

/**
 * Parses stack.yml text (after `${VAR}` / `${VAR:-default}` substitution from `env`) and validates
 * it against the OpenFaaS schema. Pure: `file` only names the stack in errors and anchors `dir`.
 */
export function parseStack(text: string, file: string, env: Env = {}): Stack {
  return parseStackDocument(text, file, env).stack;
}

// --- internal ---

/** parseStack, keeping the YAML document for the line numbers of later problems (environment files). */
function parseStackDocument(text: string, file: string, env: Env): { stack: Stack; doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(envsubst(text, env), { lineCounter: lines, merge: true, prettyErrors: true });
  if (doc.errors.length) throw errors.stackInvalid(file, yamlProblems(doc.errors));

  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (err) {
    // The parser accepts some documents it cannot turn into values (an alias to no anchor: `*a`).
    throw errors.stackInvalid(file, [`${(err as Error).message}`]);
  }
  const result = StackSchema.safeParse(data);
  const problems = result.success ? [] : schemaProblems(result.error.issues, doc, lines, STACK_SCHEMA);
  const names = functionNames(doc);
  for (const name of names) {
    try {
      assertFunctionName(name);
    } catch (err) {
      problems.push(`functions.${name}: ${(err as Error).message}${lineOf(doc, lines, ['functions', name], true)}`);
    }
  }
  if (!result.success || problems.length) throw errors.stackInvalid(file, byLine(problems));
  return { stack: toStack(result.data, names, path.resolve(file)), doc, lines };
}

const TOP_KEYS = Object.keys(StackSchema.shape);
const PROVIDER_KEYS = Object.keys(StackSchema.shape.provider.shape);
const FUNCTION_KEYS = Object.keys(FunctionSchema.shape);
const CONFIGURATION_KEYS = Object.keys(ConfigurationSchema.shape);
const TEMPLATE_SOURCE_KEYS = ['name', 'source'];

const STACK_SCHEMA: SchemaInfo = { known: knownKeys, schemaName: 'the OpenFaaS stack.yml schema', root: 'stack file' };

function knownKeys(at: Path): readonly string[] {
  if (at.length === 0) return TOP_KEYS;
  if (at[0] === 'provider') return PROVIDER_KEYS;
  if (at[0] === 'configuration') return at.length === 1 ? CONFIGURATION_KEYS : at[1] === 'templates' && at.length === 3 ? TEMPLATE_SOURCE_KEYS : [];
  return at[0] === 'functions' && at.length === 2 ? FUNCTION_KEYS : [];
}

/** Function names in file order, from the YAML node: a JS object would move numeric keys first. */
function functionNames(doc: Document): string[] {
  const node = doc.get('functions', true);
  if (!isMap(node)) return [];
  return node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
}

function toStack(input: StackInput, names: readonly string[], file: string): Stack {
  const functions = names.map((name): StackFunction => {
    const fn = input.functions[name];
    const out: StackFunction = {
      name,
      environment: fn?.environment ?? {},
      labels: fn?.labels ?? {},
      annotations: fn?.annotations ?? {},
    };
    if (fn?.secrets?.length) out.secrets = fn.secrets;
    if (fn?.limits) out.limits = { ...fn.limits };
    if (fn?.requests) out.requests = { ...fn.requests };
    if (fn?.constraints?.length) out.constraints = fn.constraints;
    if (typeof fn?.readonly_root_filesystem === 'boolean') out.readOnlyRootFilesystem = fn.readonly_root_filesystem;
    if (fn?.environment_file?.length) out.environmentFiles = fn.environment_file;
    if (fn?.lang !== undefined) out.lang = fn.lang;
    if (fn?.handler !== undefined) out.handler = fn.handler;
    if (fn?.image !== undefined) out.image = fn.image;
    if (fn?.fprocess !== undefined) out.fprocess = fn.fprocess;
    return out;
  });
  const provider: Stack['provider'] = { name: 'openfaas' };
  if (input.provider.gateway !== undefined) provider.gateway = input.provider.gateway;
  const stack: Stack = { file, dir: path.dirname(file), provider, functions };
  if (input.version !== undefined) stack.version = '1.0';
  const templates = input.configuration?.templates ?? [];
  if (templates.length) stack.templates = templates.map(({ name, source }) => (source === undefined ? { name } : { name, source }));
  const copy = input.configuration?.copy ?? [];
  if (copy.length) stack.copy = copy;
  return stack;
}
