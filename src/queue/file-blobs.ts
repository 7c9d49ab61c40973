import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from './types.js';

/** Blobs as files in a folder of the data dir, each fsynced and renamed into place (never half-written). */
export class FileBlobStore implements BlobStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  async put(id: string, data: Buffer): Promise<void> {
    const file = this.#file(id);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }

  async get(id: string): Promise<Buffer | undefined> {
    return readFile(this.#file(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  }

  async delete(id: string): Promise<void> {
    await rm(this.#file(id), { force: true });
  }

  /** Ids are call ids, which callers choose: encoded so none can name a path outside the folder. */
  #file(id: string): string {
    return path.join(this.#dir, encodeURIComponent(id).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length)));
  }
}
