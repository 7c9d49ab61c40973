import { spawn } from 'node:child_process';
import { errors } from '../api/index.js';
import { cgiEnv } from './cgi-env.js';
import { failureOf } from './outcome.js';
import { lineSplitter } from './lines.js';
import type { Invocation, LogSink, ModeHandler, ResponseSink } from './types.js';

export interface ForkModeOptions {
  readonly name: string;
  /** fprocess split on spaces, no shell (as the watchdogs do). */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly log: LogSink;
}

/**
 * fork mode (classic watchdog): one process per call, the body on stdin, all of stdout buffered as
 * the answer. Exit 0 → 200, otherwise 500 with stderr; the deadline or a gone client kills it.
 */
export function createForkMode(opts: ForkModeOptions): ModeHandler {
  return {
    invoke: (inv, sink) => runOnce(opts, inv, sink),
    close: async () => {},
  };
}

function runOnce(opts: ForkModeOptions, inv: Invocation, sink: ResponseSink): Promise<void> {
  const [command, ...args] = opts.argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: { ...opts.env, ...cgiEnv(inv) }, stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: string[] = [];
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    inv.signal.onAbort(kill);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.pipe(lineSplitter((line) => {
      stderr.push(line);
      opts.log('stderr', line, inv.callId);
    }));
    // A function that never reads stdin must not fail the call (EPIPE), so errors here are ignored.
    child.stdin.on('error', () => {});
    if (Buffer.isBuffer(inv.body)) child.stdin.end(inv.body);
    else if (inv.body) inv.body.pipe(child.stdin);
    else child.stdin.end();
    child.on('error', (err: NodeJS.ErrnoException) => {
      inv.signal.onAbort(undefined);
      reject(err.code === 'ENOENT' ? errors.spawnFailed(opts.name, `${command}: command not found`) : failureOf(opts.name, inv.signal, err));
    });
    child.on('close', (code, signal) => {
      inv.signal.onAbort(undefined);
      if (inv.signal.aborted) return reject(failureOf(opts.name, inv.signal, new Error('aborted')));
      const output = Buffer.concat(stdout);
      const why = signal ? `killed by ${signal}` : `exit status ${code}`;
      const body = code === 0 ? output : Buffer.concat([Buffer.from(`${why}\n${stderr.join('\n')}\n`), output]);
      const type = code === 0 ? contentType(opts, inv) : 'text/plain; charset=utf-8';
      sink.start(code === 0 ? 200 : 500, ['content-type', type, 'content-length', String(body.length)]);
      sink.write(body);
      sink.end();
      resolve();
    });
  });
}

/** Classic watchdog: a fixed `content_type`, else the request's own type echoed back. */
function contentType(opts: ForkModeOptions, inv: Invocation): string {
  return opts.env['content_type'] ?? inv.headers['content-type'] ?? 'text/plain; charset=utf-8';
}
