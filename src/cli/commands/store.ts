import { Option } from 'commander';
import type { Command } from 'commander';
import { keyValue, repeatable } from '../_args.js';
import { clientFor, contextOf, shownPath } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { formatFields, formatTable, pairLines } from '../_output.js';
import { openStore, storeFunction, storeItem } from '../_store.js';
import type { StoreItem } from '../_store.js';
import { nonEmpty } from './deploy-flags.js';
import { runStoreDeploy } from './store-deploy.js';
import type { StoreDeployOptions } from './store-deploy.js';

/** Flags of `sluice store list`. */
export type StoreListOptions = {
  verbose?: boolean;
  json?: boolean;
};

/** Flags of `sluice store describe`. */
export type StoreDescribeOptions = {
  json?: boolean;
};

/** The `store` flag every subcommand reads (faas-cli's persistent `--url/-u`). */
export type StoreUrlOption = {
  url?: string;
};

/** Past this many characters `store list` cuts a description short; `-v` shows it whole. */
const DESCRIPTION_WIDTH = 60;

/**
 * Registers `sluice store list|describe|deploy`: the functions shipped with Sluice
 * (functions/stack.yml of the installed package), or those of another local stack with `--url`.
 */
export function registerStore(program: Command, io: CliIo): void {
  const store = program
    .command('store')
    .description('list, describe and deploy the functions shipped with Sluice (or another local stack: --url)')
    .option('-u, --url <stack>', "the store: a stack file or a folder with stack.yml (default: Sluice's functions/stack.yml)");
  store
    .command('list')
    .alias('ls')
    .description('list the functions of the store')
    .option('-v, --verbose', 'show descriptions whole')
    .option('--json', 'print JSON: one item per function')
    .action(async (opts: StoreListOptions, cmd: Command) => runStoreList(opts, contextOf(cmd, io), urlOf(cmd)));
  store
    .command('describe')
    .alias('inspect')
    .description('show one function of the store: description, lang, handler, environment, its URL once deployed')
    .argument('<name>', 'function name in the store')
    .option('--json', 'print JSON: the item plus url and store')
    .action(async (name: string, opts: StoreDescribeOptions, cmd: Command) => runStoreDescribe(name, opts, contextOf(cmd, io), urlOf(cmd)));
  store
    .command('deploy')
    .description('build a function of the store and deploy it to the gateway')
    .argument('<name>', 'function name in the store')
    .option('--name <name>', 'deploy it under this name instead')
    .option('-e, --env <key=value>', "an environment variable, over the store's (repeatable)", repeatable(keyValue('-e KEY=value')))
    .option('-l, --label <key=value>', "a label, over the store's (repeatable)", repeatable(keyValue('-l com.openfaas.scale.min=2')))
    .option('--annotation <key=value>', "an annotation, over the store's (repeatable)", repeatable(keyValue('--annotation topic=orders')))
    .option('--secret <name>', "a secret to mount, added to the store's (repeatable)", repeatable(String))
    .option('--constraint <constraint>', "a placement constraint (node.platform.os == linux, kubernetes.io/arch=amd64), added to the store's (repeatable): the gateway's node must meet it", repeatable(nonEmpty('--constraint')))
    .addOption(new Option('--replace', 'remove the function first if it is deployed, then create it').conflicts('update'))
    .option('--update', 'update it in place if deployed, else create it (the default)')
    .option('--json', 'print JSON: name, status, bundle, url')
    .action(async (name: string, opts: StoreDeployOptions, cmd: Command) => runStoreDeploy(name, opts, contextOf(cmd, io), urlOf(cmd)));
}

/** Runs `sluice store list`: FUNCTION, LANG, DESCRIPTION in the store's order. */
export async function runStoreList(opts: StoreListOptions, ctx: CliContext, url?: string): Promise<void> {
  const store = await openStore(url, ctx);
  const items = store.functions.map((fn) => storeItem(store, fn));
  if (opts.json) ctx.out.json(items);
  else ctx.out.text(formatStoreTable(items, opts.verbose === true));
}

/** Runs `sluice store describe`. */
export async function runStoreDescribe(name: string, opts: StoreDescribeOptions, ctx: CliContext, url?: string): Promise<void> {
  const store = await openStore(url, ctx);
  const item = storeItem(store, storeFunction(store, name));
  const functionUrl = (await clientFor(ctx)).functionUrl(item.name);
  if (opts.json) ctx.out.json({ ...item, url: functionUrl, store: store.file });
  else ctx.out.text(formatStoreItem(item, functionUrl, shownPath(ctx, store.file)));
}

/**
 * The `store list` table. faas-cli's columns are FUNCTION, AUTHOR, DESCRIPTION; a Sluice store is
 * a stack file, which names no author, and its functions all come from one place, so LANG (the
 * template it builds with) takes AUTHOR's place. Long descriptions are cut unless `verbose`.
 */
export function formatStoreTable(items: readonly StoreItem[], verbose: boolean): string {
  const cut = (text: string): string => (verbose || text.length <= DESCRIPTION_WIDTH ? text : `${text.slice(0, DESCRIPTION_WIDTH - 1).trimEnd()}…`);
  return formatTable([['FUNCTION', 'LANG', 'DESCRIPTION'], ...items.map((item) => [item.name, item.lang ?? '-', cut(item.description)])]);
}

/** The `store describe` layout; `url` is where the function will answer once deployed. */
export function formatStoreItem(item: StoreItem, url: string, store: string): string {
  return formatFields([
    ['Name', item.name],
    ['Description', item.description || '<none>'],
    ['Lang', item.lang ?? '<none: image only>'],
    ['Handler', item.handler ?? '<none>'],
    ['Image', item.image ?? `${item.name}:latest`],
    ['Function process', item.fprocess ?? '<template default>'],
    ['Environment', pairLines(item.environment)],
    ['Labels', pairLines(item.labels)],
    ['Annotations', pairLines(item.annotations)],
    ['URL', url],
    ['Store', store],
  ]);
}

// --- internal ---

/** `--url` of the `store` command, given before or after the subcommand. */
function urlOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<StoreUrlOption>().url;
}
