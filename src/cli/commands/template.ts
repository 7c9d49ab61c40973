import path from 'node:path';
import type { Command } from 'commander';
import { listTemplates } from '../../builder/index.js';
import type { Template } from '../../builder/index.js';
import { contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { formatTable } from '../_output.js';
import { runTemplatePull, runTemplatePullStack } from './template-pull.js';
import type { TemplatePullOptions } from './template-pull.js';

/** Registers `sluice template list` and `sluice template pull`. */
export function registerTemplate(program: Command, io: CliIo): void {
  const template = program.command('template').description('the function templates: list them, or pull more into ./template');
  template
    .command('list')
    .alias('ls')
    .description('the templates Sluice ships and those in ./template (which win on the same name)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => printTemplates(contextOf(cmd, io), { json: opts.json === true, source: true }));
  const pull = template
    .command('pull')
    .description('copy the templates of a folder or git repository into ./template, for sluice new and build')
    .argument('<source>', 'a local folder, or a git URL (URL#ref for a branch or tag)')
    .option('--overwrite', 'replace templates already there (kept by default)')
    .option('--json', 'print {"written", "skipped"} (and "found" for stack)')
    .action(async (source: string, opts: TemplatePullOptions, cmd: Command) => runTemplatePull(source, opts, contextOf(cmd, io)));
  // faas-cli's subcommand: `template pull stack` means it even when a folder is called stack (./stack
  // pulls that). `pull`'s --overwrite and --json are read wherever they stand, so it has none of its own.
  pull
    .command('stack')
    .description("pull each template the stack file's configuration.templates lists into template/ beside it")
    .action(async (_opts: unknown, cmd: Command) => runTemplatePullStack(cmd.optsWithGlobals<TemplatePullOptions>(), contextOf(cmd, io)));
}

/**
 * Prints the templates as a table (or JSON), as `sluice new --list` and `sluice template list` show
 * them; `source` adds where each comes from: `built-in` or `./template`.
 */
export async function printTemplates(ctx: CliContext, opts: { json: boolean; source: boolean }): Promise<void> {
  const templates = await listTemplates(ctx.io.cwd);
  const sourceOf = (t: Template): string => (isLocal(ctx, t) ? './template' : 'built-in');
  if (opts.json) {
    ctx.out.json(templates.map((t) => ({ name: t.name, description: t.description, mode: t.mode, aliases: t.aliases, ...(opts.source ? { source: sourceOf(t) } : {}) })));
    return;
  }
  const head = ['Template', 'Mode', ...(opts.source ? ['Source'] : []), 'Also', 'Description'];
  const rows = templates.map((t) => [t.name, t.mode, ...(opts.source ? [sourceOf(t)] : []), t.aliases.join(', '), t.description]);
  ctx.out.text(formatTable([head, ...rows]));
}

// --- internal ---

function isLocal(ctx: CliContext, template: Template): boolean {
  return path.dirname(template.dir) === path.resolve(ctx.io.cwd, 'template');
}
