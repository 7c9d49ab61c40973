import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../api/index.js';
import { runTool } from './_run.js';

/** Lines of npm's stderr kept for the error message: enough to see the cause, not the whole log. */
const TAIL_LINES = 15;

/** The parts of a handler's package.json that the build reads. */
interface PackageJson {
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * When `<bundleDir>/function/package.json` lists dependencies, installs them (production only) into
 * `<bundleDir>/node_modules`, next to the bundled entry. Returns false when there was nothing to do.
 */
export async function installDependencies(name: string, bundleDir: string, handlerDir: string, onStart: () => void): Promise<boolean> {
  const pkg = await readPackage(path.join(bundleDir, 'function', 'package.json'));
  if (!pkg?.dependencies || Object.keys(pkg.dependencies).length === 0) return false;
  onStart();
  pkg.dependencies = localPathsFrom(pkg.dependencies, handlerDir);
  await writeFile(path.join(bundleDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // The lock pins versions when there is one; npm reconciles it with the rewritten local paths.
  await copyFile(path.join(bundleDir, 'function', 'package-lock.json'), path.join(bundleDir, 'package-lock.json')).catch(() => undefined);
  // --install-links copies `file:` packages instead of linking them: a bundle is moved to another
  // folder (or machine) when deployed, where a link would point at nothing.
  await runNpm(name, bundleDir, ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts=false', '--install-links']);
  return true;
}

// --- internal ---

async function readPackage(file: string): Promise<PackageJson | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as PackageJson;
  } catch (err) {
    throw errors.badRequest(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * package.json moves from the handler folder to the bundle root, so relative `file:` specs
 * (`file:../lib`) are made absolute against the handler folder they were written for.
 */
function localPathsFrom(deps: Record<string, string>, handlerDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [dep, spec] of Object.entries(deps)) {
    const local = spec.startsWith('file:') ? spec.slice('file:'.length) : /^\.{1,2}\//.test(spec) ? spec : undefined;
    out[dep] = local === undefined || path.isAbsolute(local) ? spec : `file:${path.resolve(handlerDir, local)}`;
  }
  return out;
}

async function runNpm(name: string, cwd: string, args: string[]): Promise<void> {
  const { code, signal, stderr } = await runTool('npm', args, { cwd }).catch((err: Error) => {
    throw errors.buildFailed(name, `cannot run npm: ${err.message}`);
  });
  if (code === 0) return;
  const tail = stderr.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  throw errors.buildFailed(name, `npm install ${how}${tail ? `:\n${tail}` : ''}`);
}
