import type { AlertStatus } from './alert-scaling.js';

/** The rule's window: the rate is of the calls answered 200 in the last 10 s (`rate(…[10s])`). */
export const RATE_WINDOW_MS = 10_000;
/** How long the rate must stay above the threshold before the alert fires (`for: 5s`). */
export const PENDING_MS = 5_000;

export interface RateRuleOptions {
  /** Calls answered 200 per second, over the window, above which a function's alert is pending. OpenFaaS: 5. */
  readonly threshold: number;
  /** How often a still-firing alert is sent again: AlertManager's `repeat_interval` (30s in OpenFaaS's config). */
  readonly repeatMs: number;
}

/** One notification of the rule: what AlertManager would POST to /system/alert for one function. */
export interface RuleAlert {
  readonly name: string;
  readonly status: AlertStatus;
  /** The rate when it was sent, calls per second. */
  readonly rate: number;
}

interface Sample {
  readonly at: number;
  readonly count: number;
}

interface Track {
  /** Oldest first; the first is the latest sample at or before the window's start. */
  samples: Sample[];
  /** When the rate went above the threshold (pending); undefined below it. */
  aboveSince: number | undefined;
  /** When the alert was last sent while firing; undefined when not firing. */
  sentAt: number | undefined;
}

/**
 * OpenFaaS's `APIHighInvocationRate` rule and AlertManager's sending of it, as pure logic over a
 * clock the caller gives (prometheus/alert.rules.yml, alertmanager.yml of openfaas/faas):
 * `sum(rate(gateway_function_invocation_total{code="200"}[10s])) by (function_name) > 5`, `for: 5s`,
 * repeated every `repeat_interval` while it fires, resolved when it stops.
 *
 * `evaluate` is called about once a second with each deployed function's count of calls answered
 * 200 so far (a counter that only grows); a function not in the list any more is forgotten, and
 * sends nothing.
 */
export class InvocationRateRule {
  readonly #opts: RateRuleOptions;
  readonly #tracks = new Map<string, Track>();

  constructor(opts: RateRuleOptions) {
    this.#opts = opts;
  }

  /** The alerts to send now. */
  evaluate(now: number, counts: Iterable<readonly [name: string, answered200: number]>): RuleAlert[] {
    const alerts: RuleAlert[] = [];
    const seen = new Set<string>();
    for (const [name, count] of counts) {
      seen.add(name);
      const track = this.#tracks.get(name);
      if (!track) {
        this.#tracks.set(name, { samples: [{ at: now, count }], aboveSince: undefined, sentAt: undefined });
        continue;
      }
      const alert = this.#step(name, track, now, count);
      if (alert) alerts.push(alert);
    }
    for (const name of this.#tracks.keys()) if (!seen.has(name)) this.#tracks.delete(name);
    return alerts;
  }

  #step(name: string, track: Track, now: number, count: number): RuleAlert | undefined {
    const last = track.samples[track.samples.length - 1] as Sample;
    // A counter that went back (it never should): start the window again.
    if (count < last.count) track.samples = [];
    track.samples.push({ at: now, count });
    while (track.samples.length >= 2 && (track.samples[1] as Sample).at <= now - RATE_WINDOW_MS) track.samples.shift();
    const rate = rateOf(track.samples);
    if (rate <= this.#opts.threshold) {
      const wasFiring = track.sentAt !== undefined;
      track.aboveSince = track.sentAt = undefined;
      return wasFiring ? { name, status: 'resolved', rate } : undefined;
    }
    track.aboveSince ??= now;
    const due = track.sentAt === undefined ? now - track.aboveSince >= PENDING_MS : now - track.sentAt >= this.#opts.repeatMs;
    if (!due) return undefined;
    track.sentAt = now;
    return { name, status: 'firing', rate };
  }
}

/**
 * Calls per second over the window: the calls since the first sample, over at least the window's
 * length (a function seen for less than 10 s has its calls spread over 10 s, as a sum over the
 * window would; ticks that came late stretch it).
 */
function rateOf(samples: readonly Sample[]): number {
  const first = samples[0] as Sample;
  const last = samples[samples.length - 1] as Sample;
  return (last.count - first.count) / (Math.max(last.at - first.at, RATE_WINDOW_MS) / 1000);
}
