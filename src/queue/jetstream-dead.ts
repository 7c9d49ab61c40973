import { JetStreamApiCodes, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { ensureStream, hasCode } from './jetstream-admin.js';
import { ID_HEADER, decodeHeader, decodeToken, encodeHeader, type JetStreamNames } from './jetstream-names.js';
import type { DeadLetter } from './types.js';

const ATTEMPTS_HEADER = 'Sluice-Attempts';
const REASON_HEADER = 'Sluice-Reason';

/** A dead letter and where it sits in the stream (to delete it on redrive). */
export interface DeadEntry {
  readonly seq: number;
  readonly letter: DeadLetter;
}

/**
 * Dead letters as a stream of their own (limits retention, kept until redriven): one subject per
 * queue, so a queue's letters are read without the others, in the order they died. Reading is one
 * request per letter (the 2.9 server has no batch get): fine for what should be a short list.
 */
export class DeadLetterStream {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: JetStreamNames;

  constructor(js: JetStreamClient, jsm: JetStreamManager, names: JetStreamNames) {
    this.#js = js;
    this.#jsm = jsm;
    this.#names = names;
  }

  async ensure(replicas: number): Promise<void> {
    await ensureStream(this.#jsm, { name: this.#names.deadStream, subjects: [this.#names.allDeadSubjects], num_replicas: replicas });
  }

  /** Durable once it resolves. The server's timestamp of the message is when it died. */
  async bury(queue: string, id: string, body: Uint8Array, attempts: number, reason: string): Promise<void> {
    const h = headers();
    h.set(ID_HEADER, encodeHeader(id));
    h.set(ATTEMPTS_HEADER, String(attempts));
    h.set(REASON_HEADER, encodeHeader(reason));
    await this.#js.publish(this.#names.deadSubject(queue), body, { headers: h });
  }

  /** Oldest first; of one queue, or of all. */
  async list(queue?: string): Promise<DeadEntry[]> {
    const subject = queue === undefined ? this.#names.allDeadSubjects : this.#names.deadSubject(queue);
    const entries: DeadEntry[] = [];
    for (let seq = 1; ; ) {
      // STREAM.MSG.GET takes next_by_subj since server 2.9; nats.js types it only for direct gets,
      // hence the query built outside the call (a SeqMsgRequest with one more field).
      const query = { seq, next_by_subj: subject };
      const msg = await this.#jsm.streams.getMessage(this.#names.deadStream, query);
      if (!msg) return entries;
      entries.push({
        seq: msg.seq,
        letter: {
          id: decodeHeader(msg.header.get(ID_HEADER)),
          queue: decodeToken(msg.subject.slice(msg.subject.lastIndexOf('.') + 1)),
          body: Buffer.from(msg.data),
          attempts: Number(msg.header.get(ATTEMPTS_HEADER)),
          reason: decodeHeader(msg.header.get(REASON_HEADER)),
          diedAt: msg.time.getTime(),
        },
      });
      seq = msg.seq + 1;
    }
  }

  /** False when it was gone already (another node redrove it first). */
  async remove(seq: number): Promise<boolean> {
    return this.#jsm.streams.deleteMessage(this.#names.deadStream, seq, false).catch((err: unknown) => {
      if (hasCode(err, JetStreamApiCodes.NoMessageFound)) return false;
      throw err;
    });
  }
}
