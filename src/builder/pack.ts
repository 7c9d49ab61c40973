import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { create } from 'tar';

/** Every archive entry gets this mtime, so packing the same folder twice gives the same bytes. */
const FIXED_MTIME = new Date(0);

/**
 * Packs a bundle folder as tar.gz for upload. Deterministic: entries in byte order, fixed mtime, no
 * owner, uid or gid — the same folder gives the same bytes, hence the same digest.
 */
export async function packBundle(dir: string): Promise<Buffer> {
  const entries = await listSorted(dir);
  const pack = create({ cwd: dir, gzip: true, portable: true, mtime: FIXED_MTIME, noDirRecurse: true }, entries);
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// --- internal ---

/** All paths under `dir`, relative, parents before children, siblings in byte order. */
async function listSorted(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory()) out.push(...(await listSorted(dir, rel)));
  }
  return out;
}
