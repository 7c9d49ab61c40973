import type { Command } from 'commander';
import { repeatable, parseHeader, parseQuery } from '../_args.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import { GatewayAnswerError } from '../_errors.js';
import { unexpectedStatus } from '../_client.js';
import { isTerminal, readAll } from '../_io.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice invoke`. */
export type InvokeOptions = {
  header?: [string, string][];
  query?: [string, string][];
  method: string;
  contentType: string;
};

/** Registers `sluice invoke NAME`. */
export function registerInvoke(program: Command, io: CliIo): void {
  program
    .command('invoke')
    .description('call a function: stdin is the request body, the response body goes to stdout')
    .argument('<name>', 'function name')
    .option('-H, --header <key=value>', 'request header (repeatable; split on the first =)', repeatable(parseHeader))
    .option('--query <key=value>', 'query parameter (repeatable)', repeatable(parseQuery))
    .option('-m, --method <method>', 'HTTP method', 'POST')
    .option('--content-type <type>', 'Content-Type of the body', 'text/plain')
    .action(async (name: string, opts: InvokeOptions, cmd: Command) => runInvoke(name, opts, contextOf(cmd, io)));
}

/**
 * Runs `sluice invoke`. A 2xx body goes to stdout byte for byte; any other status is an error
 * (exit 1) quoting status and body, as faas-cli does.
 */
export async function runInvoke(name: string, opts: InvokeOptions, ctx: CliContext): Promise<void> {
  const client = await clientFor(ctx);
  const method = opts.method.toUpperCase();
  // At a terminal there is nothing to read: send an empty body instead of waiting for Ctrl-D.
  const readBody = method !== 'GET' && method !== 'HEAD' && !isTerminal(ctx.io.stdin);
  const body = readBody ? await readAll(ctx.io.stdin) : Buffer.alloc(0);
  const headers = opts.header ?? [];
  // `-H Content-Type=…` wins over --content-type (sending both would join them into one value).
  const typed = headers.some(([key]) => key.toLowerCase() === 'content-type');
  const res = await client.invoke(name, {
    method,
    headers: typed ? headers : [['content-type', opts.contentType], ...headers],
    query: opts.query ?? [],
    body,
  });
  if (res.status < 200 || res.status > 299) throw new GatewayAnswerError(res.status, unexpectedStatus(res.status, res.body.toString('utf8')));
  ctx.io.stdout.write(res.body);
}
