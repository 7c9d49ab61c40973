/**
 * One delivery's lease as its consumer asked for it (`leaseMs`), kept on top of the durable
 * consumer's `ack_wait`.
 *
 * Why not just ack_wait: a JetStream lease belongs to the durable consumer, which every node consuming
 * the queue shares, and changing it re-times the messages already out (a crashed node's message
 * would then wait for the new, longer ack_wait). So the durable keeps the ack_wait it was created
 * with (the crash-recovery time), and each delivery gets its own consumer's lease here:
 * - leaseMs longer than ack_wait: `refresh` (+WPI) every ack_wait/2 until the lease runs out, after
 *   which the server's ack_wait gives the message to someone else;
 * - leaseMs shorter: `expire` (a nak) when the lease runs out.
 */
export interface LeaseHooks {
  /** Tell the server we are still working on it (resets its ack_wait). */
  refresh(): void;
  /** The lease ran out: hand the message back. */
  expire(): void;
}

export class Lease {
  readonly #leaseMs: number;
  readonly #ackWaitMs: number;
  readonly #hooks: LeaseHooks;
  /** When our own lease ends. */
  #deadline: number;
  /** When the server last reset its ack_wait timer (the delivery, or a +WPI). */
  #refreshedAt: number;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(leaseMs: number, ackWaitMs: number, hooks: LeaseHooks) {
    this.#leaseMs = leaseMs;
    this.#ackWaitMs = ackWaitMs;
    this.#hooks = hooks;
    this.#refreshedAt = Date.now();
    this.#deadline = this.#refreshedAt + leaseMs;
    this.#schedule();
  }

  /**
   * Still ours: the server has not handed it to another consumer yet, so settling it is safe. A
   * JetStream ack names the stream sequence, not this delivery: a late ack from a handler whose
   * lease ran out would settle the next holder's delivery instead.
   */
  get held(): boolean {
    return !this.#ended && Date.now() < this.#refreshedAt + this.#ackWaitMs;
  }

  /** `inProgress()`: a full lease from now. The caller sends the +WPI. */
  extend(): void {
    if (this.#ended) return;
    this.#refreshedAt = Date.now();
    this.#deadline = this.#refreshedAt + this.#leaseMs;
    this.#schedule();
  }

  /** Settled (or given up): no more timers. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
  }

  // --- internal ---

  /** Timers are unref'd: a running handler keeps the process alive, not its lease. */
  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#leaseMs < this.#ackWaitMs) {
      this.#timer = setTimeout(() => {
        this.end();
        this.#hooks.expire();
      }, this.#deadline - Date.now()).unref();
    } else if (this.#refreshedAt + this.#ackWaitMs < this.#deadline) {
      // Refreshing at half of ack_wait leaves the other half for the +WPI to arrive; the last
      // refresh makes the server's timer end between our deadline and half an ack_wait after it.
      this.#timer = setTimeout(() => {
        this.#refreshedAt = Date.now();
        this.#hooks.refresh();
        this.#schedule();
      }, this.#refreshedAt + this.#ackWaitMs / 2 - Date.now()).unref();
    }
  }
}
