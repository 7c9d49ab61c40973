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
  /** faas-cli's "only write ./build/<fn>": that is all Sluice's build does, so it changes nothing. */
  shrinkwrap?: boolean;
};

/** Registers `sluice build`. */
export function registerBuild(program: Command, io: CliIo): void {
  program
    .command('build')
    .description('build a bundle in build/<name> for each function of the stack file')
    .option('--shrinkwrap', 'only write build/<name> (what build always does; accepted for faas-cli scripts)')
    .action(async (_opts: BuildOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const stack = await openStack(ctx);
      for (const bundle of await buildStack(stack, ctx)) ctx.out.line(`Built ${bundle.name}: ${shownPath(ctx, bundle.dir)}`);
    });
}

/**
 * Builds every function of the stack that has a `lang`; image-only functions are skipped (they
 * deploy without a bundle). Progress goes to stderr; any failure is ERR_BUILD_FAILED (exit 4).
 */
export async function buildStack(stack: Stack, ctx: CliContext): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = [];
  for (const fn of stack.functions) {
    if (!fn.lang) {
      ctx.out.progress(`Skipping ${fn.name}: no lang, deploys image ${fn.image ?? '(none)'} as is`);
      continue;
    }
    ctx.out.progress(`Building ${fn.name}…`);
    built.push(await buildOne(stack, fn, ctx));
  }
  return built;
}

// --- internal ---

async function buildOne(stack: Stack, fn: StackFunction, ctx: CliContext): Promise<BuiltBundle> {
  try {
    return await buildFunction(stack, fn, { onProgress: (step) => ctx.out.progress(`  ${step}`) });
  } catch (err) {
    if (err instanceof SluiceError) throw err;
    const failed = errors.buildFailed(fn.name, err instanceof Error ? err.message : String(err));
    throw new SluiceError(failed.code, failed.status, failed.message, { cause: err });
  }
}
