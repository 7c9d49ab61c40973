import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { MANIFEST_FILE, errors } from '../../api/index.js';
import { deploymentFor, packBundle } from '../../builder/index.js';
import type { Stack, StackFunction } from '../../stack/index.js';
import type { GatewayClient } from '../_client.js';
import { clientFor, contextOf, openStack, shownPath } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { addDeployFlags, checkDeployFlags, imageFunction, withDeployFlags } from './deploy-flags.js';
import type { DeployFlags } from './deploy-flags.js';

/** Flags of `sluice deploy` (and `up`, all but the single-function ones). */
export type DeployOptions = DeployFlags & {
  json?: boolean;
  /** With `--name`: deploy this image without a stack file. */
  image?: string;
  name?: string;
  /** The process an image-only function runs (fork mode, on the host). */
  fprocess?: string;
};

/** What happened to one function: the `--json` summary of deploy and up. */
export interface DeployResult {
  name: string;
  /** The gateway's status for the PUT/POST (202). */
  status: number;
  /** Digest of the uploaded bundle; absent for image-only functions. */
  bundle?: string;
  url: string;
}

/** Registers `sluice deploy`. */
export function registerDeploy(program: Command, io: CliIo): void {
  const deploy = program
    .command('deploy')
    .description('upload each built function of the stack file and deploy it (create or update), or deploy --image without one')
    .option('--image <image>', 'deploy this image without a stack file (with --name)')
    .option('--name <name>', 'the name of the function deployed with --image')
    .option('--fprocess <command>', 'the process the --image function runs (fork mode, on the host)');
  addDeployFlags(deploy)
    .option('--json', 'print a JSON summary')
    .action(async (opts: DeployOptions, cmd: Command) => runDeploy(opts, contextOf(cmd, io)));
}

/**
 * Runs `sluice deploy`: every function of the stack file (`--filter`/`--regex` applied), or the one
 * `--image`/`--name` describe, with the flags merged in.
 */
export async function runDeploy(opts: DeployOptions, ctx: CliContext): Promise<void> {
  checkDeployFlags(opts);
  const single = imageFunction(opts);
  if (single === undefined) {
    printDeployed(ctx, await deployStack(await openStack(ctx), ctx, undefined, opts), opts.json === true);
    return;
  }
  const client = await clientFor(ctx);
  ctx.out.progress(`${opts.replace ? 'Replacing' : 'Deploying'} ${single.name}…`);
  const fn = withDeployFlags(single, opts);
  const status = await client.deploy(deploymentFor(fn), { replace: opts.replace === true, update: opts.update });
  printDeployed(ctx, [{ name: fn.name, status, url: client.functionUrl(fn.name) }], opts.json === true);
}

/**
 * Deploys every function of the stack: a function with `lang` needs its bundle in
 * `<stack dir>/build/<name>` (packed, uploaded, then named in the deployment); one without `lang`
 * deploys its `image` + `fprocess` as is. Stops at the first failure.
 * @param bundles bundle folder per function name, when just built (`up`)
 * @param flags `-e`, `-l`, `--annotation`, `--secret`, `--constraint`, `--readonly`, limits and requests merged into each function; `--replace`, `--update`
 */
export async function deployStack(stack: Stack, ctx: CliContext, bundles?: ReadonlyMap<string, string>, flags: DeployFlags = {}): Promise<DeployResult[]> {
  checkDeployFlags(flags);
  const client = await clientFor(ctx, stack);
  const results: DeployResult[] = [];
  const how = { replace: flags.replace === true, update: flags.update };
  for (const fn of stack.functions) {
    const dir = fn.lang ? (bundles?.get(fn.name) ?? path.join(stack.dir, 'build', fn.name)) : undefined;
    results.push(await deployStackFunction(stack, withDeployFlags(fn, flags), dir, client, ctx, how));
  }
  return results;
}

/** Prints the deploy summary: one URL per function, or JSON. */
export function printDeployed(ctx: CliContext, results: readonly DeployResult[], json: boolean): void {
  if (json) ctx.out.json(results);
  else for (const result of results) ctx.out.line(result.url);
}

/**
 * Deploys one function of the stack: packs and uploads its bundle folder `dir` (when it has a
 * `lang`), then deploys it — updated in place (PUT, POST on 404), or with `replace` removed first
 * and created again (faas-cli `deploy --replace`), or with `update: false` only created (POST).
 */
export async function deployStackFunction(
  stack: Stack,
  fn: StackFunction,
  dir: string | undefined,
  client: GatewayClient,
  ctx: CliContext,
  opts: { replace?: boolean; update?: boolean } = {},
): Promise<DeployResult> {
  let bundle: string | undefined;
  if (dir !== undefined) {
    if (!existsSync(path.join(dir, MANIFEST_FILE))) {
      throw errors.buildFailed(fn.name, `no build in ${shownPath(ctx, dir)}: run \`sluice build -f ${shownPath(ctx, stack.file)}\` first`);
    }
    const tarGz = await packBundle(dir);
    ctx.out.progress(`Uploading ${fn.name} (${Math.ceil(tarGz.length / 1024)} KiB)…`);
    bundle = (await client.uploadBundle(tarGz)).bundle;
  } else if (!fn.image) {
    throw errors.stackInvalid(shownPath(ctx, stack.file), [`${fn.name}: needs a lang (to build a bundle) or an image with fprocess`]);
  }
  ctx.out.progress(`${opts.replace ? 'Replacing' : 'Deploying'} ${fn.name}…`);
  const status = await client.deploy(deploymentFor(fn, bundle), opts);
  ctx.out.progress(`Deployed ${fn.name} (${status})`);
  return { name: fn.name, status, ...(bundle ? { bundle } : {}), url: client.functionUrl(fn.name) };
}
