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

/**
 * What a call is told when a process died for want of memory under its rlimit (confine.ts): where
 * Sluice has no control groups, `limits.memory` bounds each process by itself.
 */
export function rlimitExhaustedReason(limitBytes: number): string {
  return `ran out of memory: each of its processes may have at most ${formatMemory(limitBytes)} (limits.memory, enforced per process with an rlimit)`;
}

/** The `--max-old-space-size` Sluice (or the function) gave its Node processes, in MiB. */
export function heapBoundOf(env: Readonly<Record<string, string>>): string | undefined {
  return /--max-old-space-size=(\d+)/.exec(env['NODE_OPTIONS'] ?? '')?.[1];
}

/** What dying for want of memory looks like on stderr: V8, Node, C++, Python, Go, Java, strerror(ENOMEM), coreutils. */
const OUT_OF_MEMORY = /out of memory|OutOfMemory|MemoryError|bad_alloc|Cannot allocate memory|memory exhausted|allocation failed|failed to allocate/i;
/** V8 at the bound `--max-old-space-size` set ("Reached heap limit", "Ineffective mark-compacts near heap limit"), not a refused mapping. */
const HEAP_LIMIT = /heap limit Allocation failed/;

/**
 * Why a failed process under the rlimit died of memory, read from the end of its stderr: V8 at its
 * heap bound, or an allocation the rlimit refused (the process fails in its own way; no kernel kill
 * to count). Undefined when its stderr says nothing of memory.
 */
export function rlimitDeathReason(stderr: string, spec: { env: Readonly<Record<string, string>> }, limitBytes: number): string | undefined {
  return heapDeathReason(stderr, spec, limitBytes) ?? (OUT_OF_MEMORY.test(stderr) ? rlimitExhaustedReason(limitBytes) : undefined);
}

/** Why a Node process died, when its stderr says V8 reached the heap bound its limit leaves it (`--max-old-space-size`). */
export function heapDeathReason(stderr: string, spec: { env: Readonly<Record<string, string>> }, limitBytes: number): string | undefined {
  return HEAP_LIMIT.test(stderr) ? heapExhaustedReason(heapBoundOf(spec.env), limitBytes) : undefined;
}

/** The log line of a replica whose control groups could not be made: what it runs without, and what still bounds it. */
export function groupsFailedNote(message: string, limits: ResourceLimits | undefined): string {
  const rlimit = limits?.memoryBytes === undefined ? '' : '; limits.memory is enforced per process with an rlimit instead';
  return `limits not applied: cannot make its control groups (${message})${rlimit}`;
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

/** Below this a Node process may not start under an rlimit: it maps ~80 MiB once its thread pool runs (confine.ts). */
const NODE_RLIMIT_MIN_BYTES = 128 * 2 ** 20;

/**
 * What the function's log says when its limits (or requests) cannot be enforced here (`noGroups`:
 * why the host has no control groups; a spec without argv runs no process to confine), and what
 * still applies: without groups, `limits.memory` as an rlimit on each process.
 */
export function unenforcedLimits(
  spec: { argv: readonly string[]; env: Readonly<Record<string, string>>; config: { mode: string }; limits?: ResourceLimits },
  noGroups: string | undefined,
): string | undefined {
  const why = noGroups ?? (spec.argv.length === 0 ? `${spec.config.mode} mode runs no process of its own` : undefined);
  if (why === undefined) return undefined;
  const memory = spec.limits?.memoryBytes;
  if (memory !== undefined && spec.argv.length > 0) return rlimitNote(spec, memory, why);
  const heap = heapBoundOf(spec.env) ? ' (its Node heap is still bounded)' : '';
  return `${whatIsSet(spec.limits)} not enforced: ${why}${heap}`;
}

/** Memory bounded by an rlimit: said with what is not bounded, and a warning for a Node function given too little for it. */
function rlimitNote(spec: { env: Readonly<Record<string, string>>; limits?: ResourceLimits }, memory: number, why: string): string {
  const rest = [spec.limits?.cpus !== undefined && 'limits.cpu', spec.limits?.requests && 'requests'].filter(Boolean);
  const unbounded = rest.length ? `; ${rest.join(' and ')} ${rest.length > 1 ? 'are' : 'is'} not enforced` : '';
  const node = heapBoundOf(spec.env) && memory < NODE_RLIMIT_MIN_BYTES ? `; Node maps about 80 MiB before it serves a call, so ${formatMemory(memory)} may be too little for it` : '';
  return `limits.memory is enforced per process with an rlimit (no control groups: ${why})${unbounded}${node}`;
}

function whatIsSet(limits: ResourceLimits | undefined): string {
  if (!limits?.requests) return 'limits';
  return limits.memoryBytes === undefined && limits.cpus === undefined ? 'requests' : 'limits and requests';
}
