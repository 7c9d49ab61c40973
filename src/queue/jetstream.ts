import {
  AckPolicy,
  JetStreamApiCodes,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { headers, millis, nanos, type NatsConnection } from '@nats-io/transport-node';
import { tracked } from './consumer.js';
import { connectJetStream, ensureStream, hasCode, type JetStreamOptions } from './jetstream-admin.js';
import { DeadLetterStream } from './jetstream-dead.js';
import { ID_HEADER, encodeHeader, jetStreamNames, type JetStreamNames } from './jetstream-names.js';
import { JetStreamSubscription, type ConsumerSetup } from './jetstream-subscription.js';
import type { AsyncQueue, ConsumeOptions, DeadLetter, Delivery, Subscription } from './types.js';

const DEFAULT_LEASE_MS = 30_000;
/**
 * How long the server remembers a message id (Nats-Msg-Id) to drop a second enqueue of it. SQLite
 * refuses a duplicate for as long as the first message is in the queue; JetStream only within this
 * window (it keeps every id of the window in memory). Past it, the same id enqueued again while the
 * first still waits is stored twice, and within it an id whose message was already acked is dropped.
 * Retries of one enqueue (the case this is for) come within seconds.
 */
const DEDUP_WINDOW_MS = 2 * 60_000;
/**
 * The durable's cap on deliveries out at once, across all nodes: each node's `concurrency` is the
 * real limit, this only has to stay above their sum.
 */
const MAX_ACK_PENDING = 10_000;

export interface JetStreamQueueOptions extends JetStreamOptions {
  /** Pull and setup failures, which the subscriptions retry. @default process.emitWarning */
  readonly onError?: (err: unknown) => void;
}

/**
 * The async queue on NATS JetStream (architecture §4), shared by every node connected to the same
 * server or cluster. One work-queue stream holds every named queue (one subject each), one durable
 * pull consumer per queue hands them out, an ack removes a message. Dead letters are a second stream
 * (jetstream-dead.ts); leases are the consumer's ack_wait plus jetstream-lease.ts.
 */
export class JetStreamQueue implements AsyncQueue {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: JetStreamNames;
  readonly #dead: DeadLetterStream;
  readonly #onError: (err: unknown) => void;
  readonly #subscriptions = new Set<Subscription>();

  private constructor(nc: NatsConnection, jsm: JetStreamManager, names: JetStreamNames, options: JetStreamQueueOptions) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#names = names;
    this.#dead = new DeadLetterStream(this.#js, jsm, names);
    this.#onError = options.onError ?? ((err) => process.emitWarning(err instanceof Error ? err : String(err), 'SluiceQueueWarning'));
  }

  /** Connects (a connection of its own, closed by close()) and makes sure the streams exist. */
  static async connect(servers: string, options: JetStreamQueueOptions = {}): Promise<JetStreamQueue> {
    const nc = await connectJetStream(servers, 'queue');
    try {
      const names = jetStreamNames(options.namespace);
      const jsm = await jetstreamManager(nc);
      const queue = new JetStreamQueue(nc, jsm, names, options);
      await queue.#ensureStreams(options.replicas ?? 1);
      return queue;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /**
   * Resolves on the server's publish ack: the message is in the stream's file store (and, with
   * replicas, on a quorum of servers). It survives a crash of the server process, not necessarily a
   * power cut of a single server: nats-server 2.9 fsyncs its files every 2 minutes, not per message
   * (unlike SQLite's fdatasync before enqueue resolves). Replicas cover that in a cluster.
   */
  async enqueue(queue: string, id: string, body: Buffer): Promise<void> {
    const h = headers();
    h.set(ID_HEADER, encodeHeader(id));
    await this.#js.publish(this.#names.queueSubject(queue), body, { msgID: id, headers: h });
  }

  consume(queue: string, opts: ConsumeOptions, handler: (delivery: Delivery) => Promise<void>): Subscription {
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const subscription = new JetStreamSubscription(
      { queue, concurrency: opts.concurrency, leaseMs, dead: this.#dead, onError: this.#onError },
      () => this.#prepareConsumer(queue, leaseMs, opts.concurrency),
      handler,
    );
    return tracked(this.#subscriptions, subscription);
  }

  /** A work-queue stream keeps exactly the unacked messages: waiting, delayed for a retry, or running. */
  async depth(queue: string): Promise<number> {
    const subject = this.#names.queueSubject(queue);
    const info = await this.#jsm.streams.info(this.#names.queueStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  async deadLetters(queue?: string): Promise<DeadLetter[]> {
    return (await this.#dead.list(queue)).map((entry) => entry.letter);
  }

  /**
   * Each redriven message gets a Nats-Msg-Id of its own (its dead-letter sequence), so the duplicate
   * window of its first enqueue does not drop it, and a redrive repeated by two nodes at once adds it
   * once. Published before it leaves the dead letters: a crash in between keeps both, never neither.
   */
  async redrive(ids: readonly string[]): Promise<number> {
    const wanted = new Set(ids);
    let moved = 0;
    for (const { seq, letter } of await this.#dead.list()) {
      if (!wanted.has(letter.id)) continue;
      const h = headers();
      h.set(ID_HEADER, encodeHeader(letter.id));
      await this.#js.publish(this.#names.queueSubject(letter.queue), letter.body, { msgID: `${letter.id}#dead-${seq}`, headers: h });
      if (await this.#dead.remove(seq)) moved++;
    }
    return moved;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    this.#subscriptions.clear();
    if (!this.#nc.isClosed()) await this.#nc.drain();
  }

  // --- internal ---

  async #ensureStreams(replicas: number): Promise<void> {
    await ensureStream(this.#jsm, {
      name: this.#names.queueStream,
      subjects: [this.#names.allQueueSubjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(DEDUP_WINDOW_MS),
      num_replicas: replicas,
    });
    await this.#dead.ensure(replicas);
  }

  /**
   * The queue's durable consumer, made by the first node that consumes it. An existing one keeps its
   * ack_wait (see jetstream-lease.ts for why); only a too-small max_ack_pending is raised.
   */
  async #prepareConsumer(queue: string, leaseMs: number, concurrency: number): Promise<ConsumerSetup> {
    const durable = this.#names.consumerName(queue);
    let info: ConsumerInfo;
    try {
      info = await this.#jsm.consumers.info(this.#names.queueStream, durable);
    } catch (err) {
      if (!hasCode(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      info = await this.#jsm.consumers.add(this.#names.queueStream, {
        durable_name: durable,
        filter_subject: this.#names.queueSubject(queue),
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(leaseMs),
        max_ack_pending: Math.max(MAX_ACK_PENDING, concurrency),
        // Retries are the worker's business (nack with backoff, then deadLetter), not the server's.
        max_deliver: -1,
      });
    }
    const cap = info.config.max_ack_pending ?? -1;
    if (cap !== -1 && cap < concurrency) {
      info = await this.#jsm.consumers.update(this.#names.queueStream, durable, { max_ack_pending: concurrency });
    }
    return { consumer: await this.#js.consumers.get(this.#names.queueStream, durable), ackWaitMs: millis(info.config.ack_wait ?? nanos(leaseMs)) };
  }
}
