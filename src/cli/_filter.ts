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
 * A glob as a whole-name RegExp (gobwas/glob, which faas-cli uses, without separators): `*` any run,
 * `?` one character, `[…]`/`[!…]` a class, `{a,b}` alternatives; anything else literal.
 * @example globToRegExp('fn-{a,b}*').test('fn-b2') // true
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '\\' && i + 1 < glob.length) source += escape(glob[++i] as string);
    else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === '{') [source, braces] = [`${source}(?:`, braces + 1];
    else if (c === '}' && braces > 0) [source, braces] = [`${source})`, braces - 1];
    else if (c === ',' && braces > 0) source += '|';
    else source += escape(c);
  }
  if (braces > 0) throw new UsageError(`--filter "${glob}": unclosed {`);
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    throw new UsageError(`--filter "${glob}" is not a valid glob`);
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

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
