import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { FINISHED, IDEMPOTENCY_WINDOW_MS, type CallRecord, type CallResult, type CallStatus } from '../api/index.js';
import { connectJetStream, forgetKey, isWrongLastSequence, type JetStreamOptions } from './jetstream-admin.js';
import { encodeToken, jetStreamNames, type JetStreamNames } from './jetstream-names.js';
import { ResultStore } from './jetstream-results.js';
import type { CallFilter, CallStore } from './types.js';

const DEFAULT_LIMIT = 100;
/** Gets in flight at once while scanning every record. */
const SCAN_PARALLEL = 64;
/** Revision-checked writes lost to other writers in a row before giving up (real contention is a few). */
const MAX_CONFLICTS = 100;

/** A calls-bucket value: the record, and the idempotency key it was created with (freed with it). */
interface StoredCall {
  record: CallRecord;
  idempotencyKey?: string;
}

/** An idempotency-bucket value: the call a key maps to, from when (its `timings.queued`). */
interface IdempotencyClaim {
  callId: string;
  at: number;
}

/**
 * Call records in JetStream KV, shared by every node (architecture §4). Keys are call ids through
 * encodeToken. Idempotency keys are claimed with KV `create`, which the server makes atomic: of two
 * nodes creating calls with the same key at once, one wins and the other answers with its call id.
 * Status changes are revision-checked updates, retried on conflict.
 */
