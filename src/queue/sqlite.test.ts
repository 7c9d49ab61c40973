import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { queueContract } from './contract.case.test.js';
import { SqliteQueue } from './sqlite.js';
import { SqliteDb } from './sqlite-db.js';
import type { AsyncQueue } from './types.js';

const dirs: string[] = [];
const files = new WeakMap<AsyncQueue, string>();

async function open(file?: string): Promise<AsyncQueue> {
  if (!file) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-queue-'));
    dirs.push(dir);
    file = path.join(dir, 'queue.db');
  }
  const queue = new SqliteQueue(new SqliteDb(file));
  files.set(queue, file);
  return queue;
}

after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

queueContract('sqlite', { open: () => open(), reopen: (queue) => open(files.get(queue)) });
