import Database from 'better-sqlite3';
import { IDEMPOTENCY_WINDOW_MS, type CallRecord, type CallResult, type CallStatus } from '../api/index.js';
import type { SqliteDb } from './sqlite-db.js';
import type { CallFilter, CallStore } from './types.js';

const DEFAULT_LIMIT = 100;

interface ResultRow {
  status: number;
  headers: string;
  body: Buffer;
}

/**
 * Call records and results in the backend's SQLite file (see SqliteDb). Records and results are not
 * fsynced: a kill -9 loses none of them, a power cut may lose the last moments of updates — and the
 * queue message, which is fsynced, then runs the call again and rewrites them.
 */
export class SqliteCallStore implements CallStore {
  readonly #store: SqliteDb;
  readonly #insert: Database.Statement;
  readonly #byKey: Database.Statement<[string, number], { id: string }>;
  readonly #claimKey: Database.Statement;
  readonly #get: Database.Statement<[string], { record: string }>;
  readonly #put: Database.Statement;
  readonly #putResult: Database.Statement;
  readonly #getResult: Database.Statement<[string], ResultRow>;

  constructor(store: SqliteDb) {
    this.#store = store.use();
    const db = store.db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS calls (
        id TEXT PRIMARY KEY, function TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
        finished_at INTEGER, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS calls_of_function ON calls (function);
      CREATE TABLE IF NOT EXISTS idempotency_keys (key TEXT PRIMARY KEY, id TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS call_results (
        id TEXT PRIMARY KEY, status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)`);
    // Newest first is rowid order (calls are inserted as they arrive): no index on created_at to keep up.
    this.#insert = db.prepare('INSERT OR IGNORE INTO calls (id, function, status, created_at, record) VALUES (?, ?, ?, ?, ?)');
    this.#byKey = db.prepare('SELECT id FROM idempotency_keys WHERE key = ? AND created_at >= ?');
    this.#claimKey = db.prepare('INSERT OR REPLACE INTO idempotency_keys (key, id, created_at) VALUES (?, ?, ?)');
    this.#get = db.prepare('SELECT record FROM calls WHERE id = ?');
    this.#put = db.prepare('UPDATE calls SET status = ?, finished_at = ?, record = ? WHERE id = ?');
    this.#putResult = db.prepare('INSERT OR REPLACE INTO call_results (id, status, headers, body) VALUES (?, ?, ?, ?)');
    this.#getResult = db.prepare('SELECT status, headers, body FROM call_results WHERE id = ?');
  }

  create(record: CallRecord, idempotencyKey?: string): Promise<string> {
    const key = idempotencyKey ?? null;
    // Checked and claimed in the same transaction: two calls with one key in a turn make one call.
    return this.#store.write(() => {
      const now = Date.now();
      if (key !== null) {
        const first = this.#byKey.get(key, now - IDEMPOTENCY_WINDOW_MS);
        if (first) return first.id;
        this.#claimKey.run(key, record.callId, now);
      }
      this.#insert.run(record.callId, record.function, record.status, Date.parse(record.timings.queued), JSON.stringify(record));
      return record.callId;
    });
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    return this.#read(callId);
  }

  put(record: CallRecord): Promise<void> {
    const json = JSON.stringify(record);
    return this.#store.write(() => this.#write(record, json));
  }

  transition(callId: string, from: readonly CallStatus[], change: (record: CallRecord) => CallRecord): Promise<CallRecord | undefined> {
    return this.#store.write(() => {
      const current = this.#read(callId);
      if (!current || !from.includes(current.status)) return undefined;
      const next = change(current);
      this.#write(next, JSON.stringify(next));
      return next;
    });
  }

  async remove(callId: string): Promise<void> {
    const db = this.#store.db;
    await this.#store.write(() => {
      db.prepare('DELETE FROM calls WHERE id = ?').run(callId);
      db.prepare('DELETE FROM call_results WHERE id = ?').run(callId);
      db.prepare('DELETE FROM idempotency_keys WHERE id = ?').run(callId);
    });
  }

  async list(filter: CallFilter): Promise<CallRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.function !== undefined) (where.push('function = ?'), args.push(filter.function));
    if (filter.status !== undefined) (where.push('status = ?'), args.push(filter.status));
    // A step's id starts with its parent's and a dot (the primary key's range), the record says so.
    if (filter.parent !== undefined) (where.push("id > ? AND id < ? AND json_extract(record, '$.parentCallId') = ?"), args.push(`${filter.parent}.`, `${filter.parent}/`, filter.parent));
    args.push(filter.limit ?? DEFAULT_LIMIT);
    const sql = `SELECT record FROM calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid DESC LIMIT ?`;
    return (this.#store.db.prepare(sql).all(...args) as { record: string }[]).map((row) => JSON.parse(row.record) as CallRecord);
  }

  async putResult(callId: string, result: CallResult): Promise<void> {
    const headers = JSON.stringify(result.headers);
    await this.#store.write(() => this.#putResult.run(callId, result.status, headers, result.body));
  }

  async getResult(callId: string): Promise<CallResult | undefined> {
    const row = this.#getResult.get(callId);
    return row && { status: row.status, headers: JSON.parse(row.headers) as Record<string, string>, body: row.body };
  }

  prune(before: number): Promise<number> {
    const db = this.#store.db;
    const old = "SELECT id FROM calls WHERE coalesce(finished_at, created_at) < ? AND status IN ('succeeded', 'failed', 'dead', 'cancelled')";
    return this.#store.write(() => {
      db.prepare(`DELETE FROM call_results WHERE id IN (${old})`).run(before);
      db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(Math.min(before, Date.now() - IDEMPOTENCY_WINDOW_MS));
      return db.prepare(`DELETE FROM calls WHERE id IN (${old})`).run(before).changes;
    });
  }

  async close(): Promise<void> {
    this.#store.release();
  }

  // --- internal ---

  #read(id: string): CallRecord | undefined {
    const row = this.#get.get(id);
    return row && (JSON.parse(row.record) as CallRecord);
  }

  #write(record: CallRecord, json: string): void {
    const finished = record.timings.finished === undefined ? null : Date.parse(record.timings.finished);
    this.#put.run(record.status, finished, json, record.callId);
  }
}
