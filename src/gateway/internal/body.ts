import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { errors } from '../../api/index.js';
import { ClientGone, type CallSignal } from '../../watchdog/index.js';

/** Reads a whole (small) body as text, at most `limit` bytes: for the JSON /system routes. */
export async function readText(req: IncomingMessage, limit: number): Promise<string> {
  assertDeclaredSize(req, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw errors.bodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A declared Content-Length above the limit is refused before a byte is read. */
export function assertDeclaredSize(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw errors.bodyTooLarge(limit);
}

/** Does the request carry a body (RFC 9112 §6.3)? */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Passes a chunked body through, failing it with 413 once it grows past `limit`. */
export function sizeLimit(limit: number, onExceeded: () => void): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) {
        onExceeded();
        return done(errors.bodyTooLarge(limit));
      }
      done(null, chunk);
    },
  });
}

/** Bodies up to this size are read whole before the call: one upstream write instead of a stream. */
export const SMALL_BODY = 64 * 1024;

/**
 * The body to send upstream: null when there is none; a Buffer when its declared size is small (read
 * under the call's deadlines); else a metered stream.
 */
export function bodyOf(req: IncomingMessage, signal: CallSignal, limit: number): Buffer | Readable | null | Promise<Buffer> {
  if (!hasBody(req)) return null;
  const declared = req.headers['content-length'];
  // Streamed through a meter, never as `req` itself: an aborted call destroys the stream it was
  // given, and destroying `req` would close the client's socket before the error is written.
  if (declared === undefined || Number(declared) > SMALL_BODY) return req.pipe(sizeLimit(limit, () => signal.abort(errors.bodyTooLarge(limit))));
  return readWhole(req, signal);
}

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
