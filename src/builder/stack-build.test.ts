/**
 * What the stack's `configuration` changes in a build: `copy` paths in the bundle, and templates
 * the stack lists pulled when missing (`template pull stack` itself: src/cli/extra.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../api/index.js';
import { loadStack, type Stack } from '../stack/index.js';
import { buildFunction, pullStackTemplates } from './index.js';

const TYPES_TS = fileURLToPath(new URL('../../templates/node-ts/function/types.ts', import.meta.url));

const scratch: string[] = [];
after(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp project: `files` (path → text) written under it, then stack.yml from `stackYml`. */
async function project(files: Record<string, string>, stackYml: string): Promise<Stack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-stack-build-'));
  scratch.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  await writeFile(path.join(dir, 'stack.yml'), `provider: {name: openfaas}\n${stackYml}`);
  return loadStack(path.join(dir, 'stack.yml'));
}

/** The problem lines of an ERR_STACK_INVALID. */
async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SluiceError, String(err));
    assert.equal(err.code, 'ERR_STACK_INVALID', err.message);
    return err.message.split('\n').slice(1).map((line) => line.trim());
  }
  assert.fail('expected ERR_STACK_INVALID');
}

const fnOf = (stack: Stack) => stack.functions[0] as NonNullable<Stack['functions'][0]>;

describe('buildFunction with configuration.copy', () => {
  it('copies each path to function/<path>, where the handler imports shared code from', async () => {
    const stack = await project(
      {
        'common/greet.ts': 'export const greet = (name: string) => `shared hello, ${name}`;\n',
        'lib/notes.txt': 'a note\n',
        'hello/handler.ts': "import { greet } from './common/greet.js';\nexport default async () => greet('Ada');\n",
      },
      'configuration:\n  copy: [./common, lib/notes.txt]\nfunctions:\n  hello: {lang: node-ts, handler: ./hello}\n',
    );
    await copyFile(TYPES_TS, path.join(stack.dir, 'hello', 'types.ts'));
    const steps: string[] = [];
    const bundle = await buildFunction(stack, fnOf(stack), { onProgress: (step) => steps.push(step) });
    assert.ok(steps.includes('copying ./common, lib/notes.txt'), steps.join('\n'));
    assert.equal(await readFile(path.join(bundle.dir, 'function', 'common', 'greet.ts'), 'utf8'), 'export const greet = (name: string) => `shared hello, ${name}`;\n');
    assert.equal(await readFile(path.join(bundle.dir, 'function', 'lib', 'notes.txt'), 'utf8'), 'a note\n');
    assert.match(await readFile(path.join(bundle.dir, 'index.mjs'), 'utf8'), /shared hello, /);
  });

  it('names every path that is missing, leads outside through a symlink, or holds the build output; copies none', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'sluice-outside-'));
    scratch.push(outside);
    const stack = await project({ 'fn/handler.sh': 'cat\n' }, 'configuration:\n  copy: [missing, escape, build]\nfunctions:\n  fn: {lang: bash, handler: ./fn}\n');
    await symlink(outside, path.join(stack.dir, 'escape'));
    assert.deepEqual(await problemsOf(buildFunction(stack, fnOf(stack))), [
      'configuration.copy[0]: missing not found (next to stack.yml)',
      `configuration.copy[1]: escape leads outside the stack file's folder (to ${outside})`,
      "configuration.copy[2]: build holds the build's own output folder",
    ]);
    assert.equal(existsSync(path.join(stack.dir, 'build', 'fn', 'function', 'escape')), false);
  });

  it('checks paths again when the Stack was not parsed from a file', async () => {
    const stack = await project({ 'fn/handler.sh': 'cat\n' }, 'functions:\n  fn: {lang: bash, handler: ./fn}\n');
    stack.copy = ['../elsewhere', '.'];
    assert.deepEqual(await problemsOf(buildFunction(stack, fnOf(stack))), [
      "configuration.copy[0]: ../elsewhere is outside the stack file's folder",
      "configuration.copy[1]: . is the stack file's whole folder: name the folders or files to copy",
    ]);
  });
});

