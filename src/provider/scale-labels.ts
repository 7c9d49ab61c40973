import { errors, type FunctionDeployment } from '../api/index.js';

/** Most replicas one function may have when it sets no `com.openfaas.scale.max` label. */
export const DEFAULT_MAX_REPLICAS = 20;

export interface ScaleBounds {
  readonly min: number;
  readonly max: number;
}

/** Reads `com.openfaas.scale.min|max` (reference §5.4); bad values are a 400 naming the label. */
export function scaleBounds(dep: FunctionDeployment): ScaleBounds {
  const min = label(dep, 'com.openfaas.scale.min', 1);
  const max = label(dep, 'com.openfaas.scale.max', DEFAULT_MAX_REPLICAS);
  if (min > max) throw errors.badRequest(`function "${dep.service}": com.openfaas.scale.min (${min}) is above com.openfaas.scale.max (${max})`);
  return { min, max };
}

function label(dep: FunctionDeployment, key: string, fallback: number): number {
  const text = dep.labels?.[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw errors.badRequest(`function "${dep.service}": label ${key}="${text}" must be a whole number ≥ 0`);
  return value;
}
