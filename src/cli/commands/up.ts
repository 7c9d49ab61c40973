import type { Command } from 'commander';
import { contextOf, openStack } from '../_context.js';
import type { CliIo } from '../_io.js';
import { buildStack, DISABLE_STACK_PULL } from './build.js';
import { addDeployFlags, checkDeployFlags } from './deploy-flags.js';
import type { DeployFlags } from './deploy-flags.js';
import { deployStack, printDeployed } from './deploy.js';

/** Registers `sluice up`: build, then deploy (there is no push: bundles go straight to the gateway). */
export function registerUp(program: Command, io: CliIo): void {
  const up = program.command('up').description('build and deploy every function of the stack file');
  addDeployFlags(up)
    .option(...DISABLE_STACK_PULL)
    .option('--json', 'print a JSON summary')
    .action(async (opts: DeployFlags & { json?: boolean; disableStackPull?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      checkDeployFlags(opts);
      const stack = await openStack(ctx);
      const built = await buildStack(stack, ctx, { disableStackPull: opts.disableStackPull === true });
      const bundles = new Map(built.map((bundle) => [bundle.name, bundle.dir]));
      printDeployed(ctx, await deployStack(stack, ctx, bundles, opts), opts.json === true);
    });
}
