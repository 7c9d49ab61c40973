/**
 * The async queue (architecture §4): durable messages in named queues, consumed with a concurrency
 * limit and a lease. Backends: `sqlite.ts` (embedded, the default) and, later, JetStream. Both pass
 * the one contract suite in `contract.case.test.ts`.
 */
import type { CallRecord, CallResult, CallStatus } from '../api/index.js';

/** One message handed to a consumer: its body, which attempt this is, and what to do with it. */
export interface Delivery {
  /** The message id (the call id): enqueueing the same id again does not add a second message. */
  readonly id: string;
  readonly queue: string;
  readonly body: Buffer;
  /** 1 on first delivery, then one more each time it is delivered again. */
  readonly attempt: number;
  /** Done: the message is removed. */
  ack(): Promise<void>;
  /** Not now: delivered again after `delayMs` (a retry with backoff). */
  nack(delayMs: number): Promise<void>;
  /** Still working on it: extends the lease, so a long run is not delivered twice. */
  inProgress(): Promise<void>;
  /** Give up: moved to the dead letters, never delivered again (until redriven). */
  deadLetter(reason: string): Promise<void>;
}

/** A message given up on, as `deadLetters` lists it. */
export interface DeadLetter {
  readonly id: string;
  readonly queue: string;
  readonly body: Buffer;
  readonly attempts: number;
  readonly reason: string;
  /** Unix ms. */
  readonly diedAt: number;
}

export interface ConsumeOptions {
  /** Messages of this queue handled at once (`max_inflight`). */
  readonly concurrency: number;
  /**
   * How long a delivery is held before it is given to another consumer, unless acked, nacked or
   * extended with `inProgress()`. @default 30_000
   */
  readonly leaseMs?: number;
}

/** A running consumer. */
export interface Subscription {
  /** Takes no more messages and resolves once the handlers running now have returned. */
  stop(): Promise<void>;
}

/** The one interface every queue backend implements for real. */
export interface AsyncQueue {
  /** Stores a message; it is durable once this resolves. The same `id` twice is stored once. */
  enqueue(queue: string, id: string, body: Buffer): Promise<void>;
  /**
   * Hands each message of `queue` to `handler`, at most `concurrency` at a time, in the order they
   * became due (oldest first; a retry once its delay is over). A handler that returns without
   * settling its delivery acks it; one that throws nacks it at once.
   */
  consume(queue: string, opts: ConsumeOptions, handler: (delivery: Delivery) => Promise<void>): Subscription;
  /** Messages waiting or running in `queue`. */
  depth(queue: string): Promise<number>;
  /** Given-up messages, oldest first; of one queue, or of all. */
  deadLetters(queue?: string): Promise<DeadLetter[]>;
  /** Puts dead letters back in their queues as new messages (attempts start again); returns how many. */
  redrive(ids: readonly string[]): Promise<number>;
  /** Stops every consumer (see Subscription.stop) and closes the store. */
  close(): Promise<void>;
}

/** Which calls `CallStore.list` returns. */
export interface CallFilter {
  readonly function?: string;
  readonly status?: CallStatus;
  /** The steps of this workflow call: records whose `parentCallId` it is. */
  readonly parent?: string;
  /** @default 100 */
  readonly limit?: number;
}

/**
 * Call records and results (architecture §1: every async call can be read back). Records are the
 * worker's and the gateway's shared view of a call; the queue message stays the source of truth for
 * what still has to run.
 */
export interface CallStore {
  /**
   * Stores the record of a new call and returns its id. With an `idempotencyKey` already used within
   * IDEMPOTENCY_WINDOW_MS (24 h), stores nothing and returns the first call's id instead. A call id
   * that exists already is kept as it is (a client re-sending its own X-Call-Id); no error.
   */
  create(record: CallRecord, idempotencyKey?: string): Promise<string>;
  get(callId: string): Promise<CallRecord | undefined>;
  /** Replaces a record (its one worker holds the call's lease, so read-modify-write is safe). */
  put(record: CallRecord): Promise<void>;
  /**
   * Compare-and-set on the status: applies `change` only when the stored status is one of `from`, and
   * returns the new record; returns undefined (and changes nothing) otherwise. Cancel and a worker
   * starting the same call race through this.
   */
  transition(callId: string, from: readonly CallStatus[], change: (record: CallRecord) => CallRecord): Promise<CallRecord | undefined>;
  /** Forgets a call (a call whose message could not be stored), with its idempotency key. */
  remove(callId: string): Promise<void>;
  /** Newest first. */
  list(filter: CallFilter): Promise<CallRecord[]>;
  putResult(callId: string, result: CallResult): Promise<void>;
  getResult(callId: string): Promise<CallResult | undefined>;
  /** Deletes records, results and idempotency keys of calls finished (or created) before `before` (Unix ms). */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

/** Bodies too large to travel inside a queue message (and large results, where a store needs it). */
export interface BlobStore {
  /** Durable once it resolves. */
  put(id: string, data: Buffer): Promise<void>;
  /** Undefined when there is no such blob. */
  get(id: string): Promise<Buffer | undefined>;
  delete(id: string): Promise<void>;
}

/** A queue backend's three stores, opened and closed together. */
export interface AsyncBackend {
  /** `sqlite` or `jetstream`, for logs and metrics. */
  readonly kind: string;
  /**
   * Writes to `calls` and settlements of `queue` deliveries issued together commit together (one
   * transaction), so they need not be ordered for safety.
   */
  readonly sharedCommit: boolean;
  readonly queue: AsyncQueue;
  readonly calls: CallStore;
  readonly blobs: BlobStore;
  close(): Promise<void>;
}
