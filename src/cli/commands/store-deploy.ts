import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertFunctionName } from '../../api/index.js';
import type { StackFunction } from '../../stack/index.js';
import { clientFor } from '../_context.js';
import type { CliContext } from '../_context.js';
import { openStore, storeFunction } from '../_store.js';
import { buildStackFunction } from './build.js';
import { deployStackFunction } from './deploy.js';
import { withDeployFlags, type DeployFlags } from './deploy-flags.js';

/**
 * Flags of `sluice store deploy` (faas-cli's): deploy's merge flags, winning over (or added to) the
 * store's, with `--replace`/`--update`; and a name of its own.
 */
export type StoreDeployOptions = Pick<DeployFlags, 'env' | 'label' | 'annotation' | 'secret' | 'constraint' | 'replace' | 'update'> & {
  /** Deploy under this name instead of the store's. */
  name?: string;
  json?: boolean;
};

/**
 * Runs `sluice store deploy NAME`: builds the store's function into a temp folder (never inside the
 * store, which may be a read-only installed package), uploads the bundle and deploys it, as `sluice
 * up` does for one function. Prints `Deployed NAME: URL`, or the deploy result as JSON.
 */
export async function runStoreDeploy(name: string, opts: StoreDeployOptions, ctx: CliContext, url?: string): Promise<void> {
  const store = await openStore(url, ctx);
  const fn = withFlags(storeFunction(store, name), opts);
  const client = await clientFor(ctx);
  const outDir = fn.lang ? await mkdtemp(path.join(os.tmpdir(), 'sluice-store-')) : undefined;
  try {
    const bundleDir = outDir === undefined ? undefined : (await buildStackFunction(store, fn, ctx, { outDir })).dir;
    const result = await deployStackFunction(store, fn, bundleDir, client, ctx, { replace: opts.replace === true });
    if (opts.json) ctx.out.json(result);
    else ctx.out.line(`Deployed ${result.name}: ${result.url}`);
  } finally {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  }
}

// --- internal ---

/** The store's function as deployed: renamed by `--name`, merged with the flags as `deploy` merges them. */
function withFlags(fn: StackFunction, opts: StoreDeployOptions): StackFunction {
  if (opts.name !== undefined) assertFunctionName(opts.name);
  const { env, label, annotation, secret, constraint } = opts;
  return { ...withDeployFlags(fn, { env, label, annotation, secret, constraint }), name: opts.name ?? fn.name };
}
