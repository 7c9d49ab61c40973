import { Option } from 'commander';
import type { Command } from 'commander';
import { CALL_STATUSES } from '../../api/index.js';
import type { CallStatus } from '../../api/index.js';
import { parseDurationFlag, parseLimit, parseSince } from '../_args.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { formatCallRecord, formatCallTable } from './calls-format.js';
import { runCallsResult, runCallsWait } from './calls-wait.js';

/** Flags of `sluice calls list`. */
export type CallsListOptions = {
  function?: string;
  status?: CallStatus;
  limit?: number;
  json?: boolean;
};

/** Flags of `sluice calls redrive`. */
export type CallsRedriveOptions = {
  function?: string;
  since?: string;
  json?: boolean;
};

/** Registers `sluice calls` and its subcommands: list, get, result, wait, cancel, redrive. */
export function registerCalls(program: Command, io: CliIo): void {
  const calls = program.command('calls').description('async calls (invoke --async): list, inspect, wait for, cancel, redrive');
  calls
    .command('list')
    .alias('ls')
    .description('list calls, newest first')
    .option('--function <name>', 'only calls of this function')
    .addOption(new Option('--status <status>', 'only calls in this status').choices(CALL_STATUSES))
    .option('--limit <n>', 'at most this many (1-1000; gateway default 100)', parseLimit)
    .option('--json', 'print the call records as JSON')
    .action(async (opts: CallsListOptions, cmd: Command) => runCallsList(opts, contextOf(cmd, io)));
  calls
    .command('get')
    .description('show one call: status, attempts, timings, callback')
    .argument('<call-id>', 'the X-Call-Id that invoke --async printed')
    .option('--json', 'print the call record as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => runCallsGet(id, opts, contextOf(cmd, io)));
  calls
    .command('result')
    .description("print a finished call's response body (byte for byte)")
    .argument('<call-id>', 'call id')
    .option('--wait <duration>', 'wait up to this long for the call to finish, e.g. 30s', parseDurationFlag)
    .action(async (id: string, opts: { wait?: number }, cmd: Command) => runCallsResult(id, opts, contextOf(cmd, io)));
  calls
    .command('wait')
    .description('wait for a call to finish; exit 0 if it succeeded, 1 if not, 5 if still going at --timeout')
    .argument('<call-id>', 'call id')
    .option('--timeout <duration>', 'give up after this long, e.g. 30s, 10m', parseDurationFlag, 5 * 60_000)
    .option('--json', 'print the final call record as JSON')
    .action(async (id: string, opts: { timeout: number; json?: boolean }, cmd: Command) => runCallsWait(id, opts, contextOf(cmd, io)));
  calls
    .command('cancel')
    .description('cancel a call that is still queued')
    .argument('<call-id>', 'call id')
    .option('--json', 'print the cancelled call record as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => runCallsCancel(id, opts, contextOf(cmd, io)));
  calls
    .command('redrive')
    .description('put dead calls back in their queues')
    .option('--function <name>', 'only dead calls of this function')
    .option('--since <when>', 'only calls that died since: a duration back (1h) or an ISO time', parseSince)
    .option('--json', 'print {"redriven", "callIds"} as JSON')
    .action(async (opts: CallsRedriveOptions, cmd: Command) => runCallsRedrive(opts, contextOf(cmd, io)));
}

/** Runs `sluice calls list`. */
export async function runCallsList(opts: CallsListOptions, ctx: CliContext): Promise<void> {
  const filter = { ...(opts.function ? { function: opts.function } : {}), ...(opts.status ? { status: opts.status } : {}), ...(opts.limit ? { limit: opts.limit } : {}) };
  const records = await (await clientFor(ctx)).listCalls(filter);
  if (opts.json) ctx.out.json(records);
  else ctx.out.text(formatCallTable(records));
}

/** Runs `sluice calls get`. */
export async function runCallsGet(callId: string, opts: { json?: boolean }, ctx: CliContext): Promise<void> {
  const record = await (await clientFor(ctx)).getCall(callId);
  if (opts.json) ctx.out.json(record);
  else ctx.out.text(formatCallRecord(record));
}

/** Runs `sluice calls cancel`: only a queued call can be (the gateway answers 409 otherwise). */
export async function runCallsCancel(callId: string, opts: { json?: boolean }, ctx: CliContext): Promise<void> {
  const record = await (await clientFor(ctx)).cancelCall(callId);
  if (opts.json) ctx.out.json(record);
  else ctx.out.line(`Cancelled call ${record.callId} (${record.function})`);
}

/** Runs `sluice calls redrive`. */
export async function runCallsRedrive(opts: CallsRedriveOptions, ctx: CliContext): Promise<void> {
  const filter = { ...(opts.function ? { function: opts.function } : {}), ...(opts.since ? { since: opts.since } : {}) };
  const answer = await (await clientFor(ctx)).redrive(filter);
  if (opts.json) ctx.out.json(answer);
  else ctx.out.line(`Redriven ${answer.redriven} call(s)`);
}
