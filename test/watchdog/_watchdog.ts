/**
 * Shared helpers of the `sluice watchdog` tests: start the real watchdog (the built CLI, as a
 * container would) with an env on free ports in a temp dir, talk HTTP to it, stop it, and make sure
 * nothing it started outlives it.
 *
 * Each watchdog runs in a process group of its own (spawned detached), so that even a child orphaned
 * by a watchdog that died can be found (`groupMembers`) and killed (`cleanupWatchdogs`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, eventually } from '../harness.js';

export { alive, descendants, eventually } from '../harness.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The process-per-call modes and http mode; static mode is tested on its own. */
export const FUNCTION_MODES = ['http', 'streaming', 'serializing', 'fork'] as const;
export type FunctionMode = (typeof FUNCTION_MODES)[number];

/** An fprocess running a fixture with node (the watchdog splits it on spaces: no spaces in args). */
export function fixture(name: string, ...args: Array<string | number>): string {
  return [process.execPath, path.join(FIXTURES, name), ...args].join(' ');
}

/** Ports already handed out: tests run concurrently, and the kernel may give a just-freed port again. */
const givenPorts = new Set<number>();

/** A TCP port nothing listens on right now (bound on port 0, read, closed), never the same one twice. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, () => {
        const { port: bound } = server.address() as { port: number };
        server.close(() => resolve(bound));
      });
    });
    if (!givenPorts.has(port)) {
      givenPorts.add(port);
      return port;
    }
  }
}

const tempDirs: string[] = [];

export async function tempDir(prefix = 'sluice-wd-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Watchdog {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** 0 when metrics are off. */
  readonly metricsPort: number;
  /** The temp dir: working dir of the watchdog, home of its lock file. */
  readonly dir: string;
  readonly lockFile: string;
  /** The env the watchdog was started with. */
  readonly env: Readonly<Record<string, string>>;
  readonly process: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line of `stream` (default stderr) matching, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number, stream?: 'stdout' | 'stderr'): Promise<string>;
  readonly exited: Promise<Exit>;
  /** Sends SIGTERM (once: a second one is a test of its own, see lifecycle.test.ts). */
  terminate(): void;
  /**
   * SIGTERM (unless terminate() sent it already), then waits for the exit. `leftovers` are the processes of its group still alive a
   * moment after the exit (should be none).
   */
  stop(): Promise<Exit & { leftovers: number[] }>;
}

export interface StartOptions {
  /** Serve metrics on a free port (default: metrics_port=0, no metrics server). */
  readonly metrics?: boolean;
  /**
   * What to wait for: `healthy` (default) "Listening on port" and `/_/health` 200 (and the metrics
   * port, with `metrics`); `listening` the log line only; `nothing` (a watchdog still starting up).
   */
  readonly wait?: 'healthy' | 'listening' | 'nothing';
  /** How long to wait for "Listening on port". @default 15s */
  readonly startTimeoutMs?: number;
  /** A temp dir to reuse (its own when absent). */
  readonly dir?: string;
}

const started: Watchdog[] = [];

/**
 * The env every test watchdog starts from: a free `port`, no metrics (or a free port), the lock
 * file in its temp dir, a short `healthcheck_interval`, PATH. `env` is added over it; an undefined
 * value removes a key.
 */
async function baseEnv(dir: string, opts: StartOptions): Promise<Record<string, string>> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    port: String(await freePort()),
    metrics_port: opts.metrics ? String(await freePort()) : '0',
    lock_file: path.join(dir, '.lock'),
    healthcheck_interval: '100ms',
  };
}

