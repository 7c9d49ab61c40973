/**
 * Wakes the workflow calls waiting for a step's call as soon as this node's worker finishes it.
 * A step run by another node (JetStream) is seen by polling its record instead.
 */
export class StepWatch {
  readonly #waiting = new Map<string, Set<() => void>>();

  /** The worker finished call `callId` (stored its outcome). */
  finished(callId: string): void {
    const wakes = this.#waiting.get(callId);
    if (!wakes) return;
    this.#waiting.delete(callId);
    for (const wake of wakes) wake();
  }

  /** Resolves when call `callId` finishes here, or after `ms`, whichever comes first. */
  wait(callId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakes = this.#waiting.get(callId) ?? new Set();
      const wake = (): void => {
        clearTimeout(timer);
        wakes.delete(wake);
        if (wakes.size === 0 && this.#waiting.get(callId) === wakes) this.#waiting.delete(callId);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakes.add(wake);
      this.#waiting.set(callId, wakes);
    });
  }
}
