import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { errors } from '../../api/index.js';
import type { CallSignal } from '../../watchdog/index.js';

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
 * under the call's deadlines: an abort destroys the read); else the stream, metered when chunked.
 */
export async function bodyOf(req: IncomingMessage, signal: CallSignal, limit: number): Promise<Buffer | Readable | null> {
  if (!hasBody(req)) return null;
  const declared = req.headers['content-length'];
  if (declared === undefined) return req.pipe(sizeLimit(limit, () => signal.abort(errors.bodyTooLarge(limit))));
  if (Number(declared) > SMALL_BODY) return req;
  signal.onAbort((reason) => req.destroy(reason as Error));
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  } finally {
    signal.onAbort(undefined);
  }
}
