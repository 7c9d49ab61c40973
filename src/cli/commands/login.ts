import type { Command } from 'commander';
import { basic, removeLogin, saveLogin } from '../_auth.js';
import { GatewayClient } from '../_client.js';
import { contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import { GatewayAnswerError, UsageError } from '../_errors.js';
import { resolveGatewayUrl } from '../_gateway-url.js';
import { isTerminal, readAll } from '../_io.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice login` (faas-cli's). */
export type LoginOptions = {
  username: string;
  password?: string;
  passwordStdin?: boolean;
};

/** Registers `sluice login` and `sluice logout`. */
export function registerLogin(program: Command, io: CliIo): void {
  program
    .command('login')
    .description("store the gateway's basic-auth credentials for every later command (checked first)")
    .option('-u, --username <user>', 'user name', 'admin')
    .option('-p, --password <password>', 'password (visible in the shell history: prefer --password-stdin)')
    .option('-s, --password-stdin', 'read the password from stdin')
    .action(async (opts: LoginOptions, cmd: Command) => runLogin(opts, contextOf(cmd, io)));
  program
    .command('logout')
    .description('forget the credentials stored for the gateway')
    .action(async (_opts: unknown, cmd: Command) => runLogout(contextOf(cmd, io)));
}

/**
 * Runs `sluice login`: checks the credentials against the gateway's /system API, then stores them
 * per gateway URL in ~/.sluice/config.yml (0600). Wrong ones exit 1 and store nothing.
 */
export async function runLogin(opts: LoginOptions, ctx: CliContext): Promise<void> {
  const password = await passwordOf(opts, ctx);
  const url = gatewayOf(ctx);
  try {
    await new GatewayClient(url, basic(`${opts.username}:${password}`)).listFunctions();
  } catch (err) {
    if (err instanceof GatewayAnswerError && err.status === 401) throw new GatewayAnswerError(401, `wrong user or password for ${url}: nothing was stored`, err.code);
    throw err;
  }
  const file = await saveLogin(url, opts.username, password, ctx.io.env);
  ctx.out.line(`credentials saved for ${opts.username} ${url}`);
  ctx.out.note(`stored in ${file}`);
}

/** Runs `sluice logout`: removes the stored login of the gateway in use. */
export async function runLogout(ctx: CliContext): Promise<void> {
  const url = gatewayOf(ctx);
  if (await removeLogin(url, ctx.io.env)) ctx.out.line(`credentials removed for ${url}`);
  else ctx.out.line(`no credentials were stored for ${url}`);
}

// --- internal ---

/** The gateway, as every command chooses it, minus a stack file: a login is for a URL. */
function gatewayOf(ctx: CliContext): string {
  return resolveGatewayUrl({ flag: ctx.globals.gateway, stack: undefined, env: ctx.io.env });
}

/** From --password (with faas-cli's warning) or --password-stdin, trimmed as faas-cli does. */
async function passwordOf(opts: LoginOptions, ctx: CliContext): Promise<string> {
  if (opts.password !== undefined && opts.passwordStdin) throw new UsageError('give the password with --password or --password-stdin, not both');
  let password: string;
  if (opts.passwordStdin) {
    if (isTerminal(ctx.io.stdin)) throw new UsageError('--password-stdin reads a pipe or a file: sluice login --password-stdin < PASSWORD_FILE');
    password = (await readAll(ctx.io.stdin)).toString('utf8');
  } else if (opts.password !== undefined) {
    ctx.out.note('WARNING! Using --password is insecure, consider using: cat PASSWORD_FILE | sluice login -u admin --password-stdin');
    password = opts.password;
  } else {
    throw new UsageError('give the password: sluice login --password-stdin < PASSWORD_FILE (the file `sluice serve` named at start)');
  }
  password = password.trim();
  if (!password) throw new UsageError('the password is empty');
  return password;
}
