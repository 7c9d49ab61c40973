import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { schemaProblems, yamlProblems, type Path, type SchemaInfo } from './problems.js';
import { EnvironmentFileSchema } from './schema.js';
import type { Stack } from './types.js';

const ENV_FILE_SCHEMA: SchemaInfo = {
  known: (at) => (at.length === 0 ? ['environment'] : []),
  schemaName: 'an environment file (one environment: map)',
  root: 'file',
};

/**
 * Reads each function's `environment_file` list (relative to the stack file's folder, as faas-cli
 * resolves them) and merges the maps into its `environment`, as faas-cli's deploy does:
 * `environment` < the files, a later file winning over an earlier one (`--env` flags then win over
 * both). Returns problem lines naming the stack key and its line (`lineOf`), plus the file's own
 * line for a problem inside it; the stack is changed only where no problem was found.
 */
export async function mergeEnvironmentFiles(stack: Stack, lineOf: (at: Path) => string): Promise<string[]> {
  const problems: string[] = [];
  for (const fn of stack.functions) {
    const files = fn.environmentFiles ?? [];
    const merged: Record<string, string> = {};
    for (const [i, name] of files.entries()) {
      const at = ['functions', fn.name, 'environment_file', i];
      const read = await readEnvironmentFile(path.resolve(stack.dir, name), name);
      if (Array.isArray(read)) problems.push(...read.map((text) => `${at.slice(0, 3).join('.')}[${i}]: ${text}${lineOf(at)}`));
      else Object.assign(merged, read);
    }
    fn.environment = { ...fn.environment, ...merged };
  }
  return problems;
}

// --- internal ---

/** One file's `environment:` map, or its problems (`env.yml line 2: environment.A: expected …`). */
async function readEnvironmentFile(file: string, shown: string): Promise<Record<string, string> | string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return [`${shown}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message}`];
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length) return yamlProblems(doc.errors).map((problem) => `${shown} ${problem}`);
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (err) {
    return [`${shown}: ${(err as Error).message}`];
  }
  const result = EnvironmentFileSchema.safeParse(data);
  if (result.success) return result.data.environment ?? {};
  // "environment.A: expected … (line 2)" → "env.yml line 2: environment.A: expected …"
  return schemaProblems(result.error.issues, doc, lines, ENV_FILE_SCHEMA).map((problem) => {
    const line = / \(line (\d+)\)$/.exec(problem);
    return line ? `${shown} line ${line[1]}: ${problem.slice(0, line.index)}` : `${shown}: ${problem}`;
  });
}
