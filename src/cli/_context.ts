import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { errors } from '../api/index.js';
import { loadStack } from '../stack/index.js';
import type { Stack } from '../stack/index.js';
import { authorizationFor } from './_auth.js';
import { GatewayClient } from './_client.js';
import { selectFunctions } from './_filter.js';
import { resolveGatewayUrl } from './_gateway-url.js';
import type { CliIo } from './_io.js';
import { createOutput } from './_output.js';
import type { Output } from './_output.js';

/** The program-wide flags, readable from every command (faas-cli's persistent flags). */
export type GlobalOptions = {
  /** `-g/--gateway`. */
  gateway?: string;
  /** `-f/--yaml`. */
  yaml?: string;
  /** `--filter GLOB`: only the stack's functions whose name matches (build, deploy, up, remove). */
  filter?: string;
  /** `--regex RE`: only the stack's functions whose name matches (build, deploy, up, remove). */
  regex?: string;
};

/** What every command action gets: the IO, its output helpers and the global flags. */
export interface CliContext {
  io: CliIo;
  out: Output;
  globals: GlobalOptions;
}

/** Builds the context of one command run from its commander Command. */
export function contextOf(cmd: Command, io: CliIo): CliContext {
  const { gateway, yaml, filter, regex } = cmd.optsWithGlobals<GlobalOptions>();
  return { io, out: createOutput(io), globals: { gateway, yaml, filter, regex } };
}

/**
 * The stack file in use: `-f`, else `stack.yaml` when present, else `stack.yml` (faas-cli's rule).
 * `named` is true when the user gave `-f` or the default file exists.
 */
export function stackFileOf(ctx: CliContext): { file: string; named: boolean } {
  const { cwd } = ctx.io;
  if (ctx.globals.yaml) return { file: path.resolve(cwd, ctx.globals.yaml), named: true };
  const yaml = path.resolve(cwd, 'stack.yaml');
  if (existsSync(yaml)) return { file: yaml, named: true };
  const yml = path.resolve(cwd, 'stack.yml');
  return { file: yml, named: existsSync(yml) };
}

/**
 * Loads the stack file in use, keeping only the functions `--filter`/`--regex` select; a missing
 * file is ERR_STACK_INVALID with a hint.
 */
export async function openStack(ctx: CliContext): Promise<Stack> {
  return selectFunctions(await loadStackFile(ctx), ctx.globals);
}

/** The stack file in use, all its functions (the gateway choice reads it too). */
async function loadStackFile(ctx: CliContext): Promise<Stack> {
  const { file } = stackFileOf(ctx);
  if (!existsSync(file)) {
    const shown = path.relative(ctx.io.cwd, file) || file;
    throw errors.stackInvalid(shown, ['file not found: name one with -f FILE, or create one with `sluice new NAME --lang LANG`']);
  }
  return loadStack(file, ctx.io.env);
}

/**
 * A client for the gateway in use. With a stack, its `provider.gateway` takes part in the choice;
 * without one, commands that need no stack still honour the stack file when one is named or present
 * (as faas-cli does).
 */
export async function clientFor(ctx: CliContext, stack?: Stack): Promise<GatewayClient> {
  const source = stack ?? (stackFileOf(ctx).named ? await loadStackFile(ctx) : undefined);
  const url = resolveGatewayUrl({ flag: ctx.globals.gateway, stack: source?.provider.gateway, env: ctx.io.env });
  return new GatewayClient(url, await authorizationFor(url, ctx.io.env));
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function shownPath(ctx: CliContext, file: string): string {
  const rel = path.relative(ctx.io.cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
