import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseSize } from '../../config/index.js';
import { UsageError } from '../_errors.js';
import type { CliIo } from '../_io.js';
import { createOutput } from '../_output.js';
import type { AccessEntry } from '../receiver/index.js';

/** Flags of `sluice receiver` (commander fills in the defaults). */
export type ReceiverFlags = {
  port: number;
  bind: string;
  dir: string;
  key?: string;
  maxBodySize?: number;
  json?: boolean;
};

/** Registers `sluice receiver`: receives async callbacks into a folder until stopped. */
export function registerReceiver(program: Command, io: CliIo): void {
  program
    .command('receiver')
    .description('receive async callbacks (X-Callback-Url): save each POST /messages/<name>, and any other POST request-bin style, to a folder; list and serve them back')
    .option('--port <port>', 'TCP port (0: any free port, printed at start)', parsePort, 5000)
    .option('--bind <address>', 'address to listen on; 0.0.0.0 takes callbacks from other machines', '127.0.0.1')
    .option('--dir <dir>', 'folder the messages are saved in (created when missing)', './received')
    .option('--key <key>', 'check X-Sluice-Signature with this key, refusing (401) what does not match (env SLUICE_CALLBACK_KEY)')
    .option('--max-body-size <size>', 'largest body saved (413 above), e.g. 10MB (default: 64Mi)', parseSizeFlag)
    .option('--json', 'log JSON lines instead of the Werkzeug-style lines')
    .action(async (flags: ReceiverFlags) => runReceiver(flags, io));
}

/**
 * Runs `sluice receiver` until SIGINT or SIGTERM: prints where it listens and saves, then one line
 * per request. Resolves once stopped (exit 0); a port in use rejects with ERR_PORT_IN_USE (exit 1).
 */
export async function runReceiver(flags: ReceiverFlags, io: CliIo): Promise<void> {
  const key = flags.key ?? (io.env['SLUICE_CALLBACK_KEY'] || undefined);
  if (key === '') throw new UsageError('--key is empty: give the key the gateway signs with (its SLUICE_CALLBACK_KEY)');
  const dir = path.resolve(io.cwd, flags.dir);
  const out = createOutput(io);
  // Loaded only when receiving, like serve's server: the other commands stay light.
  const { jsonLine, startReceiver, werkzeugLine } = await import('../receiver/index.js');
  const format = flags.json ? jsonLine : werkzeugLine;
  const stopped = nextStopSignal();
  const receiver = await startReceiver({
    port: flags.port,
    bind: flags.bind,
    dir,
    ...(key === undefined ? {} : { key }),
    maxBodyBytes: flags.maxBodySize ?? DEFAULT_MAX_BODY,
    log: (entry: AccessEntry) => out.line(format(entry)),
    warn: (text) => out.note(`Warning: ${text}`),
  }).catch((err: unknown) => {
    stopped.cancel();
    throw err;
  });
  const checks = key === undefined ? 'signatures not checked: no --key or SLUICE_CALLBACK_KEY' : 'X-Sluice-Signature checked';
  out.line(flags.json ? JSON.stringify({ event: 'listening', url: receiver.url, dir, verifying: key !== undefined }) : `Sluice receiver listening on ${receiver.url} and saving to ${dir} (${checks})`);
  const signal = await stopped.signal;
  await receiver.close();
  out.line(flags.json ? JSON.stringify({ event: 'stopped', signal }) : `${signal}: stopped`);
}

// --- internal ---

/** As the gateway's max_body_size: a function's answer the gateway took fits. */
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new InvalidArgumentError('use a TCP port, 0-65535 (0: any free port)');
  return port;
}

function parseSizeFlag(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined || bytes <= 0) throw new InvalidArgumentError('use a size such as 64Mi, 10MB or 1048576');
  return bytes;
}

/** The first SIGINT or SIGTERM, listened for from now on (a signal during start-up still stops cleanly). */
function nextStopSignal(): { signal: Promise<NodeJS.Signals>; cancel(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => {
      cancel();
      resolve(received);
    };
  });
  const cancel = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { signal, cancel };
}
