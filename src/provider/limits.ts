import { errors, type FunctionDeployment } from '../api/index.js';

/** An amount of memory and CPU in plain numbers: a deployment's `limits` or its `requests`. */
export interface Resources {
  /** Bytes of memory (`memory`). */
  readonly memoryBytes?: number;
  /** Cores (`cpu`: `500m` is 0.5). */
  readonly cpus?: number;
}

/**
 * What a function's replicas may use (`limits` of its deployment, the fields at the top) and what
 * the kernel keeps for them when the host is short (`requests`). Set when either is, so whatever
 * gives a replica its control groups for limits gives them for requests alone too.
 */
export interface ResourceLimits extends Resources {
  /** `requests`: a share of the CPU under contention, memory reclaimed from others first. */
  readonly requests?: Resources;
}

/** Kubernetes quantity suffixes, as OpenFaaS passes `limits.memory` on. */
const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};
/** Below this a runtime cannot even start: surely a unit was forgotten (`128` for 128Mi). */
const MIN_MEMORY_BYTES = 16 * 2 ** 20;

/**
 * The deployment's `limits` and `requests`, checked: a value that does not parse is a 400 naming
 * it, and so is a request above its limit (Kubernetes refuses it too). Undefined when it has neither.
 */
export function resolveLimits(dep: FunctionDeployment): ResourceLimits | undefined {
  const limits = resolveResources(dep.service, 'limits', dep.limits);
  const requests = resolveResources(dep.service, 'requests', dep.requests);
  if (!requests) return limits;
  checkWithinLimits(dep, limits ?? {}, requests);
  return { ...limits, requests };
}

/** `128Mi` and the like, as a person writes it back. */
export function formatMemory(bytes: number): string {
  for (const unit of ['Gi', 'Mi', 'Ki'] as const) {
    const size = MEMORY_UNITS[unit] as number;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * What a call is told when the kernel killed its process for going over the memory limit: a
 * replica's process or, in the per-call modes, the call's own (see process-replica.ts, call-slot.ts).
 */
export function memoryKillReason(limitBytes: number): string {
  return `was killed for using more than its memory limit of ${formatMemory(limitBytes)} (limits.memory)`;
}

/** What a call is told when a Node process ran out of the heap its memory limit leaves it (`--max-old-space-size`). */
export function heapExhaustedReason(heapMiB: string | undefined, limitBytes: number): string {
  return `ran out of memory: its JavaScript heap is bounded to ${heapMiB ?? '?'} MiB of its ${formatMemory(limitBytes)} (limits.memory)`;
}

type ResourceKey = 'limits' | 'requests';

/** One of the deployment's `limits` or `requests`, parsed; undefined when it sets neither value. */
function resolveResources(name: string, key: ResourceKey, given: { memory?: string; cpu?: string } | undefined): Resources | undefined {
  const { memory, cpu } = given ?? {};
  const out: { memoryBytes?: number; cpus?: number } = {};
  if (memory) out.memoryBytes = memoryBytes(name, key, memory);
  if (cpu) out.cpus = cpus(name, key, cpu);
  return out.memoryBytes === undefined && out.cpus === undefined ? undefined : out;
}

/** A request above its limit is a 400 naming both, as written. */
function checkWithinLimits(dep: FunctionDeployment, limits: Resources, requests: Resources): void {
  const fields = { memory: 'memoryBytes', cpu: 'cpus' } as const;
  for (const [resource, field] of Object.entries(fields) as ['memory' | 'cpu', keyof Resources][]) {
    const limit = limits[field];
    const request = requests[field];
    if (limit === undefined || request === undefined || request <= limit) continue;
    throw errors.badRequest(
      `function "${dep.service}": requests.${resource} "${dep.requests?.[resource]}" is more than limits.${resource} "${dep.limits?.[resource]}": a request cannot exceed its limit`,
    );
  }
}

function memoryBytes(name: string, key: ResourceKey, text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKMGT]i?)?$/.exec(text.trim());
  const unit = MEMORY_UNITS[match?.[2] ?? ''];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!(bytes >= MIN_MEMORY_BYTES)) {
    throw errors.badRequest(`function "${name}": ${key}.memory "${text}" is not a memory size of at least 16Mi: write it as Kubernetes does, e.g. 128Mi or 1Gi`);
  }
  return bytes;
}

function cpus(name: string, key: ResourceKey, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 1000 : 1) : NaN;
  if (!(value > 0)) throw errors.badRequest(`function "${name}": ${key}.cpu "${text}" is not a CPU amount: write cores (0.5, 2) or millicores (500m)`);
  return value;
}

/**
 * What the function's log says when its limits (or requests) cannot be enforced here (`noGroups`:
 * why the host has no control groups; a spec without argv runs no process to confine), and what
 * still applies.
 */
export function unenforcedLimits(
  spec: { argv: readonly string[]; env: Readonly<Record<string, string>>; config: { mode: string }; limits?: ResourceLimits },
  noGroups: string | undefined,
): string | undefined {
  const why = noGroups ?? (spec.argv.length === 0 ? `${spec.config.mode} mode runs no process of its own` : undefined);
  if (why === undefined) return undefined;
  const heap = spec.env['NODE_OPTIONS']?.includes('--max-old-space-size') ? ' (its Node heap is still bounded)' : '';
  return `${whatIsSet(spec.limits)} not enforced: ${why}${heap}`;
}

function whatIsSet(limits: ResourceLimits | undefined): string {
  if (!limits?.requests) return 'limits';
  return limits.memoryBytes === undefined && limits.cpus === undefined ? 'requests' : 'limits and requests';
}
