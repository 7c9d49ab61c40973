import { errors } from '../api/index.js';
import type { CallSignal, HeaderList, ResponseSink } from '../watchdog/index.js';

/** The largest response an async call keeps (as its result and its callback's body). */
export const RESULT_LIMIT = 32 * 1024 * 1024;

/** Collects a function's answer in memory for the call record and the callback. */
export class ResultSink implements ResponseSink {
  status = 0;
  headers: Record<string, string> = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;
  readonly #name: string;
  readonly #signal: CallSignal;

  constructor(name: string, signal: CallSignal) {
    this.#name = name;
    this.#signal = signal;
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
    if (this.#size > RESULT_LIMIT) {
      this.#signal.abort(errors.upstreamFailed(this.#name, `its response is larger than the ${RESULT_LIMIT} bytes an async call keeps`));
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
    return Buffer.concat(this.#chunks, Math.min(this.#size, RESULT_LIMIT));
  }
}
