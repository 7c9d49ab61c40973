import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FileBlobStore } from './file-blobs.js';
import { SqliteCallStore } from './sqlite-calls.js';
import { SqliteQueue } from './sqlite.js';
import type { AsyncBackend } from './types.js';

/** The embedded backend: queue and call records in one SQLite file, blobs beside it, all in `dir`. */
export function openSqliteBackend(dir: string): AsyncBackend {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'queue.db');
  const queue = new SqliteQueue(file);
  const calls = new SqliteCallStore(file);
  return {
    kind: 'sqlite',
    queue,
    calls,
    blobs: new FileBlobStore(path.join(dir, 'blobs')),
    close: async () => {
      await queue.close();
      await calls.close();
    },
  };
}
