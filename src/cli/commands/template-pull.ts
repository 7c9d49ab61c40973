import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listTemplates } from '../../builder/index.js';
import type { CliContext } from '../_context.js';
import { UsageError } from '../_errors.js';

/** Flags of `sluice template pull`. */
export type TemplatePullOptions = {
  overwrite?: boolean;
  json?: boolean;
};

/** Where pulled templates go: the folder the builder reads besides its own (faas-cli's convention). */
const LOCAL_TEMPLATES = 'template';
const TEMPLATE_FILE = 'template.yml';

/**
 * Runs `sluice template pull SOURCE`: finds the template folders of SOURCE (a folder, or a git URL
 * cloned into a temp folder), checks they load, and copies them into ./template; a name already
 * there is kept unless `--overwrite`.
 */
export async function runTemplatePull(source: string, opts: TemplatePullOptions, ctx: CliContext): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'sluice-template-'));
  try {
    const root = isGitUrl(source) && !existsSync(path.resolve(ctx.io.cwd, source)) ? await clone(source, path.join(scratch, 'repo'), ctx) : await localRoot(source, ctx);
    const found = await templateFolders(root);
    if (found.length === 0) throw new UsageError(`${source} holds no templates: a template is a folder with ${TEMPLATE_FILE}, in template/ or at the top`);
    // Staged first and loaded the way `sluice new` loads them: a broken template.yml in ./template
    // would stop every template there from loading, so it is refused before anything is written.
    const staged = path.join(scratch, 'staged');
    for (const dir of found) await cp(dir, path.join(staged, LOCAL_TEMPLATES, path.basename(dir)), { recursive: true });
    await listTemplates(staged);
    const result = await install(found.map((dir) => path.basename(dir)), path.join(staged, LOCAL_TEMPLATES), ctx, opts.overwrite === true);
    report(ctx, result, opts.json === true);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// --- internal ---

type PullResult = { written: string[]; skipped: string[] };

/** Remote sources git can clone; a local folder by the same name wins (checked by the caller). */
function isGitUrl(source: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(source) || /^[\w.-]+@[\w.-]+:/.test(source);
}

async function localRoot(source: string, ctx: CliContext): Promise<string> {
  const dir = path.resolve(ctx.io.cwd, source);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${source}: no such folder (give a folder or a git URL)`);
  return dir;
}

/** `git clone --depth 1` of URL (`URL#ref` clones that branch or tag); a missing git says how to get it. */
async function clone(source: string, into: string, ctx: CliContext): Promise<string> {
  const [url = source, ref] = source.split('#');
  const args = ['clone', '--quiet', '--depth', '1', ...(ref ? ['--branch', ref] : []), url, into];
  ctx.out.progress(`Cloning ${source}`);
  await new Promise<void>((resolve, reject) => {
    // No prompt for credentials: a private URL should fail, not hang a script.
    const child = spawn('git', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...ctx.io.env, GIT_TERMINAL_PROMPT: '0' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('git is not installed: install it (apt install git) or pull from a local folder') : err),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git clone ${url} failed: ${firstLine(stderr) ?? `exit ${code}`}`))));
  });
  return into;
}

/** The template folders of `root`: those in root/template (faas-cli's layout), else root's own, else root itself. */
async function templateFolders(root: string): Promise<string[]> {
  if (existsSync(path.join(root, TEMPLATE_FILE))) return [root];
  const inTemplate = await childTemplates(path.join(root, LOCAL_TEMPLATES));
  return inTemplate.length ? inTemplate : childTemplates(root);
}

async function childTemplates(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, TEMPLATE_FILE))).map((e) => path.join(dir, e.name)).sort();
}

async function install(names: string[], from: string, ctx: CliContext, overwrite: boolean): Promise<PullResult> {
  const target = path.resolve(ctx.io.cwd, LOCAL_TEMPLATES);
  await mkdir(target, { recursive: true });
  const result: PullResult = { written: [], skipped: [] };
  for (const name of names) {
    const dest = path.join(target, name);
    if (existsSync(dest) && !overwrite) {
      result.skipped.push(name);
      continue;
    }
    await rm(dest, { recursive: true, force: true });
    await cp(path.join(from, name), dest, { recursive: true });
    result.written.push(name);
  }
  return result;
}

function report(ctx: CliContext, result: PullResult, json: boolean): void {
  if (json) return ctx.out.json(result);
  for (const name of result.written) ctx.out.line(`Wrote template ${name} to ./${LOCAL_TEMPLATES}/${name}`);
  for (const name of result.skipped) ctx.out.line(`Kept template ${name}: ./${LOCAL_TEMPLATES}/${name} exists (--overwrite replaces it)`);
}

/** git explains a failure in several lines; the first (`fatal: …`) says what went wrong. */
function firstLine(text: string): string | undefined {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '');
}
