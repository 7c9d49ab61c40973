import type { JetStreamOptions } from './jetstream-admin.js';
import type { AsyncBackend } from './types.js';

/**
 * The shared backend (architecture §4, §6): queue, call records and blobs on a NATS JetStream server
 * or cluster (`url`: one or more comma-separated `nats://` URLs). Streams and buckets are created
 * when missing, so any node may be the first, and nodes opening at once end up with the same ones.
 * Each store has a connection of its own: a 32 MiB result upload never waits in front of a queue ack.
 *
 * The stores are imported here, not at the top: the NATS client takes about 160 ms to load, which a
 * gateway on the SQLite backend should not pay for importing the queue module.
 */
export async function openJetStreamBackend(url: string, options: JetStreamOptions = {}): Promise<AsyncBackend> {
  const [{ JetStreamQueue }, { KvCallStore }, { ObjectBlobStore }] = await Promise.all([
    import('./jetstream.js'),
    import('./jetstream-calls.js'),
    import('./jetstream-blobs.js'),
  ]);
  const opened: { close(): Promise<void> }[] = [];
  try {
    const queue = await JetStreamQueue.connect(url, options);
    opened.push(queue);
    const calls = await KvCallStore.connect(url, options);
    opened.push(calls);
    const blobs = await ObjectBlobStore.connect(url, options);
    opened.push(blobs);
    return {
      kind: 'jetstream',
      sharedCommit: false,
      queue,
      calls,
      blobs,
      close: async () => {
        // The queue first: its running handlers may still write records and blobs.
        await queue.close();
        await Promise.all([calls.close(), blobs.close()]);
      },
    };
  } catch (err) {
    await Promise.all(opened.map((store) => store.close()));
    throw err;
  }
}
