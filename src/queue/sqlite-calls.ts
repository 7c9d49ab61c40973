import Database from 'better-sqlite3';
import { IDEMPOTENCY_WINDOW_MS, type CallRecord, type CallResult, type CallStatus } from '../api/index.js';
import type { CallFilter, CallStore } from './types.js';

const DEFAULT_LIMIT = 100;

interface ResultRow {
  status: number;
  headers: string;
  body: Buffer;
}

/**
 * Call records and results in SQLite (WAL, synchronous NORMAL): a crash of the process loses none,
 * and no commit waits for an fsync. What must survive a power cut too — the accepted call — is the
 * queue message, fsynced before the 202.
 */
export class SqliteCallStore implements CallStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #byKey: Database.Statement<[string, number], { id: string }>;
  readonly #get: Database.Statement<[string], { record: string }>;
  readonly #put: Database.Statement;
  readonly #putResult: Database.Statement;
  readonly #getResult: Database.Statement<[string], ResultRow>;
  readonly #create: Database.Transaction<(record: CallRecord, key: string | null) => string>;
  readonly #transition: Database.Transaction<(id: string, from: readonly CallStatus[], change: (r: CallRecord) => CallRecord) => CallRecord | undefined>;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS calls (
        id TEXT PRIMARY KEY, function TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
        finished_at INTEGER, idempotency_key TEXT UNIQUE, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS calls_by_created ON calls (created_at);
      CREATE INDEX IF NOT EXISTS calls_by_function ON calls (function, created_at);
      CREATE TABLE IF NOT EXISTS call_results (
        id TEXT PRIMARY KEY, status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)`);
    this.#insert = this.#db.prepare('INSERT OR IGNORE INTO calls (id, function, status, created_at, idempotency_key, record) VALUES (?, ?, ?, ?, ?, ?)');
    this.#byKey = this.#db.prepare('SELECT id FROM calls WHERE idempotency_key = ? AND created_at >= ?');
    this.#get = this.#db.prepare('SELECT record FROM calls WHERE id = ?');
    this.#put = this.#db.prepare('UPDATE calls SET status = ?, finished_at = ?, record = ? WHERE id = ?');
    this.#putResult = this.#db.prepare('INSERT OR REPLACE INTO call_results (id, status, headers, body) VALUES (?, ?, ?, ?)');
    this.#getResult = this.#db.prepare('SELECT status, headers, body FROM call_results WHERE id = ?');
    const dropStaleKey = this.#db.prepare('UPDATE calls SET idempotency_key = NULL WHERE idempotency_key = ?');
    this.#create = this.#db.transaction((record: CallRecord, key: string | null) => {
      if (key !== null) {
        const first = this.#byKey.get(key, Date.now() - IDEMPOTENCY_WINDOW_MS);
        if (first) return first.id;
        dropStaleKey.run(key);
      }
      this.#insert.run(record.callId, record.function, record.status, Date.parse(record.timings.queued), key, JSON.stringify(record));
      return record.callId;
    });
    this.#transition = this.#db.transaction((id, from, change) => {
      const current = this.#read(id);
      if (!current || !from.includes(current.status)) return undefined;
      const next = change(current);
      this.#write(next);
      return next;
    });
  }

  async create(record: CallRecord, idempotencyKey?: string): Promise<string> {
    return this.#create(record, idempotencyKey ?? null);
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    return this.#read(callId);
  }

  async put(record: CallRecord): Promise<void> {
    this.#write(record);
  }

  async transition(callId: string, from: readonly CallStatus[], change: (record: CallRecord) => CallRecord): Promise<CallRecord | undefined> {
    return this.#transition(callId, from, change);
  }

  async remove(callId: string): Promise<void> {
    this.#db.prepare('DELETE FROM calls WHERE id = ?').run(callId);
    this.#db.prepare('DELETE FROM call_results WHERE id = ?').run(callId);
  }

  async list(filter: CallFilter): Promise<CallRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.function !== undefined) (where.push('function = ?'), args.push(filter.function));
    if (filter.status !== undefined) (where.push('status = ?'), args.push(filter.status));
    args.push(filter.limit ?? DEFAULT_LIMIT);
    const sql = `SELECT record FROM calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...args) as { record: string }[]).map((row) => JSON.parse(row.record) as CallRecord);
  }

  async putResult(callId: string, result: CallResult): Promise<void> {
    this.#putResult.run(callId, result.status, JSON.stringify(result.headers), result.body);
  }

  async getResult(callId: string): Promise<CallResult | undefined> {
    const row = this.#getResult.get(callId);
    return row && { status: row.status, headers: JSON.parse(row.headers) as Record<string, string>, body: row.body };
  }

  async prune(before: number): Promise<number> {
    const old = 'SELECT id FROM calls WHERE coalesce(finished_at, created_at) < ? AND status IN (\'succeeded\', \'failed\', \'dead\', \'cancelled\')';
    return this.#db.transaction(() => {
      this.#db.prepare(`DELETE FROM call_results WHERE id IN (${old})`).run(before);
      return this.#db.prepare(`DELETE FROM calls WHERE id IN (${old})`).run(before).changes;
    })();
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  // --- internal ---

  #read(id: string): CallRecord | undefined {
    const row = this.#get.get(id);
    return row && (JSON.parse(row.record) as CallRecord);
  }

  #write(record: CallRecord): void {
    const finished = record.timings.finished === undefined ? null : Date.parse(record.timings.finished);
    this.#put.run(record.status, finished, JSON.stringify(record), record.callId);
  }
}
