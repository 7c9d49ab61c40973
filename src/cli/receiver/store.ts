import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { contentType as contentTypeOf } from 'mime-types';
import { errors } from '../../api/index.js';
import { HEADERS_SUFFIX, REQUESTS_FOLDER, requestName, requestSeq } from './names.js';

/** One received request as `GET /messages` lists it: everything saved but the headers. */
export interface MessageSummary {
  /** Where the body is, relative to the receiver's dir (`pi-3`, `requests/000001-3`). */
  readonly name: string;
  readonly method: string;
  /** The URL path as received, percent-encoded, without the query. */
  readonly path: string;
  /** The query string without `?`; '' when there was none. */
  readonly query: string;
  /** ISO time the body had fully arrived. */
  readonly receivedAt: string;
  readonly remoteAddress: string;
  /** Body bytes. */
  readonly size: number;
  readonly contentType: string | null;
  /** `X-Call-Id`: which async call this is the callback of. */
  readonly callId: string | null;
  /** `X-Function-Status`: the function's own HTTP status. */
  readonly functionStatus: number | null;
  /** `X-Sluice-Signature` was checked against the key and matched (false: no key, not checked). */
  readonly verified: boolean;
}

/** What `<name>.headers.json` holds: the summary plus every request header (lower-case names). */
export interface MessageRecord extends MessageSummary {
  readonly headers: IncomingHttpHeaders;
}

/**
 * The receiver's folder: each body byte-exact at `<dir>/<name>`, its record beside it at
 * `<dir>/<name>.headers.json`. Both are written to a temp file and renamed, so a reader never sees
 * half a file; a message saved again under the same name (a retried callback) replaces the first.
 */
export class MessageStore {
  readonly dir: string;
  #lastSeq: number;

  private constructor(dir: string, lastSeq: number) {
    this.dir = dir;
    this.#lastSeq = lastSeq;
  }

  /** Creates `dir` when missing and numbers new requests after those already in it. */
  static async open(dir: string): Promise<MessageStore> {
    await mkdir(dir, { recursive: true });
    const existing = await readdir(path.join(dir, REQUESTS_FOLDER)).catch(() => []);
    return new MessageStore(dir, Math.max(0, ...existing.map(requestSeq)));
  }

  /** A fresh `requests/<seq>-<url>` name for a request outside `/messages/`. */
  nextRequestName(rawUrl: string): string {
    this.#lastSeq += 1;
    return requestName(this.#lastSeq, rawUrl);
  }

  /** Saves the body, then its record; ERR_MESSAGE_NOT_SAVED (507) says why when the disk refuses. */
  async save(record: MessageRecord, body: Buffer): Promise<void> {
    const file = this.#fileOf(record.name);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeReplacing(file, body);
      await writeReplacing(`${file}${HEADERS_SUFFIX}`, `${JSON.stringify(record, null, 2)}\n`);
    } catch (err) {
      throw errors.messageNotSaved(record.name, describeWriteError(err));
    }
  }

  /** Every saved message, oldest first (by the time it was received, then by name). */
  async list(): Promise<MessageSummary[]> {
    const files = (await readdir(this.dir, { recursive: true })).filter((file) => file.endsWith(HEADERS_SUFFIX));
    const records = await Promise.all(files.map((file) => readRecord(path.join(this.dir, file))));
    return records
      .filter((record): record is MessageRecord => record !== undefined)
      .map(({ headers: _headers, ...summary }) => summary)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.name.localeCompare(b.name));
  }

  /** A saved body and the Content-Type it came with (else one guessed from the name); undefined when there is none. */
  async read(name: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    const file = this.#fileOf(name);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return undefined; // missing, or a folder: nothing to answer with either way
    }
    const record = await readRecord(`${file}${HEADERS_SUFFIX}`);
    return { body, contentType: record?.contentType ?? (contentTypeOf(path.basename(file)) || 'application/octet-stream') };
  }

  // --- internal ---

  /** The file of a name checked by messageName or made by requestName; never outside the dir. */
  #fileOf(name: string): string {
    const file = path.join(this.dir, ...name.split('/'));
    const relative = path.relative(this.dir, file);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) throw errors.badRequest(`message name "${name}" leaves the folder`);
    return file;
  }
}

// --- internal ---

async function writeReplacing(file: string, data: Buffer | string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

async function readRecord(file: string): Promise<MessageRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as MessageRecord;
  } catch {
    return undefined; // gone since the listing, or not ours: left out
  }
}

/** What the disk said, in words a user acts on. */
function describeWriteError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a file of that name is where a folder is needed';
  if (code === 'EISDIR') return 'a folder of that name is already there';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'the folder is not writable';
  return err instanceof Error ? err.message : String(err);
}
