import type { Command } from 'commander';
import { parseReplicas } from '../_args.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice scale`. */
export type ScaleOptions = {
  replicas: number;
};

/** Registers `sluice scale NAME --replicas N`. */
export function registerScale(program: Command, io: CliIo): void {
  program
    .command('scale')
    .description('set the number of replicas of a function')
    .argument('<name>', 'function name')
    .requiredOption('-r, --replicas <n>', 'replicas wanted (0 scales to zero)', parseReplicas)
    .action(async (name: string, opts: ScaleOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const status = await (await clientFor(ctx)).scaleFunction(name, opts.replicas);
      ctx.out.line(`Scaling ${name} to ${opts.replicas} ${opts.replicas === 1 ? 'replica' : 'replicas'} (${status})`);
    });
}
