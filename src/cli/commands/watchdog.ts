import type { Command } from 'commander';
import type { CliIo } from '../_io.js';

/** Flags of `sluice watchdog`; everything else is configured by the watchdogs' env vars. */
export type WatchdogOptions = {
  runHealthcheck?: boolean;
};

/** Registers `sluice watchdog`: of-watchdog / the classic watchdog, standalone (a container's entry point). */
export function registerWatchdog(program: Command, io: CliIo): void {
  program
    .command('watchdog')
    .description('run one function behind a watchdog, configured by env vars (mode, fprocess, port…), as in a container')
    .option('--run-healthcheck', 'exit 0 if the watchdog lock file exists, else 1 (Docker HEALTHCHECK; also -run-healthcheck)')
    .addHelpText('after', "\nSettings are the watchdogs' env vars: mode, fprocess, upstream_url, port, exec_timeout, max_inflight… (docs/watchdog.md).")
    .action(async (opts: WatchdogOptions) => runWatchdogCommand(opts, io));
}

/** Serves until SIGTERM/SIGINT (exit 0 after draining) or until an http-mode process dies (exit 1). */
export async function runWatchdogCommand(opts: WatchdogOptions, io: CliIo): Promise<void> {
  // The watchdog runtime is loaded only when used, so the client commands stay light.
  const { exitMessage, watchdogProcess } = await import('../../watchdog/index.js');
  const code = await watchdogProcess(opts, {
    env: io.env,
    cwd: io.cwd,
    stdout: (text) => void io.stdout.write(text),
    stderr: (text) => void io.stderr.write(text),
  });
  if (code !== 0) throw new Error(exitMessage(opts));
}
