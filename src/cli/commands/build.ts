import type { Command } from 'commander';
import { SluiceError, errors } from '../../api/index.js';
import { buildFunction } from '../../builder/index.js';
import type { BuiltBundle } from '../../builder/index.js';
import type { Stack, StackFunction } from '../../stack/index.js';
import { contextOf, openStack, shownPath } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice build`. */
export type BuildOptions = {
  /** faas-cli's "write ./build/<fn> as a container build context": adds a Dockerfile running `sluice watchdog`. */
  shrinkwrap?: boolean;
  /** faas-cli's: don't pull a template `configuration.templates` lists when template/ lacks it (build and up). */
  disableStackPull?: boolean;
};

/** The `--disable-stack-pull` flag, shared with `up`. */
export const DISABLE_STACK_PULL = ['--disable-stack-pull', "don't pull the templates the stack's configuration.templates lists when template/ lacks them"] as const;

/** Registers `sluice build`. */
export function registerBuild(program: Command, io: CliIo): void {
  program
    .command('build')
    .description('build a bundle in build/<name> for each function of the stack file')
    .option('--shrinkwrap', 'also write a Dockerfile (entry point `sluice watchdog`) so build/<name> is a container build context')
    .option(...DISABLE_STACK_PULL)
    .action(async (opts: BuildOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const stack = await openStack(ctx);
      for (const bundle of await buildStack(stack, ctx, opts)) {
        ctx.out.line(`Built ${bundle.name}: ${shownPath(ctx, bundle.dir)}${opts.shrinkwrap ? ' (with Dockerfile)' : ''}`);
      }
    });
}

/**
 * Builds every function of the stack that has a `lang`; image-only functions are skipped (they
 * deploy without a bundle). Templates the stack lists are pulled when missing, unless
 * `disableStackPull`. Progress goes to stderr; any failure is ERR_BUILD_FAILED (exit 4).
 */
export async function buildStack(stack: Stack, ctx: CliContext, opts: BuildOptions = {}): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = [];
  for (const fn of stack.functions) {
    if (!fn.lang) {
      ctx.out.progress(`Skipping ${fn.name}: no lang, deploys image ${fn.image ?? '(none)'} as is`);
      continue;
    }
    built.push(await buildStackFunction(stack, fn, ctx, { shrinkwrap: opts.shrinkwrap === true, pullTemplates: opts.disableStackPull !== true }));
  }
  return built;
}

/**
 * Builds one function of the stack into `<outDir>/<name>` (default `<stack dir>/build`), with
 * progress lines; any failure is ERR_BUILD_FAILED (exit 4). `sluice store deploy` builds into a
 * temp folder with it.
 */
export async function buildStackFunction(
  stack: Stack,
  fn: StackFunction,
  ctx: CliContext,
  opts: { shrinkwrap?: boolean; outDir?: string; pullTemplates?: boolean } = {},
): Promise<BuiltBundle> {
  ctx.out.progress(`Building ${fn.name}…`);
  try {
    return await buildFunction(stack, fn, { ...opts, env: ctx.io.env, onProgress: (step) => ctx.out.progress(`  ${step}`) });
  } catch (err) {
    if (err instanceof SluiceError) throw err;
    const failed = errors.buildFailed(fn.name, err instanceof Error ? err.message : String(err));
    throw new SluiceError(failed.code, failed.status, failed.message, { cause: err });
  }
}
