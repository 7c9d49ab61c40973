/**
 * The one integration harness: starts the real `sluice serve` (the built CLI) on a free port in a
 * temp data dir, and stops it, checking that no process it started outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

export interface SluiceNode {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything the node printed so far (stdout and stderr). */
  output(): string;
  /** Headers for its /system API: the admin's basic auth when the node runs with auth on, else none. */
  readonly system: Record<string, string>;
  /** SIGTERM, wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (restart tests); default: a new temp dir, removed by cleanup(). */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  readonly args?: string[];
  /** Flags for the gateway's own node (e.g. --cpu-prof for profiling). */
  readonly nodeArgs?: string[];
}

const started: SluiceNode[] = [];
/** How long cleanup() lets a node drain before it kills it. */
const STOP_GRACE_MS = 5_000;
const tempDirs: string[] = [];

export async function tempDir(prefix = 'sluice-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Starts `sluice serve --port 0` and resolves once it prints the address it listens on. */
export async function startSluice(opts: StartOptions = {}): Promise<SluiceNode> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'serve', '--port', '0', '--data', dataDir, ...(opts.args ?? [])], {
    // Auth off unless a test turns it on (basic_auth: 'true'): test/integration/auth.test.ts covers it.
    // Autoscaling too (autoscaling: 'true', the certifier test): load in one test must not change the
    // replicas another counts on.
    env: { ...process.env, log_level: 'warn', basic_auth: 'false', autoscaling: 'false', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice serve did not start in 20s:\n${output}`)), 20_000);
    const onData = (): void => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`sluice serve exited with ${code}:\n${output}`)));
  });
  const password = await readFile(path.join(dataDir, 'auth', 'basic-auth-password'), 'utf8').catch(() => undefined);
  const authOn = /^(true|1)$/i.test(opts.env?.['basic_auth'] ?? '') && !opts.args?.includes('--no-auth') && !opts.args?.includes('--auth-dir');
  const node: SluiceNode = {
    url,
    dataDir,
    system: authOn && password ? { authorization: `Basic ${Buffer.from(`admin:${password.trim()}`).toString('base64')}` } : {},
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  started.push(node);
  return node;
}

/**
 * Stops every node still running and removes temp dirs. Call from `after()`. A node is stopped as an
 * operator stops it (SIGTERM: it drains, stops its replicas and removes their control groups), and
 * killed if it has not exited after STOP_GRACE_MS. Replicas die with their gateway (lifecycle.test.ts
 * checks it); a per-call process still running its call is killed here, so no test leaves a process
 * behind.
 */
export async function cleanup(): Promise<void> {
  const nodes = started.splice(0);
  const left = nodes.flatMap((node) => (node.process.pid === undefined ? [] : descendants(node.process.pid)));
  await Promise.all(nodes.map(async (node) => {
    const timer = setTimeout(() => void node.kill(), STOP_GRACE_MS);
    await node.stop();
    clearTimeout(timer);
  }));
  for (const pid of left.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It ended meanwhile.
    }
  }
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Pids of every living descendant of `pid` (from /proc), for orphan checks. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const child of children.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** Is a process with this pid still alive (and not a zombie)? */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a truthy value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Writes a node-ts function (handler source given) into a temp project with a stack file, builds it
 * with the real builder and deploys it to `node` through the HTTP API, as `sluice up` does.
 */
export async function deployNodeTs(
  node: SluiceNode,
  name: string,
  handlerSource: string,
  opts: { environment?: Record<string, string>; labels?: Record<string, string>; secrets?: string[]; limits?: Record<string, string>; requests?: Record<string, string> } = {},
): Promise<void> {
  const { buildFunction, deploymentFor, packBundle } = await import('../src/builder/index.js');
  const { loadStack } = await import('../src/stack/index.js');
  const dir = await tempDir('sluice-fn-');
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'handler.ts'), handlerSource);
  const yamlMap = (map: Record<string, string> | undefined, key: string): string =>
    map ? `    ${key}:\n${Object.entries(map).map(([k, v]) => `      ${k}: "${v}"`).join('\n')}\n` : '';
  const stackFile = path.join(dir, 'stack.yml');
  await writeFile(
    stackFile,
    `version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  ${name}:\n    lang: node-ts\n    handler: ./${name}\n    image: ${name}:latest\n` +
      yamlMap(opts.environment, 'environment') + yamlMap(opts.labels, 'labels') + yamlMap(opts.limits, 'limits') + yamlMap(opts.requests, 'requests') + (opts.secrets ? `    secrets:\n${opts.secrets.map((s) => `      - ${s}\n`).join('')}` : ''),
  );
  const stack = await loadStack(stackFile);
  const fn = stack.functions[0];
  if (!fn) throw new Error('stack has no function');
  const bundle = await buildFunction(stack, fn);
  const upload = await fetch(`${node.url}/system/bundles`, { method: 'POST', body: await packBundle(bundle.dir), headers: { ...node.system, 'content-type': 'application/gzip' } });
  if (upload.status !== 201) throw new Error(`bundle upload: ${upload.status} ${await upload.text()}`);
  const { bundle: digest } = (await upload.json()) as { bundle: string };
  await deploy(node, deploymentFor(fn, digest));
}

/** PUT the deployment, POST it when it does not exist yet (faas-cli `deploy` semantics). */
export async function deploy(node: SluiceNode, deployment: object): Promise<void> {
  const body = JSON.stringify(deployment);
  let res = await fetch(`${node.url}/system/functions`, { method: 'PUT', body, headers: node.system });
  if (res.status === 404) res = await fetch(`${node.url}/system/functions`, { method: 'POST', body, headers: node.system });
  if (res.status !== 202) throw new Error(`deploy: ${res.status} ${await res.text()}`);
}

/**
 * Waits until the function reports at least `count` available replicas. The limit is generous:
 * `serve --stack functions/stack.yml` builds eight functions one after the other (npm install of
 * sharp for five), which on a loaded 2-vCPU machine takes well over 20 s for the last of them.
 */
export async function waitAvailable(node: SluiceNode, name: string, count = 1): Promise<void> {
  await eventually(async () => {
    const res = await fetch(`${node.url}/system/function/${name}`, { headers: node.system });
    const status = (await res.json()) as { availableReplicas?: number };
    return (status.availableReplicas ?? 0) >= count;
  }, 90_000, `${count} available replica(s) of ${name}`);
}

/**
 * Sends `POST path` with a chunked body of ONE chunk of `size` bytes over a raw socket (as curl does
 * with a file) and resolves with the status line of the answer, or '' if the connection closed first.
 */
export function postOneBigChunk(node: SluiceNode, path: string, size: number): Promise<string> {
  const { port } = new URL(node.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n`);
      socket.write(`${size.toString(16)}\r\n${'a'.repeat(size)}\r\n0\r\n\r\n`);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.slice(0, answer.indexOf('\r\n')));
      }
    });
    socket.on('close', () => resolve(''));
    socket.on('error', () => resolve(''));
  });
}

