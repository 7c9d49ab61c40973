import { scaleForAlert, type ScaleChange, type ScaleTarget } from './alert-scaling.js';
import { InvocationRateRule, type RateRuleOptions, type RuleAlert } from './invocation-rate-rule.js';

/** How often the rule is evaluated (Prometheus evaluates OpenFaaS's rules every few seconds; this is finer). */
export const EVALUATE_EVERY_MS = 1_000;

/** What the autoscaler needs of the provider (a `Provider` is one): its functions, their counters and `scale()`. */
export interface AutoscaleTarget extends ScaleTarget {
  has(name: string): boolean;
  readonly metrics: { answered(code: number): Iterable<readonly [name: string, count: number]> };
}

export interface AutoscalerEvents {
  /** A function was scaled for one of the rule's alerts; `why` names the alert and the rate. */
  scaled(name: string, change: ScaleChange, why: string): void;
  /** Scaling for an alert failed (the function was removed meanwhile, …); the rule goes on. */
  failed(name: string, err: unknown): void;
  /** @default Date.now */
  now?(): number;
}

/**
 * The built-in `APIHighInvocationRate` rule, running: every second it evaluates the rule over the
 * deployed functions' counts of calls answered 200 and scales for what it sends exactly as
 * `POST /system/alert` does (`scaleForAlert`). The counts are those `/metrics` serves, already
 * counted on the call path: the rule adds nothing to a call. `close()` stops the timer and waits
 * for scaling in progress.
 */
export class Autoscaler {
  readonly #rule: InvocationRateRule;
  readonly #target: AutoscaleTarget;
  readonly #events: AutoscalerEvents;
  readonly #timer: NodeJS.Timeout;
  readonly #acting = new Set<Promise<void>>();

  constructor(target: AutoscaleTarget, opts: RateRuleOptions, events: AutoscalerEvents) {
    this.#rule = new InvocationRateRule(opts);
    this.#target = target;
    this.#events = events;
    this.#timer = setInterval(() => this.tick(), EVALUATE_EVERY_MS);
    // Closed on shutdown; one left open must not keep a process alive either.
    this.#timer.unref();
  }

  /** One evaluation; the timer calls it every second. */
  tick(): void {
    const now = this.#events.now ? this.#events.now() : Date.now();
    for (const alert of this.#rule.evaluate(now, this.#deployed())) this.#act(alert);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#acting);
  }

  *#deployed(): Generator<readonly [string, number]> {
    for (const entry of this.#target.metrics.answered(200)) if (this.#target.has(entry[0])) yield entry;
  }

  #act({ name, status, rate }: RuleAlert): void {
    const why = `APIHighInvocationRate ${status} (${rate.toFixed(1)} calls/s answered 200 over 10s)`;
    const acting: Promise<void> = scaleForAlert(this.#target, name, status)
      .then(
        (change) => change && this.#events.scaled(name, change, why),
        (err: unknown) => this.#events.failed(name, err),
      )
      .finally(() => this.#acting.delete(acting));
    this.#acting.add(acting);
  }
}
