import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { errors } from '../api/index.js';
import type { CallSignal } from './call-signal.js';
import { ClientGone } from './outcome.js';

/** A body size limit and the setting it comes from, so a 413 says what to change. */
export interface BodyLimit {
  readonly bytes: number;
  readonly setting: string;
}

/** Reads a whole (small) body as text: for the JSON /system routes. */
export async function readText(req: IncomingMessage, limit: BodyLimit): Promise<string> {
  return (await readBuffer(req, limit)).toString('utf8');
}

/** Reads a whole body, up to `limit`: what an async call stores. */
export async function readBuffer(req: IncomingMessage, limit: BodyLimit): Promise<Buffer> {
  assertDeclaredSize(req, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit.bytes) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/** A declared Content-Length above the limit is refused before a byte is read. */
export function assertDeclaredSize(req: IncomingMessage, limit: BodyLimit): void {
  if (Number(req.headers['content-length'] ?? 0) > limit.bytes) throw tooLarge(limit);
}

/** Does the request carry a body (RFC 9112 §6.3)? */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The body as a stream of at most `limit` bytes: 413 at once when declared larger, else as soon as
 * it grows past. `onExceeded` hears of it first. The stream's error is kept for its consumer (who
 * reads `errored` or gets it on reading) and never thrown unhandled, whenever the consumer attaches:
 * a large first chunk can arrive before it does, and an unhandled stream error kills the gateway.
 */
export function limited(req: IncomingMessage, limit: BodyLimit, onExceeded: (err: Error) => void = ignore): Readable {
  assertDeclaredSize(req, limit);
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size <= limit.bytes) return done(null, chunk);
      const err = tooLarge(limit);
      onExceeded(err);
      done(err);
    },
  });
  meter.on('error', ignore);
  // The client's stream is never handed on: whoever aborts a call destroys the stream it was given,
  // and destroying `req` would close the client's socket before the error answer is written.
  return req.pipe(meter);
}

/** Bodies up to this size are read whole before the call: one upstream write instead of a stream. */
export const SMALL_BODY = 64 * 1024;

/**
 * The body to send upstream: null when there is none; a Buffer when its declared size is small (read
 * under the call's deadlines); else a metered stream.
 */
export function bodyOf(req: IncomingMessage, signal: CallSignal, limit: BodyLimit): Buffer | Readable | null | Promise<Buffer> {
  if (!hasBody(req)) return null;
  const declared = req.headers['content-length'];
  if (declared === undefined || Number(declared) > SMALL_BODY) return limited(req, limit, (err) => signal.abort(err));
  return readWhole(req, signal);
}

/** Reads a body stream whole (a mode that needs all of it); the call's abort stops the wait. */
export function readAll(body: Readable, signal: CallSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    signal.onAbort(reject);
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.once('error', reject);
    body.once('end', () => {
      signal.onAbort(undefined);
      resolve(Buffer.concat(chunks));
    });
  });
}

// --- internal ---

function tooLarge(limit: BodyLimit): Error {
  return errors.bodyTooLarge(limit.bytes, limit.setting);
}

function ignore(): void {}

/** Reads a small body with plain events (cheaper than an async iterator on the hot path). */
function readWhole(req: IncomingMessage, signal: CallSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fail = (err: unknown): void => {
      signal.onAbort(undefined);
      reject(signal.aborted ? signal.reason : err);
    };
    const collect = (chunk: Buffer): number => chunks.push(chunk);
    // Stop reading, but keep the socket: the answer (408, 504…) still has to reach the client.
    signal.onAbort((reason) => {
      req.off('data', collect);
      req.pause();
      reject(reason);
    });
    req.on('data', collect);
    req.once('error', fail);
    req.once('aborted', () => fail(new ClientGone('client disconnected')));
    req.once('end', () => {
      signal.onAbort(undefined);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
  });
}
