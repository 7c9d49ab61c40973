import type { z } from 'zod';
import { errors } from './errors.js';

/**
 * Parses a JSON body against a schema. Malformed JSON → ERR_BAD_JSON; a shape error → ERR_BAD_REQUEST
 * naming each field and what is wrong with it.
 */
export function parseJson<T extends z.ZodType>(schema: T, text: string): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw errors.badJson((err as Error).message);
  }
  const result = schema.safeParse(withoutNulls(value));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'body';
    return `${where}: ${issue.message}`;
  });
  throw errors.badRequest(`invalid request body: ${problems.join('; ')}`);
}

/**
 * A body's top-level keys sent as `null` count as absent: Go clients (faas-cli, the go-sdk) send
 * the maps, lists and pointers they leave unset as null (`"labels": null`, `"limits": null`).
 */
function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}
