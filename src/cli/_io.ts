import type { Readable, Writable } from 'node:stream';

/**
 * Everything a command touches outside itself. `main.ts` passes the process's streams and env; tests
 * pass their own, so the whole CLI runs without a process.
 */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Record<string, string | undefined>;
  /** Directory that relative paths (stack files, handlers, templates) are resolved against. */
  cwd: string;
  /** stderr is a terminal: progress lines are shown there; in pipes they are left out. */
  isTTY: boolean;
}

/** Reads a stream to its end into one Buffer (binary-safe). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/** True when the stream is a terminal (process.stdin at a prompt), false for pipes, files and tests. */
export function isTerminal(stream: Readable | Writable): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
