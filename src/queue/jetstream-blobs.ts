import { jetstream } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectJetStream, type JetStreamOptions } from './jetstream-admin.js';
import { jetStreamNames } from './jetstream-names.js';
import type { BlobStore } from './types.js';

/**
 * Blobs in a JetStream object store bucket, chunked (so any size, past NATS's 1 MB payload) and
 * shared by every node. Names are call ids as they are: the object store encodes them itself.
 */
export class ObjectBlobStore implements BlobStore {
  readonly #nc: NatsConnection;
  readonly #objects: ObjectStore;

  private constructor(nc: NatsConnection, objects: ObjectStore) {
    this.#nc = nc;
    this.#objects = objects;
  }

  /** Connects (a connection of its own, closed by close()) and makes sure the bucket exists. */
  static async connect(servers: string, options: JetStreamOptions = {}): Promise<ObjectBlobStore> {
    const nc = await connectJetStream(servers, 'blobs');
    try {
      const bucket = jetStreamNames(options.namespace).blobsBucket;
      return new ObjectBlobStore(nc, await new Objm(jetstream(nc)).create(bucket, { replicas: options.replicas ?? 1 }));
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Resolves once the last chunk and the object's metadata are acked by the server. */
  async put(id: string, data: Buffer): Promise<void> {
    await this.#objects.putBlob({ name: id }, data);
  }

  async get(id: string): Promise<Buffer | undefined> {
    const data = await this.#objects.getBlob(id);
    return data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : undefined;
  }

  /** The object store keeps a small "deleted" marker per name. */
  async delete(id: string): Promise<void> {
    await this.#objects.delete(id);
  }

  async close(): Promise<void> {
    if (!this.#nc.isClosed()) await this.#nc.drain();
  }
}
