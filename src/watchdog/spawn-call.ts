import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { errors } from '../api/index.js';
import { failureOf } from './outcome.js';
import { lineSplitter } from './lines.js';
import type { FunctionRuntime, Invocation, LogSink } from './types.js';

/** What every process-per-call mode (streaming, serializing, fork) is built from. */
export interface ProcessModeOptions extends FunctionRuntime {
  readonly log: LogSink;
  /** How each call's process is confined when its replica has limits or mounts; without it, it runs as the watchdog does. */
  readonly confinement?: CallConfinement;
}

/** The end of a confined process's stderr kept for `stoppedBy`: enough for V8's last words and its native stack. */
const STDERR_TAIL_BYTES = 8192;

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of its stderr (the last 8 KiB), given to `stoppedBy` of a process in bounds: how it says it ran out of memory. */
  readonly stderr?: string;
}

/**
 * The bounds a replica puts every call's process in (its control groups or memory rlimit, its
 * mounts; given by the provider): a process is in them before it runs the function, and one they
 * stopped fails its call with a 502 that says why, instead of the mode's answer for a failed process.
 */
export interface CallConfinement {
  /** The program line that runs `argv`, with `env`, inside the bounds. */
  wrap(argv: readonly string[], env: Readonly<Record<string, string>>): readonly string[];
  /** Why a process that failed was stopped by the bounds (killed over its memory limit, refused memory by an rlimit), if it was. */
  stoppedBy(exit: ProcessExit): Promise<string | undefined>;
}

/** One running call's process; `exited` settles when it has exited and its output is read. */
export interface CallProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code (null when killed by a signal); rejects with what to answer. */
  readonly exited: Promise<ProcessExit>;
}

/**
 * Starts the process of one call: `env` plus the call's CGI variables, `stdin` written to it, killed
 * (SIGKILL) when the call is aborted — a gone client or a deadline. stderr lines go to the log with
 * the call id unless `onStderr` takes them.
 */
export function spawnCall(opts: ProcessModeOptions, inv: Invocation, stdin: Buffer | Readable | null, env: Record<string, string>, onStderr?: (chunk: Buffer) => void): CallProcess {
  const argv = opts.confinement?.wrap(opts.argv, env) ?? opts.argv;
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { cwd: opts.cwd, env, stdio: 'pipe' });
  inv.signal.onAbort(() => child.kill('SIGKILL'));
  if (onStderr) child.stderr.on('data', onStderr);
  else child.stderr.pipe(lineSplitter((line) => opts.log('stderr', line, inv.callId), opts.config.logBufferSize));
  const stderrTail = opts.confinement ? keepTail(child.stderr, STDERR_TAIL_BYTES) : undefined;
  // A function that never reads stdin must not fail the call (EPIPE): its errors are ignored.
  child.stdin.on('error', ignore);
  if (Buffer.isBuffer(stdin)) child.stdin.end(stdin);
  else if (stdin) stdin.pipe(child.stdin);
  else child.stdin.end();
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      // A spawn error ('ENOENT') comes with no 'close' for the streams of a process that never ran.
      inv.signal.onAbort(undefined);
      reject(err.code === 'ENOENT' ? errors.spawnFailed(opts.name, `${command}: command not found`) : failureOf(opts.name, inv.signal, err));
    });
    child.once('close', (code, signal) => {
      inv.signal.onAbort(undefined);
      if (inv.signal.aborted) reject(failureOf(opts.name, inv.signal, new Error('aborted')));
      else if (code !== 0 && opts.confinement) explainExit(opts, opts.confinement, inv, { code, signal, stderr: stderrTail?.() ?? '' }).then(resolve, reject);
      else resolve({ code, signal });
    });
  });
  return { child, exited };
}

/** A failed process in bounds: the call's 502 names the bound that stopped it, if one did. */
async function explainExit(opts: ProcessModeOptions, confinement: CallConfinement, inv: Invocation, exit: ProcessExit): Promise<ProcessExit> {
  const reason = await confinement.stoppedBy(exit).catch(() => undefined);
  if (reason === undefined) return exit;
  opts.log('stderr', `process ${reason}`, inv.callId);
  throw errors.upstreamFailed(opts.name, reason);
}

/** How Go names the signals a process most often dies of (its `Signal.String()`). */
const GO_SIGNAL_NAMES: Readonly<Partial<Record<NodeJS.Signals, string>>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGPIPE: 'broken pipe',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
};

/** Go's wording for a failed process, as both watchdogs print it: `exit status 2`, `signal: killed`. */
export function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal: ${GO_SIGNAL_NAMES[signal] ?? signal}` : `exit status ${code}`;
}

function ignore(): void {}

/** Keeps the last `bytes` of a stream as it flows (whoever else reads it); the returned function reads them. */
function keepTail(stream: Readable, bytes: number): () => string {
  let kept = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    kept = Buffer.concat([kept, chunk]);
    if (kept.length > bytes) kept = kept.subarray(-bytes);
  });
  return () => kept.toString('utf8');
}
