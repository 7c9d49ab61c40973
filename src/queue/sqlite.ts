import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { AsyncQueue, ConsumeOptions, DeadLetter, Delivery, Subscription } from './types.js';

const DEFAULT_LEASE_MS = 30_000;
/** How often an idle consumer looks for messages that became due (retries, expired leases). */
const POLL_MS = 50;

interface ClaimedRow {
  id: string;
  payload: Buffer;
  attempts: number;
}

interface DeadRow {
  id: string;
  queue: string;
  payload: Buffer;
  attempts: number;
  reason: string;
  died_at: number;
}

interface Pending {
  readonly queue: string;
  readonly id: string;
  readonly body: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The embedded queue: one SQLite file (WAL, synchronous FULL) in the data dir. Enqueues arriving in
 * the same turn of the event loop share one transaction, so each fsync carries many messages (group
 * commit): durable before the promise resolves, and fast. A delivery is a lease with a token; an
 * expired lease (a crashed gateway, a hung handler) makes the message due again.
 */
export class SqliteQueue implements AsyncQueue {
  /** Accepting work (enqueue, dead letters, redrive): synchronous FULL, an fsync per commit. */
  readonly #db: Database.Database;
  /**
   * Moving work along (claim, ack, nack, lease): synchronous NORMAL, no fsync per commit. A process
   * crash loses none of these (WAL); a power cut can lose the last few, and then a message runs
   * again — at least once, never lost. An fsync per ack would cap consumption at a few hundred/s.
   */
  readonly #fast: Database.Database;
  readonly #insert: Database.Statement;
  readonly #claim: Database.Statement<[number, string, string, number, number], ClaimedRow>;
  readonly #ack: Database.Statement;
  readonly #retry: Database.Statement;
  readonly #extend: Database.Statement;
  readonly #bury: Database.Transaction<(id: string, token: string, reason: string) => void>;
  readonly #flush: Database.Transaction<(batch: readonly Pending[]) => void>;
  readonly #arrivals = new EventEmitter();
  readonly #subscriptions = new Set<Subscription>();
  #pending: Pending[] = [];

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL, payload BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_token TEXT);
      CREATE INDEX IF NOT EXISTS messages_due ON messages (queue, due_at, seq);
      CREATE TABLE IF NOT EXISTS dead_letters (
        id TEXT PRIMARY KEY, queue TEXT NOT NULL, payload BLOB NOT NULL, attempts INTEGER NOT NULL,
        reason TEXT NOT NULL, died_at INTEGER NOT NULL)`);
    this.#fast = new Database(file);
    this.#fast.pragma('synchronous = NORMAL');
    this.#fast.pragma('busy_timeout = 5000');
    this.#insert = this.#db.prepare('INSERT OR IGNORE INTO messages (id, queue, payload, due_at) VALUES (?, ?, ?, ?)');
    // Earliest due first (index order, no sort). A claim moves due_at to the lease's end: the
    // message is due again when the lease runs out.
    this.#claim = this.#fast.prepare(`UPDATE messages SET due_at = ?, lease_token = ?, attempts = attempts + 1
      WHERE seq IN (SELECT seq FROM messages WHERE queue = ? AND due_at <= ? ORDER BY due_at, seq LIMIT ?)
      RETURNING id, payload, attempts`);
    this.#ack = this.#fast.prepare('DELETE FROM messages WHERE id = ? AND lease_token = ?');
    this.#retry = this.#fast.prepare('UPDATE messages SET due_at = ?, lease_token = NULL WHERE id = ? AND lease_token = ?');
    this.#extend = this.#fast.prepare('UPDATE messages SET due_at = ? WHERE id = ? AND lease_token = ?');
    const copyDead = this.#db.prepare(`INSERT OR REPLACE INTO dead_letters (id, queue, payload, attempts, reason, died_at)
      SELECT id, queue, payload, attempts, ?, ? FROM messages WHERE id = ? AND lease_token = ?`);
    const deleteLeased = this.#db.prepare('DELETE FROM messages WHERE id = ? AND lease_token = ?');
    this.#bury = this.#db.transaction((id: string, token: string, reason: string) => {
      if (copyDead.run(reason, Date.now(), id, token).changes > 0) deleteLeased.run(id, token);
    });
    this.#flush = this.#db.transaction((batch: readonly Pending[]) => {
      const now = Date.now();
      for (const item of batch) this.#insert.run(item.id, item.queue, item.body, now);
    });
    this.#arrivals.setMaxListeners(0);
  }

  enqueue(queue: string, id: string, body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ queue, id, body, resolve, reject }) === 1) setImmediate(() => this.#commit());
    });
  }

  consume(queue: string, opts: ConsumeOptions, handler: (delivery: Delivery) => Promise<void>): Subscription {
    const subscription = new SqliteSubscription(this, queue, opts, handler);
    this.#subscriptions.add(subscription);
    return {
      stop: async () => {
        // Kept in the set until its handlers are done, so close() waits for them too.
        await subscription.stop();
        this.#subscriptions.delete(subscription);
      },
    };
  }

  async depth(queue: string): Promise<number> {
    return (this.#db.prepare('SELECT count(*) AS n FROM messages WHERE queue = ?').get(queue) as { n: number }).n;
  }

  async deadLetters(queue?: string): Promise<DeadLetter[]> {
    const rows = (queue === undefined
      ? this.#db.prepare('SELECT * FROM dead_letters ORDER BY died_at, id').all()
      : this.#db.prepare('SELECT * FROM dead_letters WHERE queue = ? ORDER BY died_at, id').all(queue)) as DeadRow[];
    return rows.map((row) => ({ id: row.id, queue: row.queue, body: row.payload, attempts: row.attempts, reason: row.reason, diedAt: row.died_at }));
  }

  async redrive(ids: readonly string[]): Promise<number> {
    const find = this.#db.prepare('SELECT queue, payload FROM dead_letters WHERE id = ?');
    const unbury = this.#db.prepare('DELETE FROM dead_letters WHERE id = ?');
    const move = this.#db.transaction((list: readonly string[]) => {
      let moved = 0;
      const now = Date.now();
      for (const id of list) {
        const row = find.get(id) as { queue: string; payload: Buffer } | undefined;
        if (!row) continue;
        this.#insert.run(id, row.queue, row.payload, now);
        unbury.run(id);
        moved++;
      }
      return moved;
    });
    const moved = move(ids);
    this.#arrivals.emit('message');
    return moved;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    this.#subscriptions.clear();
    if (this.#pending.length) this.#commit();
    this.#fast.close();
    this.#db.close();
  }

  // --- for SqliteSubscription ---

  /** Leases up to `max` due messages of `queue` for `leaseMs`. */
  claim(queue: string, max: number, leaseMs: number): Delivery[] {
    const now = Date.now();
    const token = randomBytes(8).toString('hex');
    return this.#claim.all(now + leaseMs, token, queue, now, max).map((row) => this.#delivery(queue, row, token, leaseMs));
  }

  /** Calls `wake` whenever messages arrive; returns the unsubscribe. */
  onArrival(wake: () => void): () => void {
    this.#arrivals.on('message', wake);
    return () => this.#arrivals.off('message', wake);
  }

  // --- internal ---

  #commit(): void {
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#flush(batch);
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    for (const item of batch) item.resolve();
    this.#arrivals.emit('message');
  }

  #delivery(queue: string, row: ClaimedRow, token: string, leaseMs: number): Delivery {
    const { id } = row;
    return {
      id,
      queue,
      body: row.payload,
      attempt: row.attempts,
      ack: async () => void this.#ack.run(id, token),
      nack: async (delayMs) => {
        this.#retry.run(Date.now() + delayMs, id, token);
        if (delayMs <= 0) this.#arrivals.emit('message');
      },
      inProgress: async () => void this.#extend.run(Date.now() + leaseMs, id, token),
      deadLetter: async (reason) => this.#bury(id, token, reason),
    };
  }
}

/**
 * One consumer: keeps up to `concurrency` deliveries running, claiming more as handlers finish,
 * when messages arrive, and every POLL_MS for ones that became due (retries, expired leases).
 */
class SqliteSubscription implements Subscription {
  #running = new Set<Promise<void>>();
  #stopped = false;
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(
    readonly store: SqliteQueue,
    readonly queue: string,
    readonly opts: ConsumeOptions,
    readonly handler: (delivery: Delivery) => Promise<void>,
  ) {
    this.#unsubscribe = store.onArrival(() => this.#fill());
    this.#timer = setInterval(() => this.#fill(), POLL_MS);
    setImmediate(() => this.#fill());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#unsubscribe();
    await Promise.all(this.#running);
  }

  #fill(): void {
    const room = this.opts.concurrency - this.#running.size;
    if (this.#stopped || room <= 0) return;
    for (const delivery of this.store.claim(this.queue, room, this.opts.leaseMs ?? DEFAULT_LEASE_MS)) {
      // Counted as running before the handler starts, so a stop() from inside it waits for it.
      const run = Promise.resolve(delivery).then((d) => this.#run(d)).finally(() => {
        this.#running.delete(run);
        this.#fill();
      });
      this.#running.add(run);
    }
  }

  /** Runs the handler; a delivery it leaves unsettled is acked, one it throws on is retried at once. */
  async #run(delivery: Delivery): Promise<void> {
    let settled = false;
    const settle = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A): Promise<void> => {
      settled = true;
      return fn(...args);
    };
    const tracked: Delivery = { ...delivery, ack: settle(delivery.ack), nack: settle(delivery.nack), deadLetter: settle(delivery.deadLetter) };
    try {
      await this.handler(tracked);
      if (!settled) await delivery.ack();
    } catch {
      if (!settled) await delivery.nack(0);
    }
  }
}
