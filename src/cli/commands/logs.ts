import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import { parseDurationFlag } from '../_args.js';
import type { LogRequest } from '../_client.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import { UsageError } from '../_errors.js';
import type { CliIo } from '../_io.js';
import { LOG_FORMATS, RFC3339, formatLogLine, parseRfc3339, parseTimeFormat } from './logs-format.js';
import type { LogFormat } from './logs-format.js';

/** Flags of `sluice logs` (commander fills in the defaults). */
export type LogsOptions = {
  /** Follow (faas-cli's `--tail`, on by default); `--no-tail` prints what is kept and exits. */
  tail: boolean;
  /** `--lines N` → `tail=N`; ≤ 0 means every kept line. */
  lines: number;
  /** `--since 10m`, in milliseconds back from now. */
  since?: number;
  /** `--since-time`, an RFC 3339 time sent as given. */
  sinceTime?: string;
  output: LogFormat;
  /** A Go layout; '' leaves the timestamp out. */
  timeFormat: string;
  instance?: string;
  /** `--json`: the same as `-o json`. */
  json?: boolean;
};

/** Registers `sluice logs NAME`. */
export function registerLogs(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description("print a function's output lines, then follow new ones until Ctrl-C (--no-tail: print and exit)")
    .argument('<name>', 'function name')
    .option('-t, --tail', 'follow: keep printing new lines as the function writes them', true)
    .option('--no-tail', 'print the lines the gateway kept, then exit')
    .option('--lines <n>', 'only the last N lines kept (-1: all)', parseLines, -1)
    .option('--since <duration>', 'only lines from this long ago on, e.g. 10s, 5m, 1h', parseDurationFlag)
    .option('--since-time <time>', 'only lines from this RFC 3339 time on, e.g. 2026-12-05T21:00:00Z', parseSinceTime)
    .addOption(new Option('-o, --output <format>', 'plain, keyvalue, or json (the gateway\'s JSON lines as sent)').choices(LOG_FORMATS).default('plain'))
    .option('--time-format <layout>', 'Go time layout or name (rfc3339nano, ansic, unixdate…); empty: no timestamp', parseTimeFormat, RFC3339)
    .option('--instance <instance>', "only this replica's lines (the name in parentheses)")
    .option('--json', 'same as --output json')
    .action(async (name: string, opts: LogsOptions, cmd: Command) => {
      const stop = new AbortController();
      // Ctrl-C is how a follow ends: it stops the stream and the command exits 0, without a word.
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runLogs(name, opts, contextOf(cmd, io), stop.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/**
 * Runs `sluice logs`: writes each line as soon as it arrives. Ends when the gateway ends the stream,
 * when `stop` aborts, or when stdout is closed (`| head`), all three quietly.
 */
export async function runLogs(name: string, opts: LogsOptions, ctx: CliContext, stop?: AbortSignal): Promise<void> {
  const req = logRequestOf(name, opts, Date.now());
  const format: LogFormat = opts.json ? 'json' : opts.output;
  const client = await clientFor(ctx);
  const ended = new AbortController();
  const abort = (): void => ended.abort();
  stop?.addEventListener('abort', abort, { once: true });
  // A reader gone (EPIPE) is an end like Ctrl-C, not a crash with a stack trace.
  ctx.io.stdout.once('error', abort);
  try {
    if (stop?.aborted) return;
    for await (const line of client.logLines(req, ended.signal)) {
      if (!ctx.io.stdout.write(`${formatLogLine(line, format, opts.timeFormat)}\n`)) await drained(ctx.io.stdout, ended.signal);
      if (ended.signal.aborted) break;
    }
  } finally {
    stop?.removeEventListener('abort', abort);
    ctx.io.stdout.off('error', abort);
  }
}

/**
 * The gateway query for the flags, as faas-cli's logRequestFromFlags: `--since` counts back from
 * `now`; `--since` and `--since-time` together are a usage error (faas-cli silently took the time).
 * @example logRequestOf('fn', { tail: false, lines: 5, output: 'plain', timeFormat: '' }, Date.now())
 */
export function logRequestOf(name: string, opts: Pick<LogsOptions, 'tail' | 'lines' | 'since' | 'sinceTime' | 'instance'>, now: number): LogRequest {
  if (opts.since !== undefined && opts.sinceTime !== undefined) throw new UsageError('use --since or --since-time, not both');
  const since = opts.sinceTime ?? (opts.since ? new Date(now - opts.since).toISOString() : undefined);
  return {
    name,
    tail: opts.lines,
    follow: opts.tail,
    ...(since === undefined ? {} : { since }),
    ...(opts.instance ? { instance: opts.instance } : {}),
  };
}

/** Parses `--lines`: a whole number, negative allowed (faas-cli's -1 default means all). */
export function parseLines(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError('use a whole number of lines (-1: all)');
  return Number(text);
}

/** Parses `--since-time`: an RFC 3339 time (what the gateway's `since` takes), sent as given. */
export function parseSinceTime(text: string): string {
  if (!parseRfc3339(text.trim())) throw new InvalidArgumentError('use an RFC 3339 time, e.g. 2026-12-05T21:00:00Z');
  return text.trim();
}

// --- internal ---

/** Resolves once `stream` takes writes again, or at once when the run is ending. */
function drained(stream: Writable, ended: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      ended.removeEventListener('abort', done);
      resolve();
    };
    stream.once('drain', done);
    ended.addEventListener('abort', done, { once: true });
  });
}
