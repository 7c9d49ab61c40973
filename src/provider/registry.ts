import Database from 'better-sqlite3';
import type { FunctionDeployment } from '../api/index.js';

/** One deployed function as persisted: the deployment as the user sent it, and its desired replicas. */
export interface RegistryEntry {
  readonly deployment: FunctionDeployment;
  readonly replicas: number;
  readonly createdAt: string;
}

interface Row {
  deployment: string;
  replicas: number;
  created_at: string;
}

/**
 * The function registry, in SQLite (WAL) in the data dir, so every deployment and its replica count
 * survives a restart of the gateway.
 */
export class Registry {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement;
  readonly #setReplicas: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #all: Database.Statement<[], Row>;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS functions (
      name TEXT PRIMARY KEY, deployment TEXT NOT NULL, replicas INTEGER NOT NULL, created_at TEXT NOT NULL)`);
    this.#upsert = this.#db.prepare(`INSERT INTO functions (name, deployment, replicas, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET deployment = excluded.deployment, replicas = excluded.replicas`);
    this.#setReplicas = this.#db.prepare('UPDATE functions SET replicas = ? WHERE name = ?');
    this.#delete = this.#db.prepare('DELETE FROM functions WHERE name = ?');
    this.#all = this.#db.prepare('SELECT deployment, replicas, created_at FROM functions ORDER BY name');
  }

  save(entry: RegistryEntry): void {
    this.#upsert.run(entry.deployment.service, JSON.stringify(entry.deployment), entry.replicas, entry.createdAt);
  }

  setReplicas(name: string, replicas: number): void {
    this.#setReplicas.run(replicas, name);
  }

  delete(name: string): void {
    this.#delete.run(name);
  }

  all(): RegistryEntry[] {
    return this.#all.all().map((row) => ({
      deployment: JSON.parse(row.deployment) as FunctionDeployment,
      replicas: row.replicas,
      createdAt: row.created_at,
    }));
  }

  close(): void {
    this.#db.close();
  }
}
