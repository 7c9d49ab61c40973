import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_ANNOTATION, errors, SluiceError, type FunctionDeployment } from '../api/index.js';
import { watchdogConfig, type FunctionRuntime, type WatchdogConfig, type WatchdogDefaults } from '../watchdog/index.js';
import type { BundleStore } from './bundle-store.js';
import type { MountPlan } from './confine.js';
import { resolveLimits, type ResourceLimits } from './limits.js';

/** Everything needed to run replicas of one function, resolved once at deploy time. */
export type RuntimeSpec = FunctionRuntime & {
  /**
   * `limits` and `requests` of the deployment (set when either is): enforced per replica process
   * where the host allows (cgroups), so a function with requests alone gets its groups too.
   */
  readonly limits?: ResourceLimits;
  /** Its own mounts (secrets at /var/openfaas/secrets, a read-only root), where the host allows: set by the provider. */
  readonly mounts?: MountPlan;
  /** Why this node may not run it (its `constraints`, constraints.ts): no replica starts, calls fail at once. Set by the provider. */
  readonly unschedulable?: string;
};

/**
 * What a Node process needs besides its heap (code, buffers, native memory), measured: ~45 MiB at
 * rest. The heap gets the rest of the limit, between half and three quarters of it.
 */
const NODE_BASE_MIB = 64;

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
 * deployments, which run in classic fork mode unless their env says otherwise), env precedence
 * template < deployment, and the watchdog settings read from that env. Every problem is a 400 that
 * says what to change.
 */
export async function resolveSpec(dep: FunctionDeployment, bundles: BundleStore, defaults: SpecDefaults): Promise<RuntimeSpec> {
  const name = dep.service;
  const digest = dep.annotations?.[BUNDLE_ANNOTATION];
  const bundle = digest ? await bundles.manifest(digest) : undefined;
  const fprocess = dep.envProcess ?? bundle?.manifest.fprocess ?? '';
  const env: Record<string, string> = { ...defaults.hostEnv, ...bundle?.manifest.environment, ...dep.envVars, OPENFAAS_NAME: name };
  if (fprocess.trim()) env['fprocess'] = fprocess;
  const cwd = bundle?.dir ?? path.join(defaults.workRoot, name);
  if (!bundle) await mkdir(cwd, { recursive: true });
  const config = readConfig(name, env, cwd, {
    mode: bundle?.manifest.mode ?? 'fork',
    execTimeoutMs: defaults.execTimeoutMs,
    readTimeoutMs: defaults.readTimeoutMs,
    writeTimeoutMs: defaults.writeTimeoutMs,
    staticPath: 'public',
  });
  const argv = config.mode === 'static' || config.mode === 'workflow' ? [] : await resolveArgv(name, config.argv, env['PATH'] ?? '', cwd);
  const limits = resolveLimits(dep);
  if (limits?.memoryBytes !== undefined && argv[0] === process.execPath) limitHeap(env, limits.memoryBytes);
  return { name, argv, cwd, env, config, ...(limits ? { limits } : {}) };
}

/**
 * A Node function's heap is bounded below its memory limit (`--max-old-space-size`), so it fails
 * with V8's "heap out of memory" it can report, before the kernel kills it without a word.
 * A NODE_OPTIONS that sets its own bound keeps it.
 */
function limitHeap(env: Record<string, string>, memoryBytes: number): void {
  const options = env['NODE_OPTIONS'] ?? '';
  if (options.includes('--max-old-space-size')) return;
  const limitMiB = memoryBytes / 2 ** 20;
  const heapMiB = Math.floor(Math.max(limitMiB / 2, Math.min(limitMiB * 0.75, limitMiB - NODE_BASE_MIB)));
  env['NODE_OPTIONS'] = `${options} --max-old-space-size=${heapMiB}`.trim();
}

function readConfig(name: string, env: Record<string, string>, cwd: string, defaults: WatchdogDefaults): WatchdogConfig {
  try {
    return watchdogConfig(env, cwd, defaults);
  } catch (err) {
    if (!(err instanceof SluiceError)) throw err;
    const detail = err.message.replace(/^invalid configuration:\n\s*/, '').replace(/\n\s*/g, '; ');
    const hint = env['fprocess'] ? '' : ' (set envProcess (fprocess) to a program on this host, e.g. "cat", or deploy a bundle with `sluice up`)';
    throw errors.badRequest(`function "${name}": ${detail}${hint}`);
  }
}

/**
 * Splits fprocess on spaces (no shell, as the watchdogs do) and checks the program exists, so a typo
 * fails the deploy instead of every call. `node` means the Node that runs Sluice.
 */
async function resolveArgv(name: string, fprocess: readonly string[], searchPath: string, cwd: string): Promise<string[]> {
  const [program, ...args] = fprocess as [string, ...string[]];
  if (program === 'node') return [process.execPath, ...args];
  const candidates = program.includes('/') ? [path.resolve(cwd, program)] : searchPath.split(':').filter(Boolean).map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return [candidate, ...args];
  }
  throw errors.badRequest(`function "${name}": fprocess program "${program}" was not found on this host's PATH`);
}
