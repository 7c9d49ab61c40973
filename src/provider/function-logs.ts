import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_NAMESPACE, type LogMessage } from '../api/index.js';

/** What is kept by default (env `log_lines`, `log_file_size`). */
const DEFAULT_KEPT = { lines: 1000, fileBytes: 10 * 1024 * 1024 };

/** What a reader asks for; every part optional but the name. */
export interface LogQuery {
  readonly name: string;
  readonly instance?: string;
  /** Lines at or after this time only. */
  readonly since?: Date;
  /** At most this many of the most recent lines; absent: all kept. */
  readonly tail?: number;
}

/** Told of each new line of a followed function. */
export type LogListener = (message: LogMessage) => void;

/** One function's logs: the ring of recent lines, its followers, and the lines waiting to be appended to its file. */
interface FunctionLog {
  readonly ring: LogMessage[];
  /** Whether the ring holds every line of the file: nothing dropped, no file from before this run. */
  complete: boolean;
  readonly listeners: Set<LogListener>;
  pending: string;
  /** The append in progress, if any; the next waits for it. */
  writing: Promise<void> | undefined;
}

/**
 * Every replica's output, per function (architecture: "logs ring buffer + NDJSON"): the last lines
 * in memory, all of them in a rotating NDJSON file in the data dir (so a restart, or a question about
 * older lines, finds them), and live followers. Writing is batched and never blocks a call.
 */
export class FunctionLogs {
  readonly #dir: string;
  readonly #logs = new Map<string, FunctionLog>();
  /** Lines kept in memory per function (what `sluice logs NAME` shows without reading the disk); a file is rotated past `fileBytes`, the one before kept as `<name>.log.1`. */
  readonly #kept: { readonly lines: number; readonly fileBytes: number };

  constructor(dir: string, kept = DEFAULT_KEPT) {
    this.#dir = dir;
    this.#kept = kept;
  }

  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
  }

  /** Records a line a replica of `name` printed, and tells its followers. */
  append(name: string, instance: string, text: string): void {
    const log = this.#of(name);
    const message: LogMessage = { name, namespace: DEFAULT_NAMESPACE, instance, timestamp: new Date().toISOString(), text };
    log.ring.push(message);
    if (log.ring.length > this.#kept.lines) {
      log.ring.shift();
      log.complete = false;
    }
    log.pending += `${JSON.stringify(message)}\n`;
    log.writing ??= this.#flush(name, log);
    for (const listener of log.listeners) listener(message);
  }

  /** Whether any line of `name` was ever kept (a removed function's logs stay readable). */
  has(name: string): boolean {
    return this.#logs.has(name) || existsSync(this.#file(name));
  }

  /** The kept lines the query asks for, oldest first: from memory when the ring holds them, else from the files. */
  async read(query: LogQuery): Promise<LogMessage[]> {
    const log = this.#of(query.name);
    const oldest = log.ring[0];
    const ringHolds = log.complete || (query.instance === undefined && query.tail !== undefined && query.tail > 0 && query.tail <= log.ring.length) || (query.since !== undefined && oldest !== undefined && new Date(oldest.timestamp) <= query.since);
    const lines = ringHolds ? [...log.ring] : await this.#readFiles(query.name, log);
    const wanted = lines.filter((m) => (query.instance === undefined || m.instance === query.instance) && (query.since === undefined || new Date(m.timestamp) >= query.since));
    return query.tail !== undefined && query.tail > 0 ? wanted.slice(-query.tail) : wanted;
  }

  /** Calls `listener` with each new line of `name` (of `instance`, when given); returns how to stop. */
  follow(name: string, instance: string | undefined, listener: LogListener): () => void {
    const log = this.#of(name);
    const filtered: LogListener = instance === undefined ? listener : (m) => m.instance === instance && listener(m);
    log.listeners.add(filtered);
    return () => log.listeners.delete(filtered);
  }

  /** Waits until every line received so far is in its file. */
  async flushed(): Promise<void> {
    while ([...this.#logs.values()].some((log) => log.writing)) await Promise.all([...this.#logs.values()].map((log) => log.writing));
  }

  // --- internal ---

  #of(name: string): FunctionLog {
    let log = this.#logs.get(name);
    if (!log) {
      log = { ring: [], complete: !existsSync(this.#file(name)), listeners: new Set(), pending: '', writing: undefined };
      this.#logs.set(name, log);
    }
    return log;
  }

  #file(name: string): string {
    return path.join(this.#dir, `${name}.log`);
  }

  /** Appends what is pending, rotating the file past its size, until nothing is. A failed write drops its lines (reported once per batch on stderr). */
  async #flush(name: string, log: FunctionLog): Promise<void> {
    const file = this.#file(name);
    try {
      while (log.pending) {
        const batch = log.pending;
        log.pending = '';
        try {
          const size = await stat(file).then((s) => s.size, () => 0);
          if (size > 0 && size + batch.length > this.#kept.fileBytes) await rename(file, `${file}.1`);
          await appendFile(file, batch);
        } catch (err) {
          process.stderr.write(`sluice: could not write the log of ${name} to ${file}: ${(err as Error).message}\n`);
        }
      }
    } finally {
      log.writing = undefined;
    }
  }

  /** The lines of both files, oldest first (after what is pending is written). */
  async #readFiles(name: string, log: FunctionLog): Promise<LogMessage[]> {
    await log.writing;
    const file = this.#file(name);
    const texts = await Promise.all([`${file}.1`, file].map((f) => readFile(f, 'utf8').catch(() => '')));
    const messages: LogMessage[] = [];
    for (const line of texts.join('').split('\n')) {
      if (!line) continue;
      try {
        messages.push(JSON.parse(line) as LogMessage);
      } catch {
        // A line cut by a crash mid-write: skip it, keep the rest.
      }
    }
    return messages;
  }
}
