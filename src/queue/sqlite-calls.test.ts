import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { callStoreContract } from './calls.case.test.js';
import { SqliteCallStore } from './sqlite-calls.js';
import { SqliteDb } from './sqlite-db.js';
import type { CallStore } from './types.js';

const dirs: string[] = [];
const files = new WeakMap<CallStore, string>();

async function open(file?: string): Promise<CallStore> {
  if (!file) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-calls-'));
    dirs.push(dir);
    file = path.join(dir, 'queue.db');
  }
  const store = new SqliteCallStore(new SqliteDb(file));
  files.set(store, file);
  return store;
}

after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

callStoreContract('sqlite', { open: () => open(), reopen: (store) => open(files.get(store)) });
