import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';

/** True when `dir` exists and holds at least one entry. */
export async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Copies the folder `from` into `to` recursively, leaving out top-level entries named in `skip`.
 * Symlinks are copied as links, not followed.
 */
export async function copyDir(from: string, to: string, skip: ReadonlySet<string> = new Set()): Promise<void> {
  await cp(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => {
      const rel = path.relative(from, source);
      return rel === '' || !skip.has(rel.split(path.sep)[0] ?? '');
    },
  });
}
