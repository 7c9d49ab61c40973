import type { Command } from 'commander';
import type { SecretName } from '../../api/index.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import { GatewayAnswerError } from '../_errors.js';
import type { CliIo } from '../_io.js';
import { formatTable } from '../_output.js';
import { checkSecretName, secretBodyOf } from './secret-value.js';
import type { SecretValueOptions } from './secret-value.js';

/** Flags of `sluice secret update` (the value flags; `command` is set by the command, not a flag). */
export type SecretUpdateOptions = Omit<SecretValueOptions, 'command'> & {
  json?: boolean;
};

/** Flags of `sluice secret create`. */
export type SecretCreateOptions = SecretUpdateOptions & {
  /** faas-cli's `--replace`: when the secret exists (409), update it instead. */
  replace?: boolean;
};

/** What a create, update or remove did: the `--json` answer. */
export interface SecretResult {
  name: string;
  action: 'created' | 'updated' | 'removed';
  /** The gateway's status (202). */
  status: number;
}

/** Registers `sluice secret` and its subcommands: create, list, update, remove (faas-cli's names and aliases). */
export function registerSecret(program: Command, io: CliIo): void {
  const secret = program.command('secret').description('secrets functions read at run time: create, list, update, remove');
  valueFlags(
    secret
      .command('create')
      .description('create a secret from --from-literal, --from-file, or stdin')
      .argument('<name>', 'secret name (lower case, digits, - and .)'),
  )
    .option('--replace', 'update the secret if it exists already')
    .action(async (name: string, opts: SecretCreateOptions, cmd: Command) => runSecretCreate(name, opts, contextOf(cmd, io)));
  secret
    .command('list')
    .alias('ls')
    .description('list the secrets: names only, never values')
    .option('--json', "print the gateway's JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => runSecretList(opts, contextOf(cmd, io)));
  valueFlags(
    secret
      .command('update')
      .alias('u')
      .description('give a secret a new value; functions that list it read the new value at once')
      .argument('<name>', 'secret name'),
  ).action(async (name: string, opts: SecretUpdateOptions, cmd: Command) => runSecretUpdate(name, opts, contextOf(cmd, io)));
  secret
    .command('remove')
    .aliases(['rm', 'delete'])
    .description('remove a secret (refused while a deployed function lists it)')
    .argument('<name>', 'secret name')
    .option('--json', 'print {"name", "action", "status"} as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => runSecretRemove(name, opts, contextOf(cmd, io)));
}

/**
 * Runs `sluice secret create`: POST; with `--replace`, a 409 (it exists) becomes a PUT. Without it
 * the gateway's 409 is the error (exit 1), which says to use `secret update`.
 */
export async function runSecretCreate(name: string, opts: SecretCreateOptions, ctx: CliContext): Promise<void> {
  // The value is read before the gateway is asked: a usage mistake costs no request.
  const body = await secretBodyOf(name, { ...opts, command: 'create' }, ctx.io);
  const client = await clientFor(ctx);
  let result: SecretResult;
  try {
    result = { name, action: 'created', status: await client.createSecret(body) };
  } catch (err) {
    if (!opts.replace || !(err instanceof GatewayAnswerError) || err.status !== 409) throw err;
    result = { name, action: 'updated', status: await client.updateSecret(body) };
  }
  printResult(result, opts.json === true, ctx);
}

/** Runs `sluice secret update`: PUT (404 when the secret does not exist → exit 1). */
export async function runSecretUpdate(name: string, opts: SecretUpdateOptions, ctx: CliContext): Promise<void> {
  const body = await secretBodyOf(name, { ...opts, command: 'update' }, ctx.io);
  const status = await (await clientFor(ctx)).updateSecret(body);
  printResult({ name, action: 'updated', status }, opts.json === true, ctx);
}

/** Runs `sluice secret remove`: DELETE; 404 and 409 (in use, naming the functions) → exit 1. */
export async function runSecretRemove(name: string, opts: { json?: boolean }, ctx: CliContext): Promise<void> {
  checkSecretName(name);
  const status = await (await clientFor(ctx)).removeSecret(name);
  printResult({ name, action: 'removed', status }, opts.json === true, ctx);
}

/** Runs `sluice secret list`: faas-cli's `NAME` table, or the gateway's JSON as it came. */
export async function runSecretList(opts: { json?: boolean }, ctx: CliContext): Promise<void> {
  const secrets = await (await clientFor(ctx)).listSecrets();
  if (opts.json) ctx.out.json(secrets);
  else ctx.out.text(formatSecretTable(secrets));
}

/**
 * faas-cli's secret list layout: a `NAME` header, then one name a line (sorted: a gateway of another
 * kind may list them in any order).
 */
export function formatSecretTable(secrets: readonly SecretName[]): string {
  const names = secrets.map((s) => s.name).sort((a, b) => a.localeCompare(b));
  return formatTable([['NAME'], ...names.map((name) => [name])]);
}

// --- internal ---

/** The value flags `create` and `update` share (faas-cli's). */
function valueFlags(cmd: Command): Command {
  return cmd
    .option('--from-literal <value>', 'the value, as text')
    .option('--from-file <path>', 'read the value from a file (bytes that are not UTF-8 text are sent untrimmed)')
    .option('--trim', 'trim whitespace around a text value, as faas-cli does', true)
    .option('--no-trim', 'send the value exactly as given (faas-cli: --trim=false)')
    .option('--json', 'print {"name", "action", "status"} as JSON');
}

const SAID: Readonly<Record<SecretResult['action'], string>> = { created: 'Created', updated: 'Updated', removed: 'Removed' };

/** `Created secret NAME` on stdout, as `remove` prints `Removed NAME`; or the JSON. */
function printResult(result: SecretResult, json: boolean, ctx: CliContext): void {
  if (json) ctx.out.json(result);
  else ctx.out.line(`${SAID[result.action]} secret ${result.name}`);
}
