import type { CliIo } from './_io.js';

/**
 * Where a command writes. Results go to stdout (what a script reads); progress goes to stderr and
 * only on a terminal, so pipes stay quiet; notes (warnings) always go to stderr.
 */
export interface Output {
  /** One result line on stdout. */
  line(text?: string): void;
  /** Raw text on stdout, as given (tables, field lists). */
  text(text: string): void;
  /** A value as indented JSON on stdout (`--json`). */
  json(value: unknown): void;
  /** One progress line on stderr, only when stderr is a terminal. */
  progress(text: string): void;
  /** One note on stderr, always. */
  note(text: string): void;
}

/** Builds the Output for one run. */
export function createOutput(io: CliIo): Output {
  return {
    line: (text = '') => void io.stdout.write(`${text}\n`),
    text: (text) => void io.stdout.write(text),
    json: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress: (text) => {
      if (io.isTTY) io.stderr.write(`${text}\n`);
    },
    note: (text) => void io.stderr.write(`${text}\n`),
  };
}

const COLUMN_GAP = '   ';

/**
 * Lays rows out in left-aligned columns as wide as their widest cell (the first row is the header).
 * The last column is not padded, so lines carry no trailing blanks.
 * @example formatTable([['Function', 'Replicas'], ['hello', '1']])
 */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(COLUMN_GAP))
    .map((line) => `${line.trimEnd()}\n`)
    .join('');
}

/** One `Label: value` entry; a list value prints one item per line, `<none>` when empty. */
export type Field = readonly [label: string, value: string | readonly string[]];

/**
 * Lays out `Label: value` lines with the values aligned (the `describe` layout).
 * @example formatFields([['Name', 'hello'], ['Labels', ['a=1', 'b=2']]])
 */
export function formatFields(fields: readonly Field[]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  let text = '';
  for (const [label, value] of fields) {
    const values = typeof value === 'string' ? [value] : value.length ? value : ['<none>'];
    values.forEach((item, i) => {
      const head = i === 0 ? `${label}:` : '';
      text += `${`${head.padEnd(width)} ${item}`.trimEnd()}\n`;
    });
  }
  return text;
}

/** A map as `key: value` items of a list Field (`describe` labels, annotations, environment). */
export function pairLines(map: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(map ?? {}).map(([key, value]) => `${key}: ${value}`);
}
