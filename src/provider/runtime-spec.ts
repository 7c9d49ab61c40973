import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_ANNOTATION, errors, type FunctionDeployment, type RuntimeMode } from '../api/index.js';
import { parseDuration } from '../config/index.js';
import type { BundleStore } from './bundle-store.js';

/** Everything needed to run replicas of one function, resolved once at deploy time. */
export interface RuntimeSpec {
  readonly name: string;
  readonly mode: RuntimeMode;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly execTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
}

/** Defaults for functions that set no timeouts of their own (from the gateway's config). */
export interface SpecDefaults {
  readonly execTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  /** Folder for per-function working dirs of image-only (no bundle) functions. */
  readonly workRoot: string;
  /** The host env a function may see: PATH, HOME, LANG… never the gateway's own settings. */
  readonly hostEnv: Readonly<Record<string, string>>;
}

/**
 * Resolves a deployment into a runtime spec: the bundle's manifest (or `envProcess` for image-only
 * deployments), env precedence template < deployment, and the function's timeouts. Every problem is
 * a 400 that says what to change.
 */
export async function resolveSpec(dep: FunctionDeployment, bundles: BundleStore, defaults: SpecDefaults): Promise<RuntimeSpec> {
  const name = dep.service;
  const digest = dep.annotations?.[BUNDLE_ANNOTATION];
  const bundle = digest ? await bundles.manifest(digest) : undefined;
  const fprocess = dep.envProcess ?? bundle?.manifest.fprocess;
  if (!fprocess?.trim()) {
    throw errors.badRequest(
      `function "${name}" has no bundle and no envProcess: set envProcess (fprocess) to a program on this host, e.g. "cat", or deploy a bundle with \`sluice up\``,
    );
  }
  const env: Record<string, string> = { ...defaults.hostEnv, ...bundle?.manifest.environment, ...dep.envVars, fprocess, OPENFAAS_NAME: name };
  const cwd = bundle?.dir ?? path.join(defaults.workRoot, name);
  if (!bundle) await mkdir(cwd, { recursive: true });
  const argv = await resolveArgv(name, fprocess, env['PATH'] ?? '', cwd);
  return {
    name,
    mode: bundle?.manifest.mode ?? 'fork',
    argv,
    cwd,
    env,
    execTimeoutMs: timeout(name, env, 'exec_timeout', defaults.execTimeoutMs),
    readTimeoutMs: timeout(name, env, 'read_timeout', defaults.readTimeoutMs),
    writeTimeoutMs: timeout(name, env, 'write_timeout', defaults.writeTimeoutMs),
  };
}

function timeout(name: string, env: Record<string, string>, key: string, fallback: number): number {
  const text = env[key];
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw errors.badRequest(`function "${name}": ${key}=${text} is not a duration (use seconds or e.g. 10s, 1m30s)`);
  return ms;
}

/**
 * Splits fprocess on spaces (no shell, as the watchdogs do) and checks the program exists, so a typo
 * fails the deploy instead of every call. `node` means the Node that runs Sluice.
 */
async function resolveArgv(name: string, fprocess: string, searchPath: string, cwd: string): Promise<string[]> {
  const [program, ...args] = fprocess.trim().split(/ +/) as [string, ...string[]];
  if (program === 'node') return [process.execPath, ...args];
  const candidates = program.includes('/') ? [path.resolve(cwd, program)] : searchPath.split(':').filter(Boolean).map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return [candidate, ...args];
  }
  throw errors.badRequest(`function "${name}": fprocess program "${program}" was not found on this host's PATH`);
}
