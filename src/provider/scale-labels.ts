import { errors, type FunctionDeployment } from '../api/index.js';

/** Most replicas one function may have when it sets no `com.openfaas.scale.max` label. */
export const DEFAULT_MAX_REPLICAS = 20;

/** Percent of `max` an alert scales up by when the function sets no `com.openfaas.scale.factor` (OpenFaaS's default). */
export const DEFAULT_SCALE_FACTOR = 10;

type Labelled = Pick<FunctionDeployment, 'service' | 'labels'>;

export interface ScaleBounds {
  readonly min: number;
  readonly max: number;
}

export interface ScaleLabels extends ScaleBounds {
  /** `com.openfaas.scale.factor`: a firing alert adds `ceil(max × factor / 100)` replicas. 1–100. */
  readonly factor: number;
}

/** Reads `com.openfaas.scale.min|max` (reference §5.4); bad values are a 400 naming the label. */
export function scaleBounds(dep: Labelled): ScaleBounds {
  const min = label(dep, 'com.openfaas.scale.min', 1);
  const max = label(dep, 'com.openfaas.scale.max', DEFAULT_MAX_REPLICAS);
  if (min > max) throw errors.badRequest(`function "${dep.service}": com.openfaas.scale.min (${min}) is above com.openfaas.scale.max (${max})`);
  return { min, max };
}

/**
 * Reads every scale label, `com.openfaas.scale.factor` too; bad values are a 400 naming the label.
 * Checked at deploy. Scaling by count (scale-function, scale from zero) reads the bounds alone: a
 * function deployed before the factor was checked still scales that way.
 */
export function scaleLabels(dep: Labelled): ScaleLabels {
  const { min, max } = scaleBounds(dep);
  const factor = label(dep, 'com.openfaas.scale.factor', DEFAULT_SCALE_FACTOR);
  if (factor < 1 || factor > 100) {
    throw errors.badRequest(`function "${dep.service}": label com.openfaas.scale.factor="${factor}" must be 1–100 (percent of max added per alert); to turn autoscaling off for it, set com.openfaas.scale.min equal to max`);
  }
  return { min, max, factor };
}

function label(dep: Labelled, key: string, fallback: number): number {
  const text = dep.labels?.[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw errors.badRequest(`function "${dep.service}": label ${key}="${text}" must be a whole number ≥ 0`);
  return value;
}
