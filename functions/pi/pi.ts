/**
 * π to N significant digits, truncated: Chudnovsky's series (14 digits a term) summed by binary
 * splitting on BigInt, so the cost is a few big multiplications instead of N small steps.
 */

const C = 640320n;
const C3_OVER_24 = C ** 3n / 24n;
const DIGITS_PER_TERM = 14.181647462725477; // log10(C³ / 1728)
/** Digits computed past the ones returned, so truncation never sees the series' last-digit error. */
const GUARD_DIGITS = 12;

interface Split {
  p: bigint;
  q: bigint;
  t: bigint;
}

/** P, Q, T of the terms [a, b) (the binary splitting recurrence). */
function split(a: number, b: number): Split {
  if (b - a === 1) {
    if (a === 0) return { p: 1n, q: 1n, t: 13591409n };
    const k = BigInt(a);
    const p = (6n * k - 5n) * (2n * k - 1n) * (6n * k - 1n);
    const q = k * k * k * C3_OVER_24;
    const t = p * (13591409n + 545140134n * k);
    return { p, q, t: a % 2 === 1 ? -t : t };
  }
  const m = (a + b) >> 1;
  const left = split(a, m);
  const right = split(m, b);
  return { p: left.p * right.p, q: left.q * right.q, t: left.t * right.q + left.p * right.t };
}

/** ⌊√n⌋ by Newton's method from a floating-point start (about 15 right digits, doubling each step). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  const bits = n.toString(2).length;
  const shift = Math.max(0, bits - 100) & ~1;
  const estimate = BigInt(Math.floor(Math.sqrt(Number(n >> BigInt(shift))))) << BigInt(shift / 2);
  // One step lands on or above the root (AM ≥ GM; +1 for the floor), from where the steps decrease.
  let x = ((estimate + n / estimate) >> 1n) + 1n;
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) {
      // Converged (from above): step down while x² > n.
      while (x * x > n) x -= 1n;
      return x;
    }
    x = next;
  }
}

/** The first `digits` significant digits of π, as "3.14159…" ("3" for one digit). */
export function piDigits(digits: number): string {
  const precision = digits + GUARD_DIGITS;
  const terms = Math.ceil(precision / DIGITS_PER_TERM) + 1;
  const { q, t } = split(0, terms);
  const one = 10n ** BigInt(precision);
  const scaled = (426880n * isqrt(10005n * one * one) * q) / t; // π × 10^precision
  const text = scaled.toString().slice(0, digits);
  return text.length > 1 ? `${text[0]}.${text.slice(1)}` : text;
}
