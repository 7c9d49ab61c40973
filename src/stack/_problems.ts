import { isMap, isPair, isScalar, type Document, type LineCounter, type Node, type YAMLError } from 'yaml';
import type { z } from 'zod';

/**
 * Problem lines for stackInvalid. Each starts with the key path (`functions.hello.lang: …`) and ends
 * with the line it points at, so a long file is quick to fix.
 */

/** A key path as zod reports it. */
export type Path = readonly PropertyKey[];

/** YAML syntax errors: the first line of the parser's message, with line and column. */
export function yamlProblems(errs: readonly YAMLError[]): string[] {
  return errs.map((err) => {
    const text = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    const pos = err.linePos?.[0];
    return pos ? `line ${pos.line}, column ${pos.col}: ${text}` : text;
  });
}

/** Which keys the map at `path` accepts: used to suggest a fix for an unknown key. */
export type KnownKeys = (path: Path) => readonly string[];

/** One problem per zod issue; unknown keys get one problem each, with a suggestion when close. */
export function schemaProblems(issues: readonly z.core.$ZodIssue[], doc: Document, lines: LineCounter, known: KnownKeys): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const hint = suggest(key, known(issue.path));
        out.push(`${where(path)}: unknown key, not part of the OpenFaaS stack.yml schema${hint}${lineOf(doc, lines, path, true)}`);
      }
      continue;
    }
    out.push(`${where(issue.path)}: ${issue.message}${lineOf(doc, lines, issue.path, false)}`);
  }
  return out;
}

/** ` (line N)` for the node at `path`, or its nearest ancestor; `key` points at the key itself. */
export function lineOf(doc: Document, lines: LineCounter, path: Path, key: boolean): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = offsetOf(doc, path.slice(0, depth), key && depth === path.length);
    if (offset !== undefined) return ` (line ${lines.linePos(offset).line})`;
  }
  return '';
}

// --- internal ---

function where(path: Path): string {
  return path.length ? path.map(String).join('.') : 'stack file';
}

function offsetOf(doc: Document, path: Path, key: boolean): number | undefined {
  if (key && path.length) {
    const parent = doc.getIn(path.slice(0, -1) as unknown[], true);
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === path[path.length - 1]);
    return (pair?.key as Node | undefined)?.range?.[0];
  }
  const node = path.length ? doc.getIn(path as unknown[], true) : doc.contents;
  return (node as Node | null | undefined)?.range?.[0];
}

function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

/** Levenshtein distance: small strings only (key names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return prev[b.length] as number;
}
