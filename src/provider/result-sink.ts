import { errors } from '../api/index.js';
import type { CallSignal, HeaderList, ResponseSink } from '../watchdog/index.js';

/** The largest response an async call keeps (as its result and its callback's body). */
export const RESULT_LIMIT = 32 * 1024 * 1024;

/** How large an answer a ResultSink keeps, and what that limit is, for the message past it. */
export interface AnswerLimit {
  readonly bytes: number;
  /** Ends "its response is larger than the N bytes …": e.g. "an async call keeps". */
  readonly what: string;
}

/** The limit of async calls' results. */
export const ASYNC_RESULT_LIMIT: AnswerLimit = { bytes: RESULT_LIMIT, what: 'an async call keeps' };

/** Collects a function's answer in memory: an async call's result and callback, a workflow step's answer. */
export class ResultSink implements ResponseSink {
  status = 0;
  headers: Record<string, string> = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;
  readonly #name: string;
  readonly #signal: CallSignal;
  readonly #limit: AnswerLimit;

  constructor(name: string, signal: CallSignal, limit: AnswerLimit = ASYNC_RESULT_LIMIT) {
    this.#name = name;
    this.#signal = signal;
    this.#limit = limit;
  }

  start(status: number, headers: HeaderList): void {
    this.status = status;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = (headers[i] as string).toLowerCase();
      const value = headers[i + 1] as string;
      this.headers[name] = name in this.headers ? `${this.headers[name]}, ${value}` : value;
    }
  }

  write(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.#limit.bytes) {
      this.#signal.abort(errors.upstreamFailed(this.#name, `its response is larger than the ${this.#limit.bytes} bytes ${this.#limit.what}`));
      return true;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onDrain(resume: () => void): void {
    resume();
  }

  end(): void {}

  get body(): Buffer {
    return Buffer.concat(this.#chunks, Math.min(this.#size, this.#limit.bytes));
  }
}
