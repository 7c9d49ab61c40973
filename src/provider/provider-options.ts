import type { Registry as MetricsRegistry } from 'prom-client';
import type { RuntimeMode } from '../api/index.js';
import type { InGatewayRuntimeFactory } from './in-gateway.js';

/** One line a replica wrote, with where it came from. */
export interface ReplicaLogLine {
  readonly function: string;
  readonly instance: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  readonly callId?: string;
}

export interface ProviderOptions {
  readonly dataDir: string;
  readonly execTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  /** How long a call waits for a ready replica; also the startup limit of a replica. */
  readonly replicaWaitMs: number;
  /** The part of the host env functions may see (PATH, HOME, LANG…). */
  readonly hostEnv: Readonly<Record<string, string>>;
  readonly log: (line: ReplicaLogLine) => void;
  /** Runtimes for functions that run in this process, by mode (`workflow`). */
  readonly runtimes?: Partial<Record<RuntimeMode, InGatewayRuntimeFactory>>;
  /** This node's labels, for `constraints` besides its OS, architecture and hostname (env `node_labels`). @default none */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** How much of each function's output is kept: lines in memory, and the size its file rotates at. @default 1000 lines, 10 MiB */
  readonly functionLogs?: { readonly lines: number; readonly fileBytes: number };
  /** Whether limits and requests may use the host's control groups; off, as on a host without them. @default true */
  readonly cgroups?: boolean;
  /** Where the functions' metrics are registered (the gateway serves it at /metrics). @default a registry of its own */
  readonly metrics?: MetricsRegistry;
}