/** What one run of the built CLI gave. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `sluice` CLI as a user would, against `node` (OPENFAAS_URL set), with stdin given
 * or empty (a pipe: no progress lines), in `cwd` and with extra `env` when given.
 */
export function runSluice(node: SluiceNode, args: string[], opts: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return runProgram(process.execPath, [CLI, ...args], { ...opts, env: { OPENFAAS_URL: node.url, ...opts.env } });
}

/** Runs a program to its end with stdin given or empty, in `cwd`, with this process's env plus `env`. */
export function runProgram(program: string, args: string[], opts: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin);
  });
}

/**
 * Steady load on a function until the returned stop is called (it resolves once the calls in flight
 * finish): POSTs of `body`, 4 callers at a time, each pausing 50 ms between calls — up to 80 a
 * second, far above the autoscaling rule's 5.
 */
export function steadyLoad(node: SluiceNode, name: string, body?: string): () => Promise<void> {
  let running = true;
  const caller = async (): Promise<void> => {
    while (running) {
      const res = await fetch(`${node.url}/function/${name}`, { method: 'POST', ...(body === undefined ? {} : { body }) }).catch(() => undefined);
      await res?.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const callers = [caller(), caller(), caller(), caller()];
  return async () => {
    running = false;
    await Promise.all(callers);
  };
}

/** A port the kernel just gave out for :0: free now, though another process may take it before use. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
