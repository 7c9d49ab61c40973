/**
 * The process that runs once per call of a node-ts-classic function: the contract of the OpenFaaS
 * classic `node` template (classic watchdog), in TypeScript. The body arrives on stdin; the handler
 * gets it as a string (a Buffer when RAW_BODY is `true`/`1`) and what it returns, or passes to its
 * callback, is written to stdout, which is the answer. An error goes to stderr with exit status 1,
 * which the watchdog turns into a 500.
 *
 * stdin and stdout are read and written synchronously: the watchdog gives a process blocking pipes,
 * and the stream objects behind process.stdin and process.stdout would add ~10 ms to every call.
 *
 * Two handler shapes, told apart by how many parameters the handler declares:
 * - `async (input) => result` (or a plain function returning the result);
 * - `(input, callback) => void`, calling `callback(err, result)`.
 */
import { readFileSync, writeSync } from 'node:fs';
import handler from './function/handler.js';

type Input = string | Buffer;
type Callback = (err: unknown, result?: unknown) => void;
/** The handler as the runner sees it: either shape, whatever the starter's own type says. */
type ClassicHandler = (input: Input, callback?: Callback) => unknown;

const RAW_BODY = /^(true|1)$/i.test(process.env['RAW_BODY'] ?? '');
const handle = handler as unknown as ClassicHandler;

try {
  const body = readFileSync(0);
  const input = RAW_BODY ? body : body.toString('utf8');
  const result = handle.length >= 2 ? await new Promise((resolve, reject) => void handle(input, (err, value) => (err ? reject(err) : resolve(value)))) : await handle(input);
  finish(0, output(result));
} catch (err) {
  console.error(errorText(err));
  finish(1, '');
}

/** Buffers and strings as they are, nothing for undefined and null, anything else as JSON. */
function output(result: unknown): string | Uint8Array {
  if (result === undefined || result === null) return '';
  if (typeof result === 'string' || result instanceof Uint8Array) return result;
  return JSON.stringify(result) ?? '';
}

/**
 * Writes the answer, then exits at once: the call is over when the handler has answered, and a
 * timer or a pooled keep-alive socket the handler left open would otherwise hold it to the deadline.
 */
function finish(code: number, out: string | Uint8Array): never {
  const bytes = typeof out === 'string' ? Buffer.from(out) : out;
  for (let written = 0; written < bytes.length; ) written += writeSync(1, bytes, written);
  process.exit(code);
}

function errorText(err: unknown): string {
  try {
    return String(err);
  } catch {
    return 'error'; // e.g. an object without a prototype has no toString
  }
}
