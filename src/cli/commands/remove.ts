import type { Command } from 'commander';
import { GatewayAnswerError } from '../_errors.js';
import { clientFor, contextOf, openStack } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';

/** Registers `sluice remove [NAME]` (aliases `rm`, `delete`). */
export function registerRemove(program: Command, io: CliIo): void {
  program
    .command('remove')
    .aliases(['rm', 'delete'])
    .description('remove a deployed function, or every function of the stack file')
    .argument('[name]', 'function name (default: all functions of the stack file)')
    .action(async (name: string | undefined, _opts: unknown, cmd: Command) => runRemove(name, contextOf(cmd, io)));
}

/**
 * Runs `sluice remove`. One named function must exist (404 → exit 1); removing a stack skips
 * functions that are not deployed, so it can be run twice.
 */
export async function runRemove(name: string | undefined, ctx: CliContext): Promise<void> {
  if (name !== undefined) {
    await (await clientFor(ctx)).removeFunction(name);
    ctx.out.line(`Removed ${name}`);
    return;
  }
  const stack = await openStack(ctx);
  const client = await clientFor(ctx, stack);
  for (const fn of stack.functions) {
    try {
      await client.removeFunction(fn.name);
      ctx.out.line(`Removed ${fn.name}`);
    } catch (err) {
      if (!(err instanceof GatewayAnswerError) || err.status !== 404) throw err;
      ctx.out.note(`${fn.name} was not deployed`);
    }
  }
}
