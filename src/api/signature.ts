import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callback signatures: `X-Sluice-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 * The timestamp is signed with the body so a captured callback cannot be replayed later than the
 * receiver's tolerance; several `v1=` entries let a receiver accept old and new keys during a
 * rotation. The same scheme as Stripe's and Svix's webhooks, so receivers know the shape.
 */

/** Name of the header that carries the signature. */
export const SIGNATURE_HEADER = 'x-sluice-signature';

/** Options of {@link verifyCallbackSignature}. */
export interface VerifyOptions {
  /**
   * How far, in seconds, the signed timestamp may be from now, either way.
   * @default 300
   */
  readonly toleranceSeconds?: number;
  /**
   * The time to check against, in Unix seconds.
   * @default Math.floor(Date.now() / 1000)
   */
  readonly nowSeconds?: number;
}

/**
 * The `X-Sluice-Signature` value for a callback body, signed at `nowSeconds`.
 * @example signCallback(key, body) // 't=1767225600,v1=5f0c…'
 */
export function signCallback(key: string | Buffer, body: Uint8Array | string, nowSeconds = unixNow()): string {
  const t = Math.floor(nowSeconds);
  return `t=${t},v1=${hmacHex(key, t, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` under `key`: one `t=`, a timestamp within the
 * tolerance, and at least one `v1=` entry that matches (compared in constant time). Unknown entries
 * (a future `v2=`) are ignored; anything malformed is simply `false`.
 * @example verifyCallbackSignature(req.headers['x-sluice-signature'], rawBody, key)
 */
export function verifyCallbackSignature(
  header: string | undefined,
  body: Uint8Array | string,
  key: string | Buffer,
  { toleranceSeconds = 300, nowSeconds = unixNow() }: VerifyOptions = {},
): boolean {
  const parsed = header === undefined ? undefined : parseHeader(header);
  if (!parsed || Math.abs(nowSeconds - parsed.t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(key, parsed.t, body), 'hex');
  let ok = false;
  // Check every entry (no early exit), so timing does not tell which one matched.
  for (const candidate of parsed.v1) ok = timingSafeEqual(candidate, expected) || ok;
  return ok;
}

// --- internal ---

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function hmacHex(key: string | Buffer, t: number, body: Uint8Array | string): string {
  return createHmac('sha256', key).update(`${t}.`).update(body).digest('hex');
}

function parseHeader(header: string): { t: number; v1: Buffer[] } | undefined {
  let t: number | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') {
      if (t !== undefined || !/^\d{1,15}$/.test(value)) return undefined; // two timestamps: ambiguous
      t = Number(value);
    } else if (name === 'v1' && HEX_SHA256.test(value)) {
      v1.push(Buffer.from(value, 'hex'));
    }
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
