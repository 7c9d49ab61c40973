import path from 'node:path';
import { pullStackTemplates, pullTemplates } from '../../builder/index.js';
import type { PullResult, StackPullResult } from '../../builder/index.js';
import { openStack, shownPath } from '../_context.js';
import type { CliContext } from '../_context.js';
import { UsageError } from '../_errors.js';

/** Flags of `sluice template pull` and `template pull stack`. */
export type TemplatePullOptions = {
  overwrite?: boolean;
  json?: boolean;
};

/**
 * Runs `sluice template pull SOURCE`: the templates of SOURCE (a folder, or a git URL cloned into a
 * temp folder) into ./template once they load; a name already there is kept unless `--overwrite`.
 */
export async function runTemplatePull(source: string, opts: TemplatePullOptions, ctx: CliContext): Promise<void> {
  const result = await pullTemplates(source, { cwd: ctx.io.cwd, env: ctx.io.env, overwrite: opts.overwrite === true, onProgress: (step) => ctx.out.progress(step) });
  report(ctx, result, './template', opts.json === true);
}

/**
 * Runs `sluice template pull stack` (faas-cli's): each template the stack file's
 * `configuration.templates` lists, from its source, into `template/` next to the stack file, where
 * `build` looks. A stack that lists none is a usage error.
 */
export async function runTemplatePullStack(opts: TemplatePullOptions, ctx: CliContext): Promise<void> {
  const stack = await openStack(ctx);
  if (!stack.templates?.length) {
    throw new UsageError(`${shownPath(ctx, stack.file)} lists no templates to pull: add configuration.templates (name, source)`);
  }
  const result = await pullStackTemplates(stack, { env: ctx.io.env, overwrite: opts.overwrite === true, onProgress: (step) => ctx.out.progress(step) });
  report(ctx, result, templateFolder(ctx, stack.dir), opts.json === true);
}

// --- internal ---

/** `./template`, `./sub/template`, or the absolute path outside the working folder: as the user would type it. */
function templateFolder(ctx: CliContext, dir: string): string {
  const folder = path.join(dir, 'template');
  const rel = path.relative(ctx.io.cwd, folder);
  return rel.startsWith('..') || path.isAbsolute(rel) ? folder : `./${rel}`;
}

function report(ctx: CliContext, result: PullResult | StackPullResult, target: string, json: boolean): void {
  if (json) return ctx.out.json(result);
  for (const name of result.written) ctx.out.line(`Wrote template ${name} to ${target}/${name}`);
  for (const name of result.skipped) ctx.out.line(`Kept template ${name}: ${target}/${name} exists (--overwrite replaces it)`);
  for (const name of 'found' in result ? result.found : []) ctx.out.line(`Template ${name} has no source: using the one Sluice has (sluice template list)`);
}
