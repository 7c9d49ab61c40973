import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errors } from '../api/index.js';
import { listTemplates } from './templates.js';
import { runTool } from './_run.js';

/** Options of pullTemplates. */
export interface PullOptions {
  /** Folder a relative SOURCE folder is resolved against. */
  cwd: string;
  /** Folder whose `template/` receives the templates. @default cwd */
  into?: string;
  /** Environment git runs with (proxies, HOME for its credentials). @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Replace templates already in `template/`. @default false */
  overwrite?: boolean;
  /** Only the templates of these names; one SOURCE lacks is an error. @default every template of SOURCE */
  only?: readonly string[];
  /** Called as each step starts (`Cloning URL`), for a progress line. */
  onProgress?: (step: string) => void;
}

/** What a pull did: template names written to `template/`, and those kept because they were there. */
export interface PullResult {
  written: string[];
  skipped: string[];
}

/** Where pulled templates go, under the folder given: the builder reads it besides its own (faas-cli's convention). */
const LOCAL_TEMPLATES = 'template';
const TEMPLATE_FILE = 'template.yml';

/**
 * Copies the templates of SOURCE (a folder, or a git URL cloned into a temp folder; `URL#ref` clones
 * that branch or tag) into `<into>/template` (faas-cli `template pull`). They are checked to load
 * first, so nothing is written when one is broken; a name already there is kept unless `overwrite`.
 * A missing folder, a source without templates, or a name of `only` it lacks is ERR_BAD_REQUEST;
 * a failed clone is an Error quoting git.
 * @example await pullTemplates('https://github.com/openfaas/golang-http-template#1.0', { cwd: process.cwd() })
 */
export async function pullTemplates(source: string, opts: PullOptions): Promise<PullResult> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'sluice-template-'));
  try {
    const root = isGitUrl(source) && !existsSync(path.resolve(opts.cwd, source)) ? await clone(source, path.join(scratch, 'repo'), opts) : await localRoot(source, opts.cwd);
    const found = chosen(source, await templateFolders(root), opts.only);
    // Staged first and loaded the way `sluice new` loads them: a broken template.yml in ./template
    // would stop every template there from loading, so it is refused before anything is written.
    const staged = path.join(scratch, 'staged');
    for (const dir of found) await cp(dir, path.join(staged, LOCAL_TEMPLATES, path.basename(dir)), { recursive: true });
    await listTemplates(staged);
    const names = found.map((dir) => path.basename(dir));
    return await install(names, path.join(staged, LOCAL_TEMPLATES), path.resolve(opts.into ?? opts.cwd, LOCAL_TEMPLATES), opts.overwrite === true);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// --- internal ---

/** Remote sources git can clone; a local folder by the same name wins (checked by the caller). */
function isGitUrl(source: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(source) || /^[\w.-]+@[\w.-]+:/.test(source);
}

async function localRoot(source: string, cwd: string): Promise<string> {
  const dir = path.resolve(cwd, source);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw errors.badRequest(`${source}: no such folder (give a folder or a git URL)`);
  return dir;
}

/** `git clone --depth 1` of URL (`URL#ref` clones that branch or tag); a missing git says how to get it. */
async function clone(source: string, into: string, opts: PullOptions): Promise<string> {
  const [url = source, ref] = source.split('#');
  const args = ['clone', '--quiet', '--depth', '1', ...(ref ? ['--branch', ref] : []), url, into];
  opts.onProgress?.(`Cloning ${source}`);
  // No prompt for credentials: a private URL should fail, not hang a script.
  const { code, stderr } = await runTool('git', args, { env: { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0' } }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new Error('git is not installed: install it (apt install git) or pull from a local folder') : err;
  });
  if (code !== 0) throw new Error(`git clone ${url} failed: ${firstLine(stderr) ?? `exit ${code}`}`);
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

/** The folders to pull: all of them, or those `only` names, each of which must be there. */
function chosen(source: string, found: string[], only: readonly string[] | undefined): string[] {
  if (found.length === 0) throw errors.badRequest(`${source} holds no templates: a template is a folder with ${TEMPLATE_FILE}, in template/ or at the top`);
  if (only === undefined) return found;
  const names = found.map((dir) => path.basename(dir));
  const missing = only.filter((name) => !names.includes(name));
  if (missing.length) throw errors.badRequest(`${source} has no template ${missing.map((name) => `"${name}"`).join(', ')}; it has ${names.join(', ')}`);
  return found.filter((dir) => only.includes(path.basename(dir)));
}

async function install(names: string[], from: string, target: string, overwrite: boolean): Promise<PullResult> {
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

/** git explains a failure in several lines; the first (`fatal: …`) says what went wrong. */
function firstLine(text: string): string | undefined {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '');
}
