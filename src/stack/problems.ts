import { isMap, isPair, isScalar, type Document, type LineCounter, type Node, type YAMLError } from 'yaml';
import type { z } from 'zod';

/**
 * Problem lines for the errors of a YAML file (stackInvalid, workflowInvalid). Each starts with the
 * key path (`functions.hello.lang: …`, `workflow.steps[1].method: …`) and ends with the line it
 * points at, so a long file is quick to fix.
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

/** The schema a file is checked against, as its problems name it. */
export interface SchemaInfo {
  /** Which keys the map at a path accepts: used to suggest a fix for an unknown key. */
  readonly known: (path: Path) => readonly string[];
  /** Ends "unknown key, not part of …", e.g. `the OpenFaaS stack.yml schema`. */
  readonly schemaName: string;
  /** Stands for the whole file when a problem has no key path, e.g. `stack file`. */
  readonly root: string;
}

/** One problem per zod issue; unknown keys get one problem each, with a suggestion when close. */
export function schemaProblems(issues: readonly z.core.$ZodIssue[], doc: Document, lines: LineCounter, schema: SchemaInfo): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const hint = suggest(key, schema.known(issue.path));
        out.push(`${where(path, schema.root)}: unknown key, not part of ${schema.schemaName}${hint}${lineOf(doc, lines, path, true)}`);
      }
      continue;
    }
    out.push(`${where(issue.path, schema.root)}: ${issue.message}${lineOf(doc, lines, issue.path, false)}`);
  }
  return out;
}

/** ` (line N)` for the node at `path`, or its nearest ancestor; `key` points at the key itself. */
export function lineOf(doc: Document, lines: LineCounter, path: Path, key: boolean): string {
  const line = lineAt(doc, lines, path, key);
  return line === undefined ? '' : ` (line ${line})`;
}

/** The 1-based line of the node at `path`, or of its nearest ancestor; undefined for an empty file. */
export function lineAt(doc: Document, lines: LineCounter, path: Path, key: boolean): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = offsetOf(doc, path.slice(0, depth), key && depth === path.length);
    if (offset !== undefined) return lines.linePos(offset).line;
  }
  return undefined;
}

/** Problems in file order (stable: those without a line keep their place at the top). Sorts in place. */
export function byLine(problems: string[]): string[] {
  const line = (text: string): number => Number(/\(line (\d+)\)$/.exec(text)?.[1] ?? 0);
  return problems.sort((a, b) => line(a) - line(b));
}

// --- internal ---

/** `functions.hello.lang`, `workflow.steps[1].method`: list indexes in brackets. */
function where(path: Path, root: string): string {
  if (!path.length) return root;
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
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
