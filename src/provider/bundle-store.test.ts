import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { SluiceError } from '../api/index.js';
import { BundleStore } from './bundle-store.js';

let tmp: string;
let store: BundleStore;
const root = (): string => path.join(tmp, 'bundles');

/** A tar.gz of a folder holding `files` (name → content). */
async function archive(files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmp, 'src-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  const chunks: Buffer[] = [];
  for await (const chunk of tar.c({ gzip: true, cwd: dir, portable: true }, Object.keys(files)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const manifest = (name: string): string => JSON.stringify({ name, lang: 'node-ts', mode: 'http', fprocess: 'node index.mjs' });
const put = async (files: Record<string, string>) => store.put(Readable.from([await archive(files)]));

describe('BundleStore', () => {
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'sluice-bundles-'));
    store = new BundleStore(root());
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  it('stores an upload under its sha256 and reads its manifest back', async () => {
    const { bundle, size } = await put({ 'function.json': manifest('a'), 'index.mjs': 'export {}' });
    assert.match(bundle, /^sha256:[0-9a-f]{64}$/);
    assert.ok(size > 0);
    const { dir, manifest: read } = await store.manifest(bundle);
    assert.equal(read.name, 'a');
    assert.deepEqual((await readdir(dir)).sort(), ['function.json', 'index.mjs']);
  });

  it('the same bytes twice give the same digest and one folder', async () => {
    const bytes = await archive({ 'function.json': manifest('same') });
    const first = await store.put(Readable.from([bytes]));
    const second = await store.put(Readable.from([bytes]));
    assert.equal(first.bundle, second.bundle);
    assert.equal((await readdir(root())).filter((e) => first.bundle.endsWith(e)).length, 1);
  });

  it('refuses an archive without function.json, or with a bad one, leaving nothing behind', async () => {
    const before = (await readdir(root())).sort();
    await assert.rejects(put({ 'index.mjs': 'x' }), (err: SluiceError) => err.code === 'ERR_BAD_BUNDLE' && /function\.json is missing/.test(err.message));
    await assert.rejects(put({ 'function.json': '{not json' }), (err: SluiceError) => err.code === 'ERR_BAD_BUNDLE');
    await assert.rejects(put({ 'function.json': '{"name":"x"}' }), (err: SluiceError) => err.code === 'ERR_BAD_BUNDLE' && /mode|fprocess/.test(err.message));
    await assert.rejects(store.put(Readable.from([Buffer.from('not a tarball')])), (err: SluiceError) => err.code === 'ERR_BAD_BUNDLE');
    assert.deepEqual((await readdir(root())).sort(), before);
  });

  it('answers an unknown or malformed digest with a 400', async () => {
    await assert.rejects(store.dir(`sha256:${'0'.repeat(64)}`), (err: SluiceError) => err.code === 'ERR_BUNDLE_NOT_FOUND');
    await assert.rejects(store.dir('md5:abc'), (err: SluiceError) => err.status === 400);
  });

  it('prune removes unreferenced bundles and upload leftovers past the grace, keeps the rest', async () => {
    const kept = (await put({ 'function.json': manifest('kept') })).bundle;
    const old = (await put({ 'function.json': manifest('old') })).bundle;
    const fresh = (await put({ 'function.json': manifest('fresh') })).bundle;
    const leftover = path.join(root(), '.upload-crashed');
    await mkdir(leftover);
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const dir of [await store.dir(kept), await store.dir(old), leftover]) await utimes(dir, hourAgo, hourAgo);
    const removed = await store.prune(new Set([kept]), 60_000);
    assert.ok(removed.includes(old), 'the old unreferenced bundle is removed');
    assert.ok(!removed.includes(fresh), 'a bundle younger than the grace stays');
    await store.dir(kept);
    await store.dir(fresh);
    await assert.rejects(store.dir(old));
    assert.ok(!(await readdir(root())).includes('.upload-crashed'));
  });
});
