/**
 * What every JetStream store does first: connect, and make sure its streams exist, even when several
 * nodes open the same server at the same moment.
 */
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** What the JetStream stores accept besides the server URL. */
export interface JetStreamOptions {
  /** Prefix of every stream and bucket name (see jetstream-names.ts). @default 'sluice' */
  readonly namespace?: string;
  /** Copies of each stream in a NATS cluster (architecture §6). @default 1 */
  readonly replicas?: number;
}

/** The server answered "stream name already in use" (with another config: created by another node first). */
const STREAM_NAME_IN_USE = 10058;

/**
 * A connection of its own per store, named for `nats server report connections`. It retries forever
 * when the server goes away: the gateway outlives a NATS restart instead of losing its queue.
 */
export function connectJetStream(servers: string, role: string): Promise<NatsConnection> {
  return connect({ servers: servers.split(','), name: `sluice-${role}`, maxReconnectAttempts: -1 });
}

/**
 * The stream as configured, or as another node already made it. The existing config is kept as it
 * is: a node with other settings (an older version, other replicas) must not rewrite a stream every
 * other node uses.
 */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<StreamInfo> {
  try {
    return await jsm.streams.info(config.name);
  } catch (err) {
    if (!hasCode(err, JetStreamApiCodes.StreamNotFound)) throw err;
  }
  try {
    // Two nodes adding the same config both succeed; with different configs the second is told
    // the name is in use, and takes the first one's stream.
    return await jsm.streams.add(config);
  } catch (err) {
    if (!hasCode(err, STREAM_NAME_IN_USE)) throw err;
    return jsm.streams.info(config.name);
  }
}

/**
 * Removes a KV key and every trace of it. `kv.delete()`/`kv.purge()` leave a marker per key forever;
 * purging its subject from the bucket's stream leaves nothing (KV streams are `KV_<bucket>`, subjects
 * `$KV.<bucket>.<key>`: the KV spec, ADR-8).
 */
export async function forgetKey(jsm: JetStreamManager, bucket: string, key: string): Promise<void> {
  await jsm.streams.purge(`KV_${bucket}`, { filter: `$KV.${bucket}.${key}` });
}

/** A JetStream API error with this code (see JetStreamApiCodes). */
export function hasCode(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** A revision-checked write lost to another writer: read again and retry. */
export function isWrongLastSequence(err: unknown): boolean {
  return hasCode(err, JetStreamApiCodes.StreamWrongLastSequence);
}
