import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { errors } from '../api/index.js';

/** The files OpenFaaS reads its credentials from, under `secret_mount_path`. */
export const USER_FILE = 'basic-auth-user';
export const PASSWORD_FILE = 'basic-auth-password';
const DEFAULT_USER = 'admin';
/** Failed attempts from one address within the window before its attempts are refused. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;
/** Addresses remembered at most: past this, windows that ended are forgotten first. */
const MAX_TRACKED = 10_000;

/** The gateway's admin user and password. */
export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/**
 * The credentials in `dir` (whitespace trimmed, as OpenFaaS reads them). When `dir` is Sluice's own
 * default and holds none yet, makes them: user `admin`, a random password, files 0600 in a 0700
 * folder. `created` says so, for the one-time hint at start.
 */
export async function loadCredentials(dir: string, given: boolean): Promise<{ credentials: Credentials; created: boolean }> {
  const read = (file: string): Promise<string | undefined> => readFile(path.join(dir, file), 'utf8').then((t) => t.trim(), () => undefined);
  const [user, password] = await Promise.all([read(USER_FILE), read(PASSWORD_FILE)]);
  if (password) return { credentials: { user: user || DEFAULT_USER, password }, created: false };
  if (given) throw errors.configInvalid([`${path.join(dir, PASSWORD_FILE)}: no password there (the auth folder must hold ${USER_FILE} and ${PASSWORD_FILE}); or turn auth off with basic_auth=false`]);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const made = { user: DEFAULT_USER, password: randomBytes(24).toString('base64url') };
  await writeFile(path.join(dir, USER_FILE), `${made.user}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, PASSWORD_FILE), `${made.password}\n`, { mode: 0o600 });
  return { credentials: made, created: true };
}

/**
 * HTTP basic auth against the admin credentials (reference §1.1): compared in constant time, 401
 * with `WWW-Authenticate` when missing or wrong, and an address that failed MAX_FAILURES times in a
 * minute is refused (429) until its minute is over, so a password cannot be guessed quickly.
 */
export class BasicAuth {
  readonly #expected: Buffer;
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(credentials: Credentials) {
    this.#expected = digest(`${credentials.user}:${credentials.password}`);
  }

  /**
   * Passes a request with the right credentials, or, for a function with a token, `Authorization:
   * Bearer <token>` (`token`: its SHA-256); throws ERR_UNAUTHORIZED or ERR_TOO_MANY_AUTH_FAILURES.
   */
  check(req: IncomingMessage, res?: ServerResponse, token?: Buffer): void {
    const address = req.socket.remoteAddress ?? '';
    const now = Date.now();
    const failed = this.#failures.get(address);
    if (failed && now - failed.since >= FAILURE_WINDOW_MS) this.#failures.delete(address);
    else if (failed && failed.count >= MAX_FAILURES) {
      const seconds = Math.ceil((failed.since + FAILURE_WINDOW_MS - now) / 1000);
      res?.setHeader('retry-after', String(seconds));
      throw errors.tooManyAuthFailures(seconds);
    }
    if (this.#matches(req.headers.authorization, token)) return void this.#failures.delete(address);
    this.#fail(address, now);
    res?.setHeader('www-authenticate', 'Basic realm="Restricted"');
    throw errors.unauthorized();
  }

  #matches(header: string | undefined, token: Buffer | undefined): boolean {
    const match = header === undefined ? null : /^(basic|bearer)\s+(\S+)$/i.exec(header.trim());
    if (!match) return false;
    const sent = match[2] as string;
    // Digests of equal length, so the comparison takes the same time whatever was sent.
    if (/^bearer$/i.test(match[1] as string)) return token !== undefined && timingSafeEqual(digest(sent), token);
    return timingSafeEqual(digest(Buffer.from(sent, 'base64').toString('utf8')), this.#expected);
  }

  #fail(address: string, now: number): void {
    const failed = this.#failures.get(address);
    if (failed) failed.count++;
    else {
      if (this.#failures.size >= MAX_TRACKED) for (const [key, f] of this.#failures) if (now - f.since >= FAILURE_WINDOW_MS) this.#failures.delete(key);
      this.#failures.set(address, { count: 1, since: now });
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
