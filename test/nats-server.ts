/**
 * A real nats-server (Debian's, 2.9.10) with JetStream, for the tests of the JetStream backend
 * (architecture §7: real NATS, started by the tests on a free port). Each call starts its own server
 * in its own temp store dir; `stop()` ends it and removes the dir, so nothing outlives a test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './harness.js';

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** JetStream's store dir (`-sd`): a temp dir of this server's own. */
  readonly storeDir: string;
  /** SIGTERM, wait for the exit, remove the store dir. */
  stop(): Promise<void>;
  /** SIGKILL, at once (a crash); `stop()` still removes the store dir. */
  kill(): void;
}

const READY = /Server is ready/;
const START_TIMEOUT_MS = 10_000;
/** A port found free can be taken before the server binds it: try again on another. */
const ATTEMPTS = 3;

/** Starts `nats-server -js` on a free loopback port; resolves once it logs "Server is ready". */
export async function startNatsServer(): Promise<NatsServer> {
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-nats-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      const child = await spawnServer(port, storeDir);
      return serverHandle(child, port, storeDir);
    } catch (err) {
      lastError = err;
    }
  }
  await rm(storeDir, { recursive: true, force: true });
  throw lastError;
}

// --- internal ---

function spawnServer(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not get ready in ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!READY.test(output)) return;
      clearTimeout(timer);
      // Keep draining its output so a chatty server never blocks on a full pipe.
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.stdout?.resume();
      child.stderr?.resume();
      child.off('exit', onExit);
      resolve(child);
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code} before it was ready:\n${output}`));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function serverHandle(child: ChildProcess, port: number, storeDir: string): NatsServer {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: async () => {
      if (running()) child.kill('SIGTERM');
      await exited;
      await rm(storeDir, { recursive: true, force: true });
    },
    kill: () => {
      if (running()) child.kill('SIGKILL');
    },
  };
}
