import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { errors } from '../../api/index.js';

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
