import { InvalidArgumentError } from 'commander';

/**
 * Parses a `-H/--header K=V` value, splitting on the first `=` (values may contain `=`).
 * @example parseHeader('X-Token=a=b') // ['X-Token', 'a=b']
 */
export function parseHeader(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('use the form key=value, e.g. -H X-Api-Key=secret');
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Parses a `--query K=V` value; unlike headers an empty value is an error (faas-cli rule). */
export function parseQuery(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('use the form key=value, e.g. --query page=2');
  if (eq === text.length - 1) throw new InvalidArgumentError(`empty value for "${text.slice(0, eq)}": use key=value`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Parses a replica count: a whole number ≥ 0. */
export function parseReplicas(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('use a whole number of replicas, 0 or more');
  return Number(text);
}

/** Makes a repeatable commander option out of a value parser. */
export function repeatable<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return function collect(text, previous) {
    return [...(previous ?? []), parse(text)];
  };
}
