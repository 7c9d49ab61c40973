import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { contentType } from 'mime-types';
import { errors } from '../api/index.js';
import { failureOf } from './outcome.js';
import type { Invocation, ModeHandler, ResponseSink } from './types.js';

const INDEX = 'index.html';

/**
 * static mode: the files under `root` (`static_path`), no process. GET and HEAD; a folder answers
 * with its index.html; ETag / Last-Modified with 304 for revalidation; the file streams at the
 * client's pace. Paths cannot climb out of `root`.
 */
export function createStaticMode(name: string, root: string): ModeHandler {
  return {
    invoke: (inv, sink) => serveFile(name, root, inv, sink),
    close: async () => {},
  };
}

async function serveFile(name: string, root: string, inv: Invocation, sink: ResponseSink): Promise<void> {
  if (inv.method !== 'GET' && inv.method !== 'HEAD') throw errors.methodNotAllowed(inv.method, inv.path);
  const found = await locate(root, inv.path);
  if (!found) throw errors.fileNotFound(inv.path);
  const { file, info } = found;
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = ['etag', etag, 'last-modified', info.mtime.toUTCString(), 'cache-control', 'no-cache'];
  if (inv.headers['if-none-match'] === etag) {
    sink.start(304, headers);
    return sink.end();
  }
  sink.start(200, [...headers, 'content-type', contentType(path.extname(file)) || 'application/octet-stream', 'content-length', String(info.size)]);
  if (inv.method === 'HEAD') return sink.end();
  await pipeFile(name, file, inv, sink);
}

/** The file a URL path names under `root`, or undefined (missing, outside root, a folder without index). */
async function locate(root: string, urlPath: string): Promise<{ file: string; info: Stats } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  let file = path.join(root, path.normalize(decoded));
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = path.join(file, INDEX);
    info = await stat(file).catch(() => undefined);
  }
  return info?.isFile() ? { file, info } : undefined;
}

function pipeFile(name: string, file: string, inv: Invocation, sink: ResponseSink): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file);
    inv.signal.onAbort(() => stream.destroy(new Error('aborted')));
    sink.onDrain(() => stream.resume());
    stream.on('data', (chunk) => {
      if (!sink.write(chunk as Buffer)) stream.pause();
    });
    stream.once('error', (err) => {
      inv.signal.onAbort(undefined);
      reject(failureOf(name, inv.signal, err));
    });
    stream.once('end', () => {
      inv.signal.onAbort(undefined);
      sink.end();
      resolve();
    });
  });
}
