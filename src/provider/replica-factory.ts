import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { CallSlot } from './call-slot.js';
import type { Cgroups } from './cgroups.js';
import type { InGatewayRuntime } from './in-gateway.js';
import { ProcessReplica } from './process-replica.js';
import type { Replica, ReplicaEvents } from './replica.js';
import type { RuntimeSpec } from './runtime-spec.js';
import type { RuntimeMode } from '../api/index.js';

/** What every replica of this node is made with. */
export interface ReplicaFactoryOptions {
  /** Where http-mode replicas' sockets go. */
  readonly runDir: string;
  /** How long an http-mode replica may take to accept connections. */
  readonly startupTimeoutMs: number;
  /** The host's control groups for `limits`; undefined where there are none. */
  readonly cgroups: Cgroups | undefined;
  /** Runtimes of the functions that run in the gateway's process, by mode. */
  readonly runtimes: ReadonlyMap<RuntimeMode, InGatewayRuntime>;
}

/**
 * Makes the replicas of a function: a long-lived process for http mode, a call slot for the modes
 * that spawn a process per call, serve files, or run in the gateway (a workflow's runtime).
 */
export function replicaFactory(events: ReplicaEvents, opts: ReplicaFactoryOptions): (spec: RuntimeSpec) => Replica {
  return (spec) => {
    if (spec.config.mode === 'http') {
      return new ProcessReplica(spec, events, { runDir: opts.runDir, startupTimeoutMs: opts.startupTimeoutMs, ...(opts.cgroups ? { cgroups: opts.cgroups } : {}) });
    }
    const runtime = opts.runtimes.get(spec.config.mode);
    return new CallSlot(spec, events, runtime && ((log) => runtime.handler(spec, log)), opts.cgroups);
  };
}

/** Replica sockets live in the data dir unless its path is too long for a Unix socket (107 bytes). */
export function replicaRunDir(dataDir: string): string {
  const inData = path.join(dataDir, 'run');
  if (inData.length + '/01234567.sock'.length <= 100) return inData;
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `sluice-${digest}`);
}
