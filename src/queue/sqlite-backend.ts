import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FileBlobStore } from './file-blobs.js';
import { SqliteCallStore } from './sqlite-calls.js';
import { SqliteDb } from './sqlite-db.js';
import { SqliteQueue } from './sqlite.js';
import type { AsyncBackend } from './types.js';

/** The embedded backend: queue and call records in one SQLite file, blobs beside it, all in `dir`. */
export function openSqliteBackend(dir: string): AsyncBackend {
  mkdirSync(dir, { recursive: true });
  const db = new SqliteDb(path.join(dir, 'queue.db'));
  const queue = new SqliteQueue(db);
  const calls = new SqliteCallStore(db);
  return {
    kind: 'sqlite',
    sharedCommit: true,
    queue,
    calls,
    blobs: new FileBlobStore(path.join(dir, 'blobs')),
    close: async () => {
      await queue.close();
      await calls.close();
    },
  };
}
