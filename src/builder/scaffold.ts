import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../api/index.js';
import { copyDir, isNonEmptyDir } from './_fs.js';
import type { Template } from './templates.js';

/**
 * Copies the template's `function/` starter into `targetDir` (faas-cli `new`). Refuses a folder that
 * already has files, so nothing of the user's is overwritten.
 */
export async function scaffoldFunction(template: Template, targetDir: string): Promise<void> {
  if (await isNonEmptyDir(targetDir)) {
    throw errors.badRequest(`${targetDir} already exists and is not empty: choose another name or --handler folder`);
  }
  const starter = path.join(template.dir, 'function');
  if (await isNonEmptyDir(starter)) await copyDir(starter, targetDir);
  else await mkdir(targetDir, { recursive: true });
}
