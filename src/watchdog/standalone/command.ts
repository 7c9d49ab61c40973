import { watchdogConfig } from '../config.js';
import { lockFile } from './lock-file.js';
import type { LogOutput } from './log.js';
import { runWatchdog } from './run.js';

/** What the watchdog process reads and writes: its env, working dir and output. */
export interface WatchdogIo extends LogOutput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/**
 * The whole of a `sluice watchdog` process, for the CLI and for the bundled container entry alike:
 * `-run-healthcheck` answers from the lock file; otherwise serve until SIGTERM/SIGINT (exit 0 once
 * drained) or until an http-mode process dies (exit 1). Resolves with the exit code.
 */
export async function watchdogProcess(opts: { runHealthcheck?: boolean }, io: WatchdogIo): Promise<number> {
  if (opts.runHealthcheck) return lockFile.exists(lockPath(io)) ? 0 : 1;
  // Installed before anything starts, so a signal during start-up still stops cleanly; repeats
  // are ignored (of-watchdog too): a second SIGTERM must not cut the calls being drained.
  let stop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (stop = resolve));
  process.on('SIGTERM', stop).on('SIGINT', stop);
  try {
    return await runWatchdog(io.env, io.cwd, io, stopRequested);
  } finally {
    process.off('SIGTERM', stop).off('SIGINT', stop);
  }
}

/** The lock file the env names, whatever else it holds (a health check needs no fprocess). */
function lockPath(io: WatchdogIo): string {
  return watchdogConfig({ ...io.env, mode: 'static' }, io.cwd).lockFile;
}

/** What a non-zero exit of `watchdogProcess` means, for the `Error: …` line. */
export function exitMessage(opts: { runHealthcheck?: boolean }): string {
  return opts.runHealthcheck ? 'unhealthy: the watchdog lock file is missing' : 'the function process exited: the watchdog cannot serve without it';
}
