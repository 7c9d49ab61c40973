/**
 * Helpers shared by the CLI's unit tests (`*.test.ts` in this folder): a captured IO, a fake gateway
 * and a URL nothing listens on. Test code only: tsconfig.build.json leaves this file out of dist.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { after, before } from 'node:test';
import type { CliIo } from './_io.js';

export interface CapturedIo {
  io: CliIo;
  /** What was written to stdout so far, as text. */
  stdout: () => string;
  /** What was written to stderr so far, as text. */
  stderr: () => string;
}

/**
 * An IO whose stdout/stderr are captured as they are written; stdin is an empty pipe, env is empty,
 * stderr is not a terminal and relative paths resolve against `cwd` — each unless `overrides` says
 * otherwise.
 */
export function captureIo(cwd: string, overrides: Partial<CliIo> = {}): CapturedIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (chunks: Buffer[]): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
  const io: CliIo = { stdout: sink(out), stderr: sink(err), stdin: Readable.from([]), env: {}, cwd, isTTY: false, ...overrides };
  return { io, stdout: () => Buffer.concat(out).toString(), stderr: () => Buffer.concat(err).toString() };
}

export interface FakeGateway {
  /** `http://127.0.0.1:<port>`: valid once the suite's `before` hooks have run. */
  url: () => string;
  /** The listening server: valid once the suite's `before` hooks have run. */
  server: () => Server;
}

/**
 * A gateway that answers every request with `answer`, listening on a free local port for the
 * enclosing suite: call it inside a `describe`, where it registers the `before` hook that starts it
 * and the `after` hook that closes it (open answers, such as a followed log stream, included).
 */
export function fakeGateway(answer: (req: IncomingMessage, res: ServerResponse) => void): FakeGateway {
  let server: Server | undefined;
  let url = '';
  before(async () => {
    const listening = createHttpServer(answer);
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    server = listening;
    url = `http://127.0.0.1:${(listening.address() as { port: number }).port}`;
  });
  after(async () => {
    if (!server) return;
    const closing = server;
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  });
  return {
    url: () => url || assertStarted(),
    server: () => server ?? assertStarted(),
  };
}

function assertStarted(): never {
  throw new Error('the fake gateway is not listening yet: use it inside a test or a later hook of the suite that called fakeGateway()');
}

/** A local URL on which nothing listens: a real "connection refused". */
export async function closedGatewayUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
