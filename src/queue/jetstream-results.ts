import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { forgetKey } from './jetstream-admin.js';
import { encodeToken } from './jetstream-names.js';
import type { CallResult } from '../api/index.js';

/**
 * Largest body kept inside the KV entry. NATS's max payload (1 MB by default) bounds one message;
 * the rest of it is left for the status and headers.
 */
const INLINE_MAX = 256 * 1024;

interface ResultHead {
  status: number;
  headers: Record<string, string>;
  /** The body is the object named after the call id in the large-results object store. */
  large?: true;
}

/**
 * Call results, byte-exact, up to any size (32 MiB results and more): a KV entry per call holds
 * the status and headers, and the body when it is small (one message to write, one to read). A
 * larger body goes to the object store (chunked), written before the entry that points to it, so a
 * reader never finds an entry without its body.
 */
export class ResultStore {
  readonly #kv: KV;
  readonly #objects: ObjectStore;
  readonly #jsm: JetStreamManager;
  readonly #bucket: string;

  constructor(kv: KV, objects: ObjectStore, jsm: JetStreamManager, bucket: string) {
    this.#kv = kv;
    this.#objects = objects;
    this.#jsm = jsm;
    this.#bucket = bucket;
  }

  async put(callId: string, result: CallResult): Promise<void> {
    const large = result.body.length > INLINE_MAX;
    const head: ResultHead = { status: result.status, headers: result.headers, ...(large ? { large: true } : {}) };
    if (large) await this.#objects.putBlob({ name: callId }, result.body);
    await this.#kv.put(encodeToken(callId), frame(head, large ? undefined : result.body));
  }

  async get(callId: string): Promise<CallResult | undefined> {
    const entry = await this.#kv.get(encodeToken(callId));
    if (!entry || entry.operation !== 'PUT') return undefined;
    const { head, body } = unframe(entry.value);
    if (!head.large) return { status: head.status, headers: head.headers, body };
    const stored = await this.#objects.getBlob(callId);
    // Pruned between the two reads: gone, as the entry is now.
    return stored ? { status: head.status, headers: head.headers, body: Buffer.from(stored) } : undefined;
  }

  /**
   * Deletes the object too whatever the entry says: a large result overwritten by a small one left
   * it behind. (The object store keeps a small "deleted" marker per name.)
   */
  async delete(callId: string): Promise<void> {
    await forgetKey(this.#jsm, this.#bucket, encodeToken(callId));
    await this.#objects.delete(callId);
  }
}

// --- internal ---

/** The head as one JSON line (JSON.stringify escapes every newline inside it), then the body's bytes. */
function frame(head: ResultHead, body: Buffer | undefined): Buffer {
  const line = Buffer.from(`${JSON.stringify(head)}\n`);
  return body ? Buffer.concat([line, body]) : line;
}

function unframe(value: Uint8Array): { head: ResultHead; body: Buffer } {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const end = bytes.indexOf(0x0a);
  return { head: JSON.parse(bytes.subarray(0, end).toString()) as ResultHead, body: Buffer.from(bytes.subarray(end + 1)) };
}
