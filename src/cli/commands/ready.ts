import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { parseDurationFlag } from '../_args.js';
import type { GatewayClient } from '../_client.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import { GatewayAnswerError } from '../_errors.js';
import type { CliIo } from '../_io.js';

/** Flags of `sluice ready` (faas-cli's defaults: 60 attempts, 1s apart). */
export type ReadyOptions = {
  attempts: number;
  interval: number;
  json?: boolean;
};

/** What one look at the target found: ready, or why not (shown in progress and in the final error). */
type Probe = { ready: true } | { ready: false; reason: string };

/** Registers `sluice ready [NAME]`. */
export function registerReady(program: Command, io: CliIo): void {
  program
    .command('ready')
    .description('wait until the gateway (GET /healthz), or a function, has an available replica')
    .argument('[name]', 'function to wait for (default: the gateway itself)')
    .option('--attempts <n>', 'how many times to look before giving up', parseAttempts, 60)
    .option('--interval <duration>', 'time between attempts, e.g. 1s or 500ms', parseDurationFlag, 1000)
    .option('--json', 'print {"ready", "target", "attempts"} when ready')
    .action(async (name: string | undefined, opts: ReadyOptions, cmd: Command) => runReady(name, opts, contextOf(cmd, io)));
}

/** Runs `sluice ready`: resolves when ready, throws (exit 1) when the attempts run out. */
export async function runReady(name: string | undefined, opts: ReadyOptions, ctx: CliContext): Promise<void> {
  const client = await clientFor(ctx);
  const target = name === undefined ? `gateway ${client.url}` : `function ${name}`;
  const probe = name === undefined ? () => probeGateway(client) : () => probeFunction(client, name);
  let last: Probe = { ready: false, reason: 'not tried' };
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    ctx.out.progress(`[${attempt}/${opts.attempts}] Waiting for ${target}`);
    last = await probe();
    if (last.ready) return report(ctx, { target, name, attempt, json: opts.json === true });
    ctx.out.progress(`[${attempt}/${opts.attempts}] ${last.reason}`);
    // No sleep after the last look: the answer is known, and scripts should not wait for nothing.
    if (attempt < opts.attempts) await sleep(opts.interval);
  }
  const waited = formatWait(opts.attempts, opts.interval);
  throw new Error(`${target} not ready after ${opts.attempts} attempt(s) (${waited}): ${last.reason}`);
}

// --- internal ---

function report(ctx: CliContext, r: { target: string; name: string | undefined; attempt: number; json: boolean }): void {
  if (r.json) ctx.out.json({ ready: true, target: r.name === undefined ? 'gateway' : 'function', ...(r.name === undefined ? {} : { name: r.name }), attempts: r.attempt });
  else ctx.out.line(`${r.target.charAt(0).toUpperCase()}${r.target.slice(1)} is ready`);
}

async function probeGateway(client: GatewayClient): Promise<Probe> {
  try {
    return (await client.healthy()) ? { ready: true } : { ready: false, reason: 'GET /healthz did not answer 200' };
  } catch (err) {
    return { ready: false, reason: (err as Error).message };
  }
}

async function probeFunction(client: GatewayClient, name: string): Promise<Probe> {
  try {
    const status = await client.getFunction(name);
    const available = status.availableReplicas ?? 0;
    return available >= 1 ? { ready: true } : { ready: false, reason: `${available} available replica(s) of ${status.replicas ?? 0}` };
  } catch (err) {
    // Wrong credentials will not fix themselves: stop now instead of looking 60 more times.
    if (err instanceof GatewayAnswerError && (err.status === 401 || err.status === 403)) throw err;
    const reason = err instanceof GatewayAnswerError && err.status === 404 ? `function ${name} is not deployed` : (err as Error).message;
    return { ready: false, reason };
  }
}

function parseAttempts(text: string): number {
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < 1) throw new InvalidArgumentError('use a whole number of 1 or more');
  return n;
}

/** The time the attempts span, as faas-cli words it: attempts × interval. */
function formatWait(attempts: number, intervalMs: number): string {
  const ms = attempts * intervalMs;
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}
