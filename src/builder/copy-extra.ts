import { cp, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../api/index.js';
import type { Stack } from '../stack/index.js';

/** The handler's folder in a bundle: the stack's `copy` paths go under it, as in faas-cli's build context. */
const FUNCTION_DIR = 'function';

/**
 * Copies the stack's `configuration.copy` paths (relative to the stack file's folder) into the
 * bundle at `function/<path>`, where faas-cli puts them (`build/<fn>/function/<path>`), so handlers
 * can share code: `copy: [./common]` makes `function/common/`, beside the handler's files and over
 * any of the same name. Every path is checked first, on disk: one that is missing, or that leads
 * outside the stack file's folder (`..`, a symlink), is ERR_STACK_INVALID naming it, and nothing
 * is copied.
 */
export async function copyExtraPaths(stack: Stack, bundleDir: string): Promise<void> {
  const paths = stack.copy ?? [];
  if (paths.length === 0) return;
  const root = await realpath(stack.dir);
  const output = await realpath(bundleDir);
  const checked = await Promise.all(paths.map((written, i) => checkPath(stack, { root, output }, written, i)));
  const problems = checked.filter((item): item is string => typeof item === 'string');
  if (problems.length) throw errors.stackInvalid(stack.file, problems);
  for (const item of checked) {
    if (typeof item === 'string') continue;
    const to = path.join(bundleDir, FUNCTION_DIR, item.rel);
    await mkdir(path.dirname(to), { recursive: true });
    // Links inside are copied as links, as the handler's are: the check above is for the path named.
    await cp(item.from, to, { recursive: true, verbatimSymlinks: true, force: true });
  }
}

// --- internal ---

/** The path to copy and where it goes under function/, or the problem with it. */
async function checkPath(stack: Stack, dirs: { root: string; output: string }, written: string, i: number): Promise<{ from: string; rel: string } | string> {
  const key = `configuration.copy[${i}]`;
  const rel = path.relative(stack.dir, path.resolve(stack.dir, written));
  if (rel === '') return `${key}: ${written} is the stack file's whole folder: name the folders or files to copy`;
  if (isOutside(rel)) return `${key}: ${written} is outside the stack file's folder`;
  let real: string;
  try {
    real = await realpath(path.join(stack.dir, rel));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${key}: ${written} not found (next to ${path.basename(stack.file)})`;
    return `${key}: ${written}: ${(err as Error).message}`;
  }
  const realRel = path.relative(dirs.root, real);
  if (realRel === '' || isOutside(realRel)) return `${key}: ${written} leads outside the stack file's folder (to ${real})`;
  // `copy: [build]` would copy the bundle into itself.
  if (!isOutside(path.relative(real, dirs.output))) return `${key}: ${written} holds the build's own output folder`;
  return { from: real, rel };
}

function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}