function merge(base: Record<string, string>, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out = { ...base };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Spawns `sluice watchdog <args>` in its own process group, output collected. */
function spawnWatchdog(env: Record<string, string>, cwd: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, 'watchdog', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    out[stream] += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Wait for the pipes too, so the output is complete once `exited` settles.
  const closed = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const waitFor = (pattern: RegExp, ms = 10_000, stream: 'stdout' | 'stderr' = 'stderr'): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = out[stream].split('\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${stream} line matching ${pattern} within ${ms}ms; stdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  void exited;
  return { child, out, exited: closed, waitFor };
}

/**
 * Starts `sluice watchdog` with `env` over the base env (see baseEnv) and resolves once it logged
 * `Listening on port: <port>` and `/_/health` answers 200 (see StartOptions.wait).
 */
export async function startWatchdog(env: Readonly<Record<string, string | undefined>>, opts: StartOptions = {}): Promise<Watchdog> {
  const dir = opts.dir ?? (await tempDir());
  const fullEnv = merge(await baseEnv(dir, opts), env);
  const { child, out, exited, waitFor } = spawnWatchdog(fullEnv, dir, []);
  const port = Number(fullEnv['port']);
  let terminated = false;
  const wd: Watchdog = {
    port,
    url: `http://127.0.0.1:${port}`,
    metricsPort: Number(fullEnv['metrics_port'] ?? 0),
    dir,
    lockFile: path.resolve(dir, fullEnv['lock_file'] ?? path.join(os.tmpdir(), '.lock')),
    env: fullEnv,
    process: child,
    pid: child.pid as number,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor,
    exited,
    terminate: () => {
      if (terminated || child.exitCode !== null || child.signalCode !== null) return;
      terminated = true;
      child.kill('SIGTERM');
    },
    stop: async () => {
      wd.terminate();
      const exit = await exited;
      let leftovers = groupMembers(child.pid as number);
      if (leftovers.length > 0) {
        await new Promise((r) => setTimeout(r, 500));
        leftovers = groupMembers(child.pid as number);
      }
      return { ...exit, leftovers };
    },
  };
  started.push(wd);
  const died = exited.then((exit) => {
    throw new Error(`sluice watchdog exited (${exit.code ?? exit.signal}) before listening:\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
  });
  died.catch(() => {});
  const wait = opts.wait ?? 'healthy';
  if (wait === 'nothing') return wd;
  await Promise.race([waitFor(new RegExp(`Listening on port: ${port}\\b`), opts.startTimeoutMs ?? 15_000), died]);
  if (wait === 'listening') return wd;
  await Promise.race([eventually(async () => (await health(wd)) === 200, 5000, `${wd.url}/_/health to answer 200`), died]);
  if (opts.metrics) await Promise.race([eventually(() => canConnect(wd.metricsPort), 5000, `metrics on port ${wd.metricsPort}`), died]);
  // The watchdog takes SIGTERM gracefully only once started up, a moment after its lock file is
  // written (see lifecycle.test.ts, "SIGTERM during start-up"): give it that moment.
  await Promise.race([sleep(100), died]);
  return wd;
}

/** Does a TCP connection to 127.0.0.1:`port` succeed? */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A clean stop: SIGTERM → exit 0, and no process of the watchdog's group left running. */
export const CLEAN_EXIT = { code: 0, signal: null, leftovers: [] } as const;

/** Stops `wd` and asserts it stopped cleanly (CLEAN_EXIT). */
export async function stopCleanly(wd: Watchdog, what = ''): Promise<void> {
  assert.deepEqual(await wd.stop(), CLEAN_EXIT, `stopping the watchdog ${what}\nstderr:\n${wd.stderr()}`);
}

/** Starts a watchdog, runs `fn` with it, and stops it cleanly. */
export async function withWatchdog(env: Readonly<Record<string, string | undefined>>, fn: (wd: Watchdog) => Promise<void>, opts: StartOptions = {}): Promise<void> {
  const wd = await startWatchdog(env, opts);
  await fn(wd);
  await stopCleanly(wd);
}

/**
 * The env of http mode with the server fixture (fixtures/server.mjs) on a free port: mode,
 * fprocess, http_port and upstream_url, `extra` over it.
 */
export async function httpModeEnv(extra: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  const port = await freePort();
  return { mode: 'http', fprocess: fixture('server.mjs'), http_port: String(port), upstream_url: `http://127.0.0.1:${port}`, ...extra };
}

/** `GET /_/health` status (0 when the connection fails). */
export async function health(wd: Watchdog, route = '/_/health'): Promise<number> {
  try {
    return (await call(wd, route)).status;
  } catch {
    return 0;
  }
}

/**
 * Runs `sluice watchdog <args>` to its exit (invalid settings, -run-healthcheck), in a temp dir
 * with only `env` (plus PATH). Kills it and fails after `ms`.
 */
export async function runWatchdogToExit(env: Readonly<Record<string, string>>, args: string[] = [], ms = 15_000): Promise<Exit & { stdout: string; stderr: string }> {
  const dir = await tempDir();
  const { child, out, exited } = spawnWatchdog({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, dir, args);
  const timer = setTimeout(() => killGroup(child.pid as number), ms);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, ...out };
}

/** Stops everything the tests started (SIGKILL to each watchdog's process group) and removes temp dirs. */
export async function cleanupWatchdogs(): Promise<void> {
  for (const wd of started.splice(0)) {
    killGroup(wd.pid);
    await Promise.race([wd.exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/** Pids of the living (non-zombie) processes in process group `pgid`, from /proc. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') out.push(Number(entry));
  }
  return out;
}

/** State letter, parent and process group of a process (undefined when gone). */
export function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', ppid = '0', pgrp = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** Children of `pid` right now, zombies included, with their state letter. */
export function childrenOf(pid: number): Array<{ pid: number; state: string }> {
  const out: Array<{ pid: number; state: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === pid) out.push({ pid: Number(entry), state: stat.state });
  }
  return out;
}

/** Resident memory of a process in bytes (VmRSS), 0 when gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** TCP ports process `pid` listens on, sorted (its socket fds matched against /proc/net/tcp{,6}). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // Closed while we looked.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      // local_address is col 1 ("0100007F:1F90"), st col 3 ("0A" = LISTEN), inode col 9.
      if (cols[3] === '0A' && inodes.has(cols[9] as string)) ports.add(parseInt((cols[1] as string).split(':')[1] as string, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** Milliseconds from sending to the end of the answer. */
  readonly ms: number;
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked (in 256-byte chunks) instead of Content-Length. */
  readonly chunked?: boolean;
  readonly signal?: AbortSignal;
  /** Defaults to a new connection per call (Connection: close). */
  readonly agent?: Agent;
  /** Consumes each body chunk (slow readers); the answer's body is then empty. */
  readonly onData?: (chunk: Buffer, res: import('node:http').IncomingMessage) => void;
}

/** One HTTP request to a watchdog (or any `http://host:port` url); the path is sent as given. */
export function call(target: Watchdog | string, route: string, opts: CallOptions = {}): Promise<Answer> {
  const base = new URL(typeof target === 'string' ? target : target.url);
  const started = performance.now();
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  const headers: Record<string, string> = { ...opts.headers };
  if (body && !opts.chunked) headers['content-length'] = String(body.length);
  if (opts.chunked) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: base.hostname, port: base.port, path: route, method: opts.method ?? 'GET', headers, agent: opts.agent ?? false, signal: opts.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => (opts.onData ? opts.onData(chunk, res) : chunks.push(chunk)));
        res.once('error', reject);
        res.once('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8'), ms: performance.now() - started });
        });
      },
    );
    req.once('error', reject);
    if (body && opts.chunked) {
      for (let i = 0; i < body.length; i += 256) req.write(body.subarray(i, i + 256));
      req.end();
    } else req.end(body);
  });
}

/**
 * Writes `text` raw on a new connection to `port` and resolves with all that comes back until the
 * server closes the connection or `ms` passes.
 */
export function rawExchange(port: number, text: string, ms = 10_000): Promise<{ answer: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, ms: performance.now() - started });
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.once('close', finish);
    socket.once('error', finish);
  });
}

/** Go's `%f` seconds, as in X-Duration-Seconds. */
export const DURATION_SECONDS = /^\d+\.\d{6}$/;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
