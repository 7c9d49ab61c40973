import { spawn, type ChildProcess } from 'node:child_process';
import { addressOf, canConnect } from '../connect-probe.js';
import { lineSplitter } from '../lines.js';
import type { LogSink } from '../types.js';

/**
 * The long-lived process of http mode (of-watchdog forks it once at start): its stdout and stderr
 * go to the log, and `exited` settles when it dies — the watchdog cannot serve without it.
 */
export interface FunctionProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<string>;
}

export function startFunctionProcess(argv: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>, log: LogSink, lineLimit: number): FunctionProcess {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(lineSplitter((line) => log('stdout', line), lineLimit));
  child.stderr?.pipe(lineSplitter((line) => log('stderr', line), lineLimit));
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? `${command}: command not found` : err.message));
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with status ${code}`));
  });
  return { child, exited };
}

/** Polls until `url`'s host and port accept a TCP connection (the function's server is up), or `stop`. */
export async function waitForUpstream(url: string, stop: Promise<unknown>): Promise<boolean> {
  const address = addressOf(url);
  let stopped = false;
  void stop.then(() => (stopped = true));
  for (let pause = 5; !stopped; pause = Math.min(pause * 2, 100)) {
    if (await canConnect(address)) return true;
    await new Promise((r) => setTimeout(r, pause));
  }
  return false;
}
