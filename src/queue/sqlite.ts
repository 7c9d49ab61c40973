import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import { runHandler, tracked } from './consumer.js';
import type { SqliteDb } from './sqlite-db.js';
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

/**
 * The embedded queue, in the backend's SQLite file (see SqliteDb: one transaction per turn of the
 * event loop, fsync off the main thread). An enqueue resolves once its message is fsynced. A delivery
 * is a lease with a token; an expired lease (a crashed gateway, a hung handler) makes the message due
 * again.
 */
export class SqliteQueue implements AsyncQueue {
  readonly #store: SqliteDb;
  readonly #insert: Database.Statement;
  readonly #claim: Database.Statement<[number, string, string, number, number], ClaimedRow>;
  readonly #ack: Database.Statement;
  readonly #retry: Database.Statement;
  readonly #extend: Database.Statement;
  readonly #copyDead: Database.Statement;
  readonly #deleteLeased: Database.Statement;
  readonly #arrivals = new EventEmitter();
  readonly #subscriptions = new Set<Subscription>();

  constructor(store: SqliteDb) {
    this.#store = store.use();
    const db = store.db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL, payload BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_token TEXT);
      CREATE INDEX IF NOT EXISTS messages_due ON messages (queue, due_at, seq);
      CREATE TABLE IF NOT EXISTS dead_letters (
        id TEXT PRIMARY KEY, queue TEXT NOT NULL, payload BLOB NOT NULL, attempts INTEGER NOT NULL,
        reason TEXT NOT NULL, died_at INTEGER NOT NULL)`);
    this.#insert = db.prepare('INSERT OR IGNORE INTO messages (id, queue, payload, due_at) VALUES (?, ?, ?, ?)');
    // Earliest due first (index order, no sort). A claim moves due_at to the lease's end: the
    // message is due again when the lease runs out.
    this.#claim = db.prepare(`UPDATE messages SET due_at = ?, lease_token = ?, attempts = attempts + 1
      WHERE seq IN (SELECT seq FROM messages WHERE queue = ? AND due_at <= ? ORDER BY due_at, seq LIMIT ?)
      RETURNING id, payload, attempts`);
    this.#ack = db.prepare('DELETE FROM messages WHERE id = ? AND lease_token = ?');
    this.#retry = db.prepare('UPDATE messages SET due_at = ?, lease_token = NULL WHERE id = ? AND lease_token = ?');
    this.#extend = db.prepare('UPDATE messages SET due_at = ? WHERE id = ? AND lease_token = ?');
    this.#copyDead = db.prepare(`INSERT OR REPLACE INTO dead_letters (id, queue, payload, attempts, reason, died_at)
      SELECT id, queue, payload, attempts, ?, ? FROM messages WHERE id = ? AND lease_token = ?`);
    this.#deleteLeased = db.prepare('DELETE FROM messages WHERE id = ? AND lease_token = ?');
    this.#arrivals.setMaxListeners(0);
  }

  async enqueue(queue: string, id: string, body: Buffer): Promise<void> {
    await this.#store.write(() => this.#insert.run(id, queue, body, Date.now()));
    this.#arrivals.emit('message');
    await this.#store.durable();
  }

  consume(queue: string, opts: ConsumeOptions, handler: (delivery: Delivery) => Promise<void>): Subscription {
    return tracked(this.#subscriptions, new SqliteSubscription(this, queue, opts, handler));
  }

  async depth(queue: string): Promise<number> {
    return (this.#store.db.prepare('SELECT count(*) AS n FROM messages WHERE queue = ?').get(queue) as { n: number }).n;
  }

  async deadLetters(queue?: string): Promise<DeadLetter[]> {
    const db = this.#store.db;
    const rows = (queue === undefined
      ? db.prepare('SELECT * FROM dead_letters ORDER BY died_at, id').all()
      : db.prepare('SELECT * FROM dead_letters WHERE queue = ? ORDER BY died_at, id').all(queue)) as DeadRow[];
    return rows.map((row) => ({ id: row.id, queue: row.queue, body: row.payload, attempts: row.attempts, reason: row.reason, diedAt: row.died_at }));
  }

  async redrive(ids: readonly string[]): Promise<number> {
    const db = this.#store.db;
    const find = db.prepare('SELECT queue, payload FROM dead_letters WHERE id = ?');
    const unbury = db.prepare('DELETE FROM dead_letters WHERE id = ?');
    const moved = await this.#store.write(() => {
      let count = 0;
      const now = Date.now();
      for (const id of ids) {
        const row = find.get(id) as { queue: string; payload: Buffer } | undefined;
        if (!row) continue;
        this.#insert.run(id, row.queue, row.payload, now);
        unbury.run(id);
        count++;
      }
      return count;
    });
    await this.#store.durable();
    this.#arrivals.emit('message');
    return moved;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    this.#subscriptions.clear();
    this.#store.release();
  }

  // --- for SqliteSubscription ---

  /** Leases up to `max` due messages of `queue` for `leaseMs`. */
  async claim(queue: string, max: number, leaseMs: number): Promise<Delivery[]> {
    const token = randomBytes(8).toString('hex');
    const rows = await this.#store.write(() => {
      const now = Date.now();
      return this.#claim.all(now + leaseMs, token, queue, now, max);
    });
    return rows.map((row) => this.#delivery(queue, row, token, leaseMs));
  }

  /** Calls `wake` whenever messages arrive; returns the unsubscribe. */
  onArrival(wake: () => void): () => void {
    this.#arrivals.on('message', wake);
    return () => this.#arrivals.off('message', wake);
  }

  // --- internal ---

  #delivery(queue: string, row: ClaimedRow, token: string, leaseMs: number): Delivery {
    const { id } = row;
    const write = (work: () => unknown): Promise<void> => this.#store.write(work).then(() => undefined);
    return {
      id,
      queue,
      body: row.payload,
      attempt: row.attempts,
      ack: () => write(() => this.#ack.run(id, token)),
      nack: async (delayMs) => {
        await write(() => this.#retry.run(Date.now() + delayMs, id, token));
        if (delayMs <= 0) this.#arrivals.emit('message');
      },
      inProgress: () => write(() => this.#extend.run(Date.now() + leaseMs, id, token)),
      // A dead letter is kept for redrive: it must survive a power cut like an accepted call.
      deadLetter: async (reason) => {
        await write(() => {
          if (this.#copyDead.run(reason, Date.now(), id, token).changes > 0) this.#deleteLeased.run(id, token);
        });
        await this.#store.durable();
      },
    };
  }
}

/**
 * One consumer: keeps up to `concurrency` deliveries running, claiming more as handlers finish,
 * when messages arrive, and every POLL_MS for ones that became due (retries, expired leases).
 */
class SqliteSubscription implements Subscription {
  #running = new Set<Promise<void>>();
  /**
   * Claimed for a free slot, started as soon as the claim lands. No read-ahead beyond free slots: a
   * leased message waiting for a slot would see its lease run out and be claimed twice.
   */
  #ready: Delivery[] = [];
  #claim: Promise<void> | undefined;
  #again = false;
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
    await this.#claim;
    const unstarted = this.#ready.splice(0);
    await Promise.all(unstarted.map((delivery) => delivery.nack(0)));
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  /** Starts what there is room for, and claims for the free slots (one claim at a time). */
  #fill(): void {
    if (this.#stopped) return;
    while (this.#running.size < this.opts.concurrency && this.#ready.length) this.#start(this.#ready.shift() as Delivery);
    const want = this.opts.concurrency - this.#running.size - this.#ready.length;
    if (this.#claim) {
      this.#again = true;
      return;
    }
    if (want <= 0) return;
    this.#claim = this.store.claim(this.queue, want, this.opts.leaseMs ?? DEFAULT_LEASE_MS).then(
      (deliveries) => {
        this.#ready.push(...deliveries);
      },
      () => {},
    );
    void this.#claim.then(() => {
      this.#claim = undefined;
      const again = this.#again || this.#ready.length > 0;
      this.#again = false;
      if (again) this.#fill();
    });
  }

  #start(delivery: Delivery): void {
    // Counted as running before the handler starts, so a stop() from inside it waits for it.
    const run = this.#run(delivery).finally(() => {
      this.#running.delete(run);
      this.#fill();
    });
    this.#running.add(run);
  }

  #run(delivery: Delivery): Promise<void> {
    // A settle that fails (the store is closing) leaves the message to come back when its lease ends.
    return runHandler(this.handler, delivery, () => {});
  }
}
