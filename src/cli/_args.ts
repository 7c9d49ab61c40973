import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/index.js';

/**
 * A parser of `K=V` flag values, splitting on the first `=` (values may contain `=`, and may be
 * empty); `example` shows the form in its error.
 * @example keyValue('-e KEY=value')('A=b=c') // ['A', 'b=c']
 */
export function keyValue(example: string): (text: string) => [string, string] {
  return function parseKeyValue(text) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`use the form key=value, e.g. ${example}`);
    return [text.slice(0, eq), text.slice(eq + 1)];
  };
}

/**
 * Parses a `-H/--header K=V` value.
 * @example parseHeader('X-Token=a=b') // ['X-Token', 'a=b']
 */
export const parseHeader = keyValue('-H X-Api-Key=secret');

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

/** Parses a TCP port flag: a whole number from 0 (any free port) to 65535. */
export function parsePort(text: string): number {
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new InvalidArgumentError('use a TCP port, 0 to 65535 (0: any free port)');
  return n;
}

/** Makes a repeatable commander option out of a value parser. */
export function repeatable<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return function collect(text, previous) {
    return [...(previous ?? []), parse(text)];
  };
}

/**
 * Parses a duration flag (`--wait`, `--timeout`) into milliseconds with the gateway's own parser:
 * whole seconds (`30`) or a Go duration (`30s`, `1m30s`, `500ms`), as `?wait=` takes them.
 * @example parseDurationFlag('1m30s') // 90000
 */
export function parseDurationFlag(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('use a duration such as 30s, 5m or 1m30s');
  return ms;
}

/** Parses `--since`: a duration back from now (`1h`) or an ISO time; returns the text to send. */
export function parseSince(text: string): string {
  const trimmed = text.trim();
  if (parseDuration(trimmed) !== undefined || (trimmed && !Number.isNaN(Date.parse(trimmed)))) return trimmed;
  throw new InvalidArgumentError('use a duration back from now (1h, 30m) or an ISO time (2026-11-28T10:00:00Z)');
}

/** Parses `--limit` of `calls list`: a whole number from 1 to 1000 (the gateway's range). */
export function parseLimit(text: string): number {
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 1000) throw new InvalidArgumentError('use a whole number from 1 to 1000');
  return n;
}
