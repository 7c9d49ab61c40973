import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { BUNDLE_ANNOTATION, BundleManifest, MANIFEST_FILE, errors, type BundleUploaded, type FunctionDeployment } from '../api/index.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;
/** How long an unreferenced bundle is kept: an upload is followed by its deploy well within this. */
const BUNDLE_GRACE_MS = 10 * 60_000;

/**
 * Bundles on disk, content-addressed: an upload is unpacked once into `bundles/<sha256>/` and every
 * deployment naming that digest runs from there. The same bytes uploaded twice cost nothing.
 */
export class BundleStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  /** Stores a tar.gz stream and returns its digest. Size limits are the caller's (the gateway's). */
  async put(body: Readable): Promise<BundleUploaded> {
    await mkdir(this.#root, { recursive: true });
    const staging = path.join(this.#root, `.upload-${randomUUID()}`);
    try {
      const hash = createHash('sha256');
      let size = 0;
      const digest = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(body, digest, createWriteStream(`${staging}.tgz`));
      const hex = hash.digest('hex');
      await this.#unpack(`${staging}.tgz`, staging, hex);
      return { bundle: `sha256:${hex}`, size };
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(`${staging}.tgz`, { force: true });
    }
  }

  /** Folder of an uploaded bundle; ERR_BUNDLE_NOT_FOUND when it was never uploaded. */
  async dir(digest: string): Promise<string> {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) throw errors.badRequest(`bundle digest "${digest}" is not of the form sha256:<64 hex digits>`);
    const dir = path.join(this.#root, hex);
    const found = await stat(dir).then(() => true, () => false);
    if (!found) throw errors.bundleNotFound(digest);
    return dir;
  }

  async manifest(digest: string): Promise<{ dir: string; manifest: BundleManifest }> {
    const dir = await this.dir(digest);
    return { dir, manifest: await readManifest(dir) };
  }

  /**
   * Deletes bundles no deployment names (and upload leftovers) once older than `graceMs`: the grace
   * covers an upload whose deploy has not arrived yet and replicas still draining from an old
   * bundle. Returns the digests removed.
   */
  /** Deletes the bundles none of `deployments` names (past the grace), in the background: a failure goes to `failed`. */
  pruneUnused(deployments: Iterable<FunctionDeployment>, failed: (err: Error) => void): void {
    const named = [...deployments].map((dep) => dep.annotations?.[BUNDLE_ANNOTATION]);
    this.prune(new Set(named.filter((digest): digest is string => digest !== undefined)), BUNDLE_GRACE_MS).catch(failed);
  }

  async prune(inUse: ReadonlySet<string>, graceMs: number): Promise<string[]> {
    const removed: string[] = [];
    for (const entry of await readdir(this.#root).catch(() => [])) {
      const digest = `sha256:${entry}`;
      const bundle = DIGEST.test(digest);
      if ((bundle && inUse.has(digest)) || (!bundle && !entry.startsWith('.upload-'))) continue;
      const dir = path.join(this.#root, entry);
      const age = Date.now() - (await stat(dir)).mtimeMs;
      if (age < graceMs) continue;
      await rm(dir, { recursive: true, force: true });
      if (bundle) removed.push(digest);
    }
    return removed;
  }

  async #unpack(archive: string, staging: string, hex: string): Promise<void> {
    const target = path.join(this.#root, hex);
    if (await stat(target).then(() => true, () => false)) return;
    await mkdir(staging, { recursive: true });
    try {
      // strict: a corrupt or non-tar upload is an error, not a half-written folder.
      await tar.x({ file: archive, cwd: staging, strict: true });
    } catch (err) {
      throw errors.badBundle((err as Error).message);
    }
    await readManifest(staging);
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      // Another upload of the same bytes won the race: theirs is identical.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  }
}

async function readManifest(dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw errors.badBundle(`${MANIFEST_FILE} is missing at the root of the archive (build it with \`sluice build\`)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw errors.badBundle(`${MANIFEST_FILE}: ${(err as Error).message}`);
  }
  const parsed = BundleManifest.safeParse(json);
  if (!parsed.success) throw errors.badBundle(`${MANIFEST_FILE}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
