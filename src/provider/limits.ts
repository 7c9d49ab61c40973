import { errors, type FunctionDeployment } from '../api/index.js';

/** What a function's replicas may use (`limits` of its deployment), in plain numbers. */
export interface ResourceLimits {
  /** Bytes of memory (`limits.memory`). */
  readonly memoryBytes?: number;
  /** Cores (`limits.cpu`: `500m` is 0.5). */
  readonly cpus?: number;
}

/** Kubernetes quantity suffixes, as OpenFaaS passes `limits.memory` on. */
const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};
/** Below this a runtime cannot even start: surely a unit was forgotten (`128` for 128Mi). */
const MIN_MEMORY_BYTES = 16 * 2 ** 20;

/** The deployment's `limits`, checked: a value that does not parse is a 400 naming it. */
export function resolveLimits(dep: FunctionDeployment): ResourceLimits | undefined {
  const { memory, cpu } = dep.limits ?? {};
  const limits: { memoryBytes?: number; cpus?: number } = {};
  if (memory) limits.memoryBytes = memoryBytes(dep.service, memory);
  if (cpu) limits.cpus = cpus(dep.service, cpu);
  return limits.memoryBytes === undefined && limits.cpus === undefined ? undefined : limits;
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

function memoryBytes(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKMGT]i?)?$/.exec(text.trim());
  const unit = MEMORY_UNITS[match?.[2] ?? ''];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!(bytes >= MIN_MEMORY_BYTES)) {
    throw errors.badRequest(`function "${name}": limits.memory "${text}" is not a memory size of at least 16Mi: write it as Kubernetes does, e.g. 128Mi or 1Gi`);
  }
  return bytes;
}

function cpus(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 1000 : 1) : NaN;
  if (!(value > 0)) throw errors.badRequest(`function "${name}": limits.cpu "${text}" is not a CPU amount: write cores (0.5, 2) or millicores (500m)`);
  return value;
}

/**
 * What the function's log says when its limits cannot be enforced here (`noGroups`: why the host has
 * no control groups; a spec without argv runs no process to confine), and what still applies.
 */
export function unenforcedLimits(spec: { argv: readonly string[]; env: Readonly<Record<string, string>>; config: { mode: string } }, noGroups: string | undefined): string | undefined {
  const why = noGroups ?? (spec.argv.length === 0 ? `${spec.config.mode} mode runs no process of its own` : undefined);
  if (why === undefined) return undefined;
  const heap = spec.env['NODE_OPTIONS']?.includes('--max-old-space-size') ? ' (its Node heap is still bounded)' : '';
  return `limits not enforced: ${why}${heap}`;
}