describe('buildFunction with configuration.templates', () => {
  const SOURCE = { 'sources/template/shout/template.yml': 'language: shout\nmode: streaming\nbase: bash\nfprocess: bash function/handler.sh --loud\n' };

  it('pulls a listed template the stack folder lacks into its template/, once', async () => {
    const stack = await project(
      { ...SOURCE, 'loud/handler.sh': 'cat\n' },
      'configuration:\n  templates: [{name: shout, source: ./sources}]\nfunctions:\n  loud: {lang: shout, handler: ./loud}\n',
    );
    const steps: string[] = [];
    const bundle = await buildFunction(stack, fnOf(stack), { onProgress: (step) => steps.push(step) });
    assert.ok(steps.includes('pulling template shout from ./sources'), steps.join('\n'));
    assert.ok(existsSync(path.join(stack.dir, 'template', 'shout', 'template.yml')));
    assert.deepEqual([bundle.manifest.lang, bundle.manifest.fprocess], ['shout', 'bash function/handler.sh --loud']);
    const again: string[] = [];
    await buildFunction(stack, fnOf(stack), { onProgress: (step) => again.push(step) });
    assert.equal(again.filter((step) => step.startsWith('pulling')).length, 0, again.join('\n'));
  });

  it('pulls nothing with pullTemplates: false, so the template is not found', async () => {
    const stack = await project(
      { ...SOURCE, 'loud/handler.sh': 'cat\n' },
      'configuration:\n  templates: [{name: shout, source: ./sources}]\nfunctions:\n  loud: {lang: shout, handler: ./loud}\n',
    );
    await assert.rejects(buildFunction(stack, fnOf(stack), { pullTemplates: false }), { code: 'ERR_TEMPLATE_NOT_FOUND' });
    assert.equal(existsSync(path.join(stack.dir, 'template')), false);
  });

  it("pulls a listed template over Sluice's own of that name: the stack asked for that source", async () => {
    const stack = await project(
      { 'sources/template/bash/template.yml': 'language: bash\nmode: serializing\nfprocess: cat\n', 'fn/handler.sh': 'cat\n' },
      'configuration:\n  templates: [{name: bash, source: ./sources}]\nfunctions:\n  fn: {lang: bash, handler: ./fn}\n',
    );
    const bundle = await buildFunction(stack, fnOf(stack));
    assert.deepEqual([bundle.manifest.mode, bundle.manifest.fprocess], ['serializing', 'cat']);
  });

  it('names the entry when its source has no template of that name', async () => {
    const stack = await project(
      { ...SOURCE, 'fn/handler.sh': 'cat\n' },
      'configuration:\n  templates: [{name: whisper, source: ./sources}]\nfunctions:\n  fn: {lang: whisper, handler: ./fn}\n',
    );
    assert.deepEqual(await problemsOf(buildFunction(stack, fnOf(stack))), ['configuration.templates[0] (whisper): ./sources has no template "whisper"; it has shout']);
  });
});

describe('pullStackTemplates', () => {
  it('pulls every listed template, keeps those there unless overwrite, and finds those without a source', async () => {
    const stack = await project(
      { 'sources/template/shout/template.yml': 'language: shout\nmode: streaming\nbase: bash\n', 'sources/template/other/template.yml': 'language: other\nmode: streaming\nbase: bash\n' },
      'configuration:\n  templates: [{name: shout, source: ./sources}, {name: node20}]\nfunctions: {}\n',
    );
    assert.deepEqual(await pullStackTemplates(stack), { written: ['shout'], skipped: [], found: ['node20'] });
    assert.equal(existsSync(path.join(stack.dir, 'template', 'other')), false);
    assert.deepEqual(await pullStackTemplates(stack), { written: [], skipped: ['shout'], found: ['node20'] });
    assert.deepEqual(await pullStackTemplates(stack, { overwrite: true }), { written: ['shout'], skipped: [], found: ['node20'] });
  });
});