export class KvCallStore implements CallStore {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #names: JetStreamNames;
  readonly #calls: KV;
  readonly #keys: KV;
  readonly #results: ResultStore;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, names: JetStreamNames, calls: KV, keys: KV, results: ResultStore) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#names = names;
    this.#calls = calls;
    this.#keys = keys;
    this.#results = results;
  }

  /** Connects (a connection of its own, closed by close()) and makes sure the buckets exist. */
  static async connect(servers: string, options: JetStreamOptions = {}): Promise<KvCallStore> {
    const nc = await connectJetStream(servers, 'calls');
    try {
      const names = jetStreamNames(options.namespace);
      const replicas = options.replicas ?? 1;
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const kvm = new Kvm(js);
      const calls = await kvm.create(names.callsBucket, { history: 1, replicas });
      // Entries outlive the window by nothing: the server drops a key 24 h after its last write.
      const keys = await kvm.create(names.idempotencyBucket, { history: 1, replicas, ttl: IDEMPOTENCY_WINDOW_MS });
      const results = new ResultStore(
        await kvm.create(names.resultsBucket, { history: 1, replicas }),
        await new Objm(js).create(names.largeResultsBucket, { replicas }),
        jsm,
        names.resultsBucket,
      );
      return new KvCallStore(nc, jsm, names, calls, keys, results);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  async create(record: CallRecord, idempotencyKey?: string): Promise<string> {
    let claim: number | undefined;
    if (idempotencyKey !== undefined) {
      const outcome = await this.#claim(idempotencyKey, { callId: record.callId, at: Date.parse(record.timings.queued) });
      if (typeof outcome === 'string') return outcome;
      claim = outcome;
    }
    const stored: StoredCall = idempotencyKey === undefined ? { record } : { record, idempotencyKey };
    try {
      await this.#calls.create(encodeToken(record.callId), JSON.stringify(stored));
    } catch (err) {
      // The call id exists already (a repeated X-Call-Id): the first record stays, as in SQLite.
      if (isWrongLastSequence(err)) return record.callId;
      // Frees the key for a retry, unless someone else holds it by now. Best effort: the error that
      // matters is the one thrown below.
      if (claim !== undefined && idempotencyKey !== undefined) await this.#keys.delete(encodeToken(idempotencyKey), { previousSeq: claim }).catch(() => {});
      throw err;
    }
    return record.callId;
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    return (await this.#read(callId))?.stored.record;
  }

  async put(record: CallRecord): Promise<void> {
    await this.#edit(record.callId, (stored) => ({ ...stored, record }));
  }

  async transition(callId: string, from: readonly CallStatus[], change: (record: CallRecord) => CallRecord): Promise<CallRecord | undefined> {
    const next = await this.#edit(callId, (stored) => (from.includes(stored.record.status) ? { ...stored, record: change(stored.record) } : undefined));
    return next?.record;
  }

  async remove(callId: string): Promise<void> {
    const found = await this.#read(callId);
    if (found) await this.#forget(found.stored);
    else await this.#results.delete(callId);
  }

  /**
   * Reads every record (one get per call, SCAN_PARALLEL at a time), then filters and sorts: O(all
   * calls kept) per list. KV has no index; prune() keeps the number of calls bounded.
   */
  async list(filter: CallFilter): Promise<CallRecord[]> {
    const records = (await this.#scan())
      .map((stored) => stored.record)
      .filter(
        (r) =>
          (filter.function === undefined || r.function === filter.function) &&
          (filter.status === undefined || r.status === filter.status) &&
          (filter.parent === undefined || r.parentCallId === filter.parent),
      );
    records.sort((a, b) => Date.parse(b.timings.queued) - Date.parse(a.timings.queued) || (a.callId < b.callId ? 1 : -1));
    return records.slice(0, filter.limit ?? DEFAULT_LIMIT);
  }

  putResult(callId: string, result: CallResult): Promise<void> {
    return this.#results.put(callId, result);
  }

  getResult(callId: string): Promise<CallResult | undefined> {
    return this.#results.get(callId);
  }

  /** A scan of every record (as list()), then a few deletes per pruned call. */
  async prune(before: number): Promise<number> {
    let pruned = 0;
    for (const stored of await this.#scan()) {
      const { record } = stored;
      const at = Date.parse(record.timings.finished ?? record.timings.queued);
      if (!FINISHED.has(record.status) || at >= before) continue;
      await this.#forget(stored);
      pruned++;
    }
    return pruned;
  }

  async close(): Promise<void> {
    if (!this.#nc.isClosed()) await this.#nc.drain();
  }

  // --- internal ---

  /**
   * Claims `key` for this call: returns the claim's revision, or the id of the call that already
   * holds the key within IDEMPOTENCY_WINDOW_MS. A stale claim (older than the window, not yet
   * expired by the bucket's TTL) is taken over with a revision-checked update.
   */
  async #claim(key: string, claim: IdempotencyClaim): Promise<number | string> {
    const token = encodeToken(key);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      try {
        return await this.#keys.create(token, JSON.stringify(claim));
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
      const held = await this.#keys.get(token);
      if (!held || held.operation !== 'PUT') continue; // freed in between: create again
      const first = held.json<IdempotencyClaim>();
      if (first.at >= Date.now() - IDEMPOTENCY_WINDOW_MS) return first.callId;
      try {
        return await this.#keys.update(token, JSON.stringify(claim), held.revision);
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new Error(`idempotency key "${key}": ${MAX_CONFLICTS} conflicting writes in a row`);
  }

  async #read(callId: string): Promise<{ stored: StoredCall; revision: number } | undefined> {
    const entry = await this.#calls.get(encodeToken(callId));
    return live(entry) ? { stored: entry.json<StoredCall>(), revision: entry.revision } : undefined;
  }

  /** Read, change, write back if nobody wrote in between; else again. `edit` returning undefined: no change. */
  async #edit(callId: string, edit: (stored: StoredCall) => StoredCall | undefined): Promise<StoredCall | undefined> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const found = await this.#read(callId);
      const next = found && edit(found.stored);
      if (!found || !next) return undefined;
      try {
        await this.#calls.update(encodeToken(callId), JSON.stringify(next), found.revision);
        return next;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new Error(`call ${callId}: ${MAX_CONFLICTS} conflicting writes in a row`);
  }

  /** Deletes a call's result, its idempotency key (when it still maps to this call), then its record. */
  async #forget(stored: StoredCall): Promise<void> {
    const { callId } = stored.record;
    await this.#results.delete(callId);
    if (stored.idempotencyKey !== undefined) {
      const token = encodeToken(stored.idempotencyKey);
      const held = await this.#keys.get(token);
      if (live(held) && held.json<IdempotencyClaim>().callId === callId) await forgetKey(this.#jsm, this.#names.idempotencyBucket, token);
    }
    await forgetKey(this.#jsm, this.#names.callsBucket, encodeToken(callId));
  }

  async #scan(): Promise<StoredCall[]> {
    const tokens: string[] = [];
    for await (const token of await this.#calls.keys()) tokens.push(token);
    const found: StoredCall[] = [];
    for (let i = 0; i < tokens.length; i += SCAN_PARALLEL) {
      const entries = await Promise.all(tokens.slice(i, i + SCAN_PARALLEL).map((token) => this.#calls.get(token)));
      for (const entry of entries) if (live(entry)) found.push(entry.json<StoredCall>());
    }
    return found;
  }
}

/** An entry holding a value (not a delete or purge marker). */
function live(entry: KvEntry | null): entry is KvEntry {
  return entry !== null && entry.operation === 'PUT';
}
