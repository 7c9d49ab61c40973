import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { assertFunctionName } from '../../api/index.js';
import { findTemplate, scaffoldFunction } from '../../builder/index.js';
import { appendStackFunction } from '../../stack/index.js';
import { contextOf, shownPath } from '../_context.js';
import type { CliContext } from '../_context.js';
import { UsageError } from '../_errors.js';
import { resolveGatewayUrl } from '../_gateway-url.js';
import type { CliIo } from '../_io.js';
import { printTemplates } from './template.js';

/** Flags of `sluice new`. */
export type NewOptions = {
  lang?: string;
  append?: string;
  handler?: string;
  prefix?: string;
  list?: boolean;
  json?: boolean;
};

/** Registers `sluice new NAME --lang LANG` and `sluice new --list`. */
export function registerNew(program: Command, io: CliIo): void {
  program
    .command('new')
    .description('create a function from a template: its folder and a stack file entry')
    .argument('[name]', 'function name (lower-case letters, digits and -)')
    .option('--lang <lang>', 'template to start from (see --list)')
    .option('-a, --append <file>', 'add the function to this stack file instead of writing NAME.yml')
    .option('--handler <dir>', 'folder for the handler (default: ./NAME)')
    .option('-p, --prefix <prefix>', 'image prefix, e.g. a registry account (env OPENFAAS_PREFIX)')
    .option('--list', 'list the available templates')
    .option('--json', 'with --list: print JSON')
    .action(async (name: string | undefined, opts: NewOptions, cmd: Command) => runNew(name, opts, contextOf(cmd, io)));
}

/** Runs `sluice new`. */
export async function runNew(name: string | undefined, opts: NewOptions, ctx: CliContext): Promise<void> {
  if (opts.list) return printTemplates(ctx, { json: opts.json === true, source: false });
  if (!name) throw new UsageError('a function name is required: sluice new NAME --lang LANG (see sluice new --list)');
  if (!opts.lang) throw new UsageError('--lang is required: sluice new NAME --lang LANG (see sluice new --list)');
  assertFunctionName(name);
  const { cwd } = ctx.io;
  const template = await findTemplate(opts.lang, cwd);
  const handler = opts.handler ?? `./${name}`;
  const handlerDir = path.resolve(cwd, handler);
  const stackFile = path.resolve(cwd, opts.append ?? `${name}.yml`);
  checkTargets(ctx, { stackFile, handlerDir, append: opts.append !== undefined });

  const prefix = opts.prefix ?? ctx.io.env['OPENFAAS_PREFIX'];
  const image = `${prefix ? `${prefix.replace(/\/+$/, '')}/` : ''}${name}:latest`;
  const gateway = resolveGatewayUrl({ flag: ctx.globals.gateway, env: ctx.io.env });
  // The stack entry first: a duplicate name there is the likelier mistake, and leaves no folder behind.
  await appendStackFunction(stackFile, { name, lang: template.name, handler, image }, { create: opts.append === undefined, gateway });
  await scaffoldFunction(template, handlerDir);

  const shownStack = shownPath(ctx, stackFile);
  ctx.out.line(`Function created in folder: ${shownPath(ctx, handlerDir)}`);
  ctx.out.line(`Stack file ${opts.append === undefined ? 'written' : 'updated'}: ${shownStack}`);
  ctx.out.line();
  ctx.out.line(`Next: sluice up -f ${shownStack}`);
}

// --- internal ---

/** faas-cli refuses to overwrite: the stack file (unless appending) and the handler folder must be new. */
function checkTargets(ctx: CliContext, t: { stackFile: string; handlerDir: string; append: boolean }): void {
  const stack = shownPath(ctx, t.stackFile);
  if (t.append && !/\.ya?ml$/.test(t.stackFile)) throw new UsageError(`--append ${stack}: the stack file must end in .yml or .yaml`);
  if (t.append && !existsSync(t.stackFile)) throw new UsageError(`--append ${stack}: no such file (leave out --append to create NAME.yml)`);
  if (!t.append && existsSync(t.stackFile)) throw new UsageError(`${stack} already exists: choose another name, or add to it with --append ${stack}`);
  if (existsSync(t.handlerDir)) throw new UsageError(`folder ${shownPath(ctx, t.handlerDir)} already exists: choose another name or --handler`);
}
