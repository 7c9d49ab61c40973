/**
 * A call's abort state, made once per call on the hot path. Lighter than AbortController (an
 * EventTarget, measurably slow to create and to add/remove listeners on): one listener slot, held
 * by the mode running the call.
 */
export class CallSignal {
  aborted = false;
  /** What to answer with (a SluiceError), or ClientGone. */
  reason: unknown = undefined;
  #listener: ((reason: unknown) => void) | undefined = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.(reason);
  }

  /** Sets (or, with undefined, clears) the one listener; called at once when already aborted. */
  onAbort(listener: ((reason: unknown) => void) | undefined): void {
    if (listener && this.aborted) return listener(this.reason);
    this.#listener = listener;
  }
}
