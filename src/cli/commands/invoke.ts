import type { Command } from 'commander';
import { repeatable, parseHeader, parseQuery } from '../_args.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import { GatewayAnswerError, UsageError } from '../_errors.js';
import { unexpectedStatus } from '../_client.js';
import type { GatewayClient, InvokeRequest, InvokeResponse } from '../_client.js';
import { isTerminal, readAll } from '../_io.js';
import type { CliIo } from '../_io.js';
import { waitForResult } from '../_wait.js';

/** Flags of `sluice invoke`. */
export type InvokeOptions = {
  header?: [string, string][];
  query?: [string, string][];
  method: string;
  contentType: string;
  /** Queue the call (`/async-function`) instead of waiting for the answer. */
  async?: boolean;
  callbackUrl?: string;
  idempotencyKey?: string;
  /** With --async: wait for the call to finish and print its result as a sync invoke would. */
  wait?: boolean;
  /** With --async: print `{"callId": …}`. */
  json?: boolean;
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
    .option('-a, --async', 'queue the call and print its call id (see `sluice calls`)')
    .option('--callback-url <url>', 'with --async: where the gateway POSTs the result')
    .option('--idempotency-key <key>', 'with --async: a repeat with the same key gets the first call\'s id')
    .option('--wait', 'with --async: wait for the call to finish and print its result body')
    .option('--json', 'with --async: print {"callId": …} instead of the bare id')
    .action(async (name: string, opts: InvokeOptions, cmd: Command) => runInvoke(name, opts, contextOf(cmd, io)));
}

/**
 * Runs `sluice invoke`. A 2xx body goes to stdout byte for byte; any other status is an error
 * (exit 1) quoting status and body, as faas-cli does. With --async the call is queued and its id
 * printed, or, with --wait, its result is awaited and printed the same way.
 */
export async function runInvoke(name: string, opts: InvokeOptions, ctx: CliContext): Promise<void> {
  checkAsyncFlags(opts);
  const client = await clientFor(ctx);
  const req = await requestOf(opts, ctx);
  if (opts.async) return invokeAsync(client, name, req, opts, ctx);
  writeFunctionAnswer(await client.invoke(name, req), ctx);
}

/** Writes a function's 2xx body to stdout byte for byte; any other status → exit 1 quoting it. */
export function writeFunctionAnswer(res: InvokeResponse, ctx: CliContext): void {
  if (res.status < 200 || res.status > 299) throw new GatewayAnswerError(res.status, unexpectedStatus(res.status, res.body.toString('utf8')));
  ctx.io.stdout.write(res.body);
}

// --- internal ---

const ASYNC_ONLY = [
  ['callbackUrl', '--callback-url'],
  ['idempotencyKey', '--idempotency-key'],
  ['wait', '--wait'],
  ['json', '--json'],
] as const;

function checkAsyncFlags(opts: InvokeOptions): void {
  for (const [key, flag] of ASYNC_ONLY) {
    if (opts[key] !== undefined && !opts.async) throw new UsageError(`${flag} goes with --async (a sync invoke prints the function's answer as it comes)`);
  }
  if (opts.wait && opts.json) throw new UsageError('--json prints the call id; with --wait the result body is printed as is: use one of them');
}

/** The request from the flags and stdin. */
async function requestOf(opts: InvokeOptions, ctx: CliContext): Promise<InvokeRequest> {
  const method = opts.method.toUpperCase();
  // At a terminal there is nothing to read: send an empty body instead of waiting for Ctrl-D.
  const readBody = method !== 'GET' && method !== 'HEAD' && !isTerminal(ctx.io.stdin);
  const body = readBody ? await readAll(ctx.io.stdin) : Buffer.alloc(0);
  const headers = opts.header ?? [];
  // `-H Content-Type=…` wins over --content-type (sending both would join them into one value).
  const typed = headers.some(([key]) => key.toLowerCase() === 'content-type');
  return { method, headers: typed ? headers : [['content-type', opts.contentType], ...headers], query: opts.query ?? [], body };
}

async function invokeAsync(client: GatewayClient, name: string, req: InvokeRequest, opts: InvokeOptions, ctx: CliContext): Promise<void> {
  const { callId, replayed } = await client.invokeAsync(name, {
    ...req,
    ...(opts.callbackUrl !== undefined ? { callbackUrl: opts.callbackUrl } : {}),
    ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
  });
  if (replayed) ctx.out.note(`Note: Idempotency-Key "${opts.idempotencyKey}" was used before: ${callId} is that earlier call; nothing new was queued`);
  if (!opts.wait) {
    if (opts.json) ctx.out.json({ callId, replayed });
    else ctx.out.line(callId);
    return;
  }
  ctx.out.progress(`Queued call ${callId}; waiting for it (Ctrl-C stops the waiting, not the call)`);
  const result = await waitForResult(client, callId, { onStatus: (r) => ctx.out.progress(`Call ${callId}: ${r.status}${r.attempts > 1 ? ` (attempt ${r.attempts})` : ''}`) });
  writeFunctionAnswer(result, ctx);
}
