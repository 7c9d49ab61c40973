/**
 * Where `sluice secret create|update` get a value, as faas-cli's `secret create` does: `--from-literal`,
 * `--from-file`, or stdin when neither is given; `--trim` (on by default) trims surrounding
 * whitespace. A literal is sent as `value` (text); file and stdin bytes as base64 `rawValue`, so a
 * binary file arrives byte for byte.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SluiceError, assertSecretName } from '../../api/index.js';
import type { SecretBody } from '../_client.js';
import { UsageError } from '../_errors.js';
import { isTerminal, readAll } from '../_io.js';
import type { CliIo } from '../_io.js';

/** The value flags of `secret create` and `secret update` (commander fills in `trim`). */
export type SecretValueOptions = {
  /** Which command reads it, for the hint at a terminal. */
  command: 'create' | 'update';
  fromLiteral?: string;
  fromFile?: string;
  /** Trim surrounding whitespace (faas-cli's `--trim`, default true); `--no-trim` sends it exactly. */
  trim: boolean;
};

/**
 * The body to send for secret `name`, its value read from the flags or stdin. Usage errors (exit 2),
 * before anything is read: both flags, no value at a terminal, an unreadable file, an empty value.
 * @example await secretBodyOf('db-password', { command: 'create', fromLiteral: ' s3cret\n', trim: true }, io) // { name: 'db-password', value: 's3cret' }
 */
export async function secretBodyOf(name: string, opts: SecretValueOptions, io: CliIo): Promise<SecretBody> {
  checkSecretName(name);
  if (opts.fromLiteral !== undefined && opts.fromFile !== undefined) {
    throw new UsageError('give the value one way: --from-literal, --from-file, or stdin');
  }
  if (opts.fromLiteral !== undefined) {
    const value = opts.trim ? trimSpace(opts.fromLiteral) : opts.fromLiteral;
    if (value === '') throw emptyValue(name, opts.trim);
    return { name, value };
  }
  const bytes = opts.fromFile !== undefined ? await readValueFile(opts.fromFile, io.cwd) : await readStdin(name, opts.command, io);
  const sent = opts.trim ? trimBytes(bytes) : bytes;
  if (sent.length === 0) throw emptyValue(name, opts.trim);
  return { name, rawValue: sent.toString('base64') };
}

/**
 * Refuses a name the gateway would refuse (a DNS-1123 subdomain, as Kubernetes names secrets),
 * before stdin is read: a bad name is a usage error here, exit 2, not a gateway answer.
 */
export function checkSecretName(name: string): void {
  try {
    assertSecretName(name);
  } catch (err) {
    if (err instanceof SluiceError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Go's strings.TrimSpace, which faas-cli's `--trim` uses: Unicode White_Space at both ends, NEL
 * (U+0085) included; a BOM, which JS's trim() would also take, is left as Go leaves it.
 * @example trimSpace('\u0085 s3cret \n') // 's3cret'
 */
export function trimSpace(text: string): string {
  return text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
}

/**
 * Trims bytes that are text (valid UTF-8) as trimSpace does; any other bytes come back as they are.
 * faas-cli trims every value, which eats a binary file's leading or trailing 0x20/0x0a bytes: a key
 * file must not lose bytes because `--no-trim` was forgotten.
 */
export function trimBytes(bytes: Buffer): Buffer {
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text, so what is not trimmed re-encodes to the same bytes.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return bytes;
  }
  const trimmed = trimSpace(text);
  return trimmed.length === text.length ? bytes : Buffer.from(trimmed);
}

// --- internal ---

/** Reads `--from-file` (relative to the working directory); a file that cannot be read is a usage error. */
async function readValueFile(file: string, cwd: string): Promise<Buffer> {
  try {
    return await readFile(path.resolve(cwd, file));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(`cannot read --from-file ${file}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: err });
  }
}

/**
 * Reads the value from stdin. At a terminal there is nothing piped: a usage error saying how to give
 * one, rather than faas-cli's wait for Ctrl-D, which a mistyped command would hang on.
 */
async function readStdin(name: string, command: SecretValueOptions['command'], io: CliIo): Promise<Buffer> {
  if (isTerminal(io.stdin)) {
    throw new UsageError(`no value for secret "${name}": give --from-literal VALUE, --from-file PATH, or pipe it in (e.g. \`printf %s "$VALUE" | sluice secret ${command} ${name}\`)`);
  }
  return readAll(io.stdin);
}

/** An empty value is almost always a mistake (`--from-literal "$UNSET"`, an empty pipe): refused. */
function emptyValue(name: string, trimmed: boolean): UsageError {
  return new UsageError(`the value of secret "${name}" is empty${trimmed ? ' (after trimming whitespace; --no-trim keeps it)' : ''}`);
}
