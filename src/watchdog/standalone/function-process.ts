import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect, type ServerAddress } from '../connect-probe.js';
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
  // The IPC channel closes when the watchdog dies, however it dies: Sluice's runners exit on it.
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout?.pipe(lineSplitter((line) => log('stdout', line), lineLimit));
  child.stderr?.pipe(lineSplitter((line) => log('stderr', line), lineLimit));
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? `${command}: command not found` : err.message));
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with status ${code}`));
  });
  return { child, exited };
}

/** Polls until the function's server accepts connections, or `stop`. */
export async function waitForUpstream(address: ServerAddress, stop: Promise<unknown>): Promise<boolean> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  for (let pause = 5; !stopped; pause = Math.min(pause * 2, 100)) {
    if (await canConnect(address)) return true;
    await new Promise((r) => setTimeout(r, pause));
  }
  return false;
}
