import { Option } from 'commander';
import type { Command } from 'commander';
import type { FunctionStatus } from '../../api/index.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { formatTable } from '../_output.js';

/** Flags of `sluice list`. */
export type ListOptions = {
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
  sort: 'name' | 'invocations';
};

/** Registers `sluice list` (alias `ls`). */
export function registerList(program: Command, io: CliIo): void {
  program
    .command('list')
    .alias('ls')
    .description('list the deployed functions')
    .option('-v, --verbose', 'also show image and available replicas')
    .option('-q, --quiet', 'names only, one a line')
    .option('--json', 'print the gateway\'s JSON')
    .addOption(new Option('--sort <key>', 'order of the rows').choices(['name', 'invocations']).default('name'))
    .action(async (opts: ListOptions, cmd: Command) => runList(opts, contextOf(cmd, io)));
}

/** Runs `sluice list`. */
export async function runList(opts: ListOptions, ctx: CliContext): Promise<void> {
  const functions = sortFunctions(await (await clientFor(ctx)).listFunctions(), opts.sort);
  if (opts.json) ctx.out.json(functions);
  else if (opts.quiet) for (const fn of functions) ctx.out.line(fn.name);
  else ctx.out.text(formatFunctionTable(functions, opts.verbose === true));
}

/**
 * The faas-cli list layout: `Function  Invocations  Replicas`; verbose adds Image and Available.
 * Missing counts are 0 (the gateway omits zeros, as OpenFaaS does).
 */
export function formatFunctionTable(functions: readonly FunctionStatus[], verbose: boolean): string {
  const header = verbose ? ['Function', 'Image', 'Invocations', 'Replicas', 'Available'] : ['Function', 'Invocations', 'Replicas'];
  const rows = functions.map((fn) => {
    const counts = [String(fn.invocationCount ?? 0), String(fn.replicas ?? 0)];
    return verbose ? [fn.name, fn.image, ...counts, String(fn.availableReplicas ?? 0)] : [fn.name, ...counts];
  });
  return formatTable([header, ...rows]);
}

// --- internal ---

function sortFunctions(functions: FunctionStatus[], key: ListOptions['sort']): FunctionStatus[] {
  const byName = (a: FunctionStatus, b: FunctionStatus): number => a.name.localeCompare(b.name);
  if (key === 'name') return functions.sort(byName);
  return functions.sort((a, b) => (b.invocationCount ?? 0) - (a.invocationCount ?? 0) || byName(a, b));
}
