import { closeSync, fdatasync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

/** A queued write: run inside the turn's transaction, settled once that commits (or fails). */
interface Op {
  run(): void;
  settle(committed: unknown): void;
}

/**
 * The embedded backend's one SQLite file (WAL), shared by the queue and the call records, with two
 * habits that make it fast without giving up durability:
 *
 * - **One transaction per turn of the event loop.** Every write (an enqueue, a claim, an ack, a
 *   record update) is queued with `write()` and run in one transaction
 *   at the end of the turn. SQLite's cost is per commit (each writes whole pages to the WAL), so a
 *   turn with a hundred writes costs about what one does.
 * - **fsync off the main thread.** Commits run with synchronous=NORMAL: their WAL frames are written
 *   (a kill -9 loses none) but not fsynced. What must survive a power cut too — an accepted call —
 *   awaits `durable()`: an fdatasync of the WAL file on libuv's thread pool, the same sync
 *   synchronous=FULL would do after the commit, but without blocking the event loop. Syncs asked for
 *   while one runs share the next one (group commit).
 */
export class SqliteDb {
  readonly db: Database.Database;
  readonly #walFile: string;
  #walFd: number | undefined;
  #ops: Op[] = [];
  readonly #flush: Database.Transaction<(ops: Op[]) => void>;
  #syncing: Promise<void> | undefined;
  #nextSync: Promise<void> | undefined;
  #users = 0;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // The default 2 MiB page cache holds a few hundred calls: past that, every claim, ack and record
    // update reads its pages back from the OS. 64 MiB of cache and reads through mmap measured 1.5x
    // the claim+ack rate.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('mmap_size = 268435456');
    this.#walFile = `${file}-wal`;
    this.#flush = this.db.transaction((ops: Op[]) => {
      for (const op of ops) op.run();
    });
  }

  /** One more user (the queue, the call store); the file closes when the last one releases it. */
  use(): this {
    this.#users++;
    return this;
  }

  release(): void {
    if (--this.#users > 0) return;
    this.#flushNow();
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.db.close();
  }

  /**
   * Runs `work` (synchronous SQLite statements) in this turn's transaction. A throwing `work` rejects
   * only its own promise, so it must not throw after a change: every write here is one statement,
   * or reads first and writes last, with `OR IGNORE`/`OR REPLACE` where a constraint could fail (no
   * savepoint per write: three more statements each, measured at a third of the enqueue rate). An I/O
   * error makes SQLite roll back the whole transaction, and then every write of the turn rejects.
   */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let outcome: { value: T } | { error: unknown } = { error: new Error('not run') };
      const op: Op = {
        run: () => {
          try {
            outcome = { value: work() };
          } catch (error) {
            outcome = { error };
          }
        },
        // Only a committed write resolves: a promise never says "stored" for a rolled-back turn.
        settle: (commitError) => {
          if (commitError !== undefined) reject(commitError);
          else if ('value' in outcome) resolve(outcome.value);
          else reject(outcome.error);
        },
      };
      if (this.#ops.push(op) === 1) setImmediate(() => this.#flushNow());
    });
  }

  /** Resolves once everything committed before the call is on disk (fdatasync of the WAL). */
  durable(): Promise<void> {
    // A sync already running may have started before our commit: ours is the one after it.
    if (!this.#syncing) return (this.#syncing = this.#sync());
    const start = (): Promise<void> => {
      this.#nextSync = undefined;
      return (this.#syncing = this.#sync());
    };
    this.#nextSync ??= this.#syncing.then(start, start);
    return this.#nextSync;
  }

  // --- internal ---

  #flushNow(): void {
    const ops = this.#ops;
    if (!ops.length) return;
    this.#ops = [];
    let commitError: unknown;
    try {
      this.#flush(ops);
    } catch (err) {
      // The commit itself failed (disk full…): nothing of this turn was stored.
      commitError = err ?? new Error('commit failed');
    }
    for (const op of ops) op.settle(commitError);
  }

  #sync(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      try {
        this.#walFd ??= openSync(this.#walFile, 'r');
      } catch (err) {
        return reject(err);
      }
      fdatasync(this.#walFd, (err) => (err ? reject(err) : resolve()));
    });
    const settled = (): void => {
      if (!this.#nextSync) this.#syncing = undefined;
    };
    done.then(settled, settled);
    return done;
  }
}
