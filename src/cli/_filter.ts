import picomatch from 'picomatch';
import type { Stack } from '../stack/index.js';
import { UsageError } from './_errors.js';

/** `--filter` and `--regex`, faas-cli's persistent flags choosing some of the stack's functions. */
export interface FunctionFilter {
  /** A glob matched against the whole name: `*`, `?`, `[a-z]`, `{a,b}`. */
  filter?: string;
  /** A regular expression found anywhere in the name (Go's MatchString: unanchored). */
  regex?: string;
}

/**
 * The stack with only the functions `--filter`/`--regex` select (all of them without either). Both
 * flags, an invalid regex, or no function matching is a usage error, with faas-cli's message.
 * @example selectFunctions(stack, { filter: 'img-*' }).functions.map((fn) => fn.name) // ['img-resize', 'img-blur']
 */
export function selectFunctions(stack: Stack, { filter, regex }: FunctionFilter): Stack {
  if (filter === undefined && regex === undefined) return stack;
  if (filter !== undefined && regex !== undefined) throw new UsageError('pass --filter or --regex, not both');
  const pattern = filter !== undefined ? globToRegExp(filter) : compileRegex(regex ?? '');
  const functions = stack.functions.filter((fn) => pattern.test(fn.name));
  if (!functions.length) throw new UsageError('no functions matching --filter/--regex were found');
  return { ...stack, functions };
}

/**
 * How picomatch reads a `--filter` glob so that it means what gobwas/glob (faas-cli's) does: `[!…]`
 * negates a class (`posix`; without it picomatch takes `!` as a member), a leading `!` and `+(…)`
 * are plain characters (`nonegate`, `noextglob`), a leading `.` needs no `.` in the glob (`dot`),
 * and an unclosed `[` or `{` is an error (`strictBrackets`). Names have no `/`, so picomatch's path
 * separators never come into play.
 */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { posix: true, nonegate: true, noextglob: true, dot: true, strictBrackets: true };

/**
 * A glob as a whole-name RegExp, by picomatch: `*` any run, `?` one character, `[a-z]`/`[!a-z]` a
 * class, `{a,b}` alternatives, `\` escapes; anything else literal.
 * @example globToRegExp('fn-{a,b}*').test('fn-b2') // true
 */
export function globToRegExp(glob: string): RegExp {
  try {
    return picomatch.makeRe(glob, GLOB_OPTIONS);
  } catch (err) {
    throw new UsageError(`--filter "${glob}" is not a valid glob: ${(err as Error).message}`);
  }
}

// --- internal ---

function compileRegex(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (err) {
    throw new UsageError(`--regex "${text}" is not a valid regular expression: ${(err as Error).message}`);
  }
}
