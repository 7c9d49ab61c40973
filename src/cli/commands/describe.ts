import type { Command } from 'commander';
import type { FunctionStatus } from '../../api/index.js';
import type { GatewayClient } from '../_client.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { formatFields, pairLines } from '../_output.js';

/** Flags of `sluice describe`. */
export type DescribeOptions = {
  json?: boolean;
};

/** Registers `sluice describe NAME`. */
export function registerDescribe(program: Command, io: CliIo): void {
  program
    .command('describe')
    .description('show one deployed function: status, replicas, URLs, labels')
    .argument('<name>', 'function name')
    .option('--json', 'print JSON: the gateway\'s FunctionStatus plus url and asyncUrl')
    .action(async (name: string, opts: DescribeOptions, cmd: Command) => runDescribe(name, opts, contextOf(cmd, io)));
}

/** Runs `sluice describe`. */
export async function runDescribe(name: string, opts: DescribeOptions, ctx: CliContext): Promise<void> {
  const client = await clientFor(ctx);
  const fn = await client.getFunction(name);
  if (opts.json) ctx.out.json({ ...fn, url: client.functionUrl(fn.name) });
  else ctx.out.text(formatDescription(fn, client));
}

/** The describe layout (faas-cli's fields, in its order). */
export function formatDescription(fn: FunctionStatus, client: Pick<GatewayClient, 'functionUrl'>): string {
  const available = fn.availableReplicas ?? 0;
  return formatFields([
    ['Name', fn.name],
    ['Status', available > 0 ? 'Ready' : 'Not Ready'],
    ['Replicas', String(fn.replicas ?? 0)],
    ['Available Replicas', String(available)],
    ['Invocations', String(fn.invocationCount ?? 0)],
    ['Image', fn.image],
    ['Function process', fn.envProcess ?? '<default>'],
    ['URL', client.functionUrl(fn.name)],
    ['Labels', pairLines(fn.labels)],
    ['Annotations', pairLines(fn.annotations)],
    ['Created', fn.createdAt ?? ''],
  ]);
}
