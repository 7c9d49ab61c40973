import type { FunctionStatus } from '../api/index.js';
import { scaleLabels, type ScaleLabels } from './scale-labels.js';

/** An alert's state, as AlertManager sends it. */
export type AlertStatus = 'firing' | 'resolved';

/** What the scaling of one alert needs of the provider: read a function, and its existing `scale()`. */
export interface ScaleTarget {
  /** ERR_FUNCTION_NOT_FOUND when no function has that name. */
  status(name: string): Pick<FunctionStatus, 'name' | 'labels' | 'replicas'>;
  scale(name: string, replicas: number): Promise<void>;
}

/** A change one alert made. */
export interface ScaleChange {
  readonly from: number;
  readonly to: number;
}

/**
 * OpenFaaS's `CalculateReplicas` (gateway/handlers/alerthandler.go): firing adds
 * `ceil(max × factor / 100)` replicas up to max; resolved goes back to min. Integer arithmetic, where
 * Go's `max/100*factor` in floats rounds 20 × 35 % up to 8. A function never goes below 1 here:
 * scaling to zero is a user's choice (`scale-function`), not the autoscaler's.
 */
export function alertReplicas(status: AlertStatus, current: number, labels: ScaleLabels): number {
  if (status === 'resolved') return Math.max(labels.min, 1);
  return Math.min(current + Math.ceil((labels.max * labels.factor) / 100), labels.max);
}

/**
 * Scales a function for one alert, through the provider's `scale()` (so the registry keeps the count
 * and replicas start and drain as for any scaling). Shared by `POST /system/alert` and the built-in
 * APIHighInvocationRate rule. Left alone: a function scaled to 0 (its next call wakes it), and one
 * whose min equals its max (OpenFaaS's way to turn autoscaling off for a function). Resolves with
 * the change, or undefined when there is none (OpenFaaS makes no call then either).
 */
export async function scaleForAlert(target: ScaleTarget, name: string, status: AlertStatus): Promise<ScaleChange | undefined> {
  const fn = target.status(name);
  const from = fn.replicas ?? 0;
  const labels = scaleLabels({ service: fn.name, labels: fn.labels });
  if (from === 0 || labels.min === labels.max) return undefined;
  const to = alertReplicas(status, from, labels);
  if (to === from) return undefined;
  await target.scale(name, to);
  return { from, to };
}
