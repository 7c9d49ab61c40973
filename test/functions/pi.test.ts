import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { piDigits } from '../../functions/pi/pi.js';

/** π by Machin's formula (16·atan(1/5) − 4·atan(1/239)) in BigInt fixed point: an independent reference. */
function machin(digits: number): string {
  const guard = 10;
  const one = 10n ** BigInt(digits + guard);
  const atanInverse = (x: bigint): bigint => {
    let power = one / x;
    let sum = power;
    const x2 = x * x;
    for (let n = 3n, sign = -1n; power !== 0n; n += 2n, sign = -sign) {
      power /= x2;
      sum += (sign * power) / n;
    }
    return sum;
  };
  const scaled = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  const text = scaled.toString().slice(0, digits);
  return text.length > 1 ? `${text[0]}.${text.slice(1)}` : text;
}

describe('pi (functions/pi): Chudnovsky with binary splitting', () => {
  it("gives the article's 40 digits", () => {
    assert.equal(piDigits(40), '3.141592653589793238462643383279502884197');
  });

  it('matches an independent reference, truncated, for N = 1…100', () => {
    const reference = machin(100);
    assert.equal(piDigits(1), '3');
    for (let n = 2; n <= 100; n++) assert.equal(piDigits(n), reference.slice(0, n + 1), `N = ${n}`);
  });

  it('matches it for N = 10,000 (and its last digits are truncated, not rounded)', () => {
    const got = piDigits(10_000);
    assert.equal(got.length, 10_001);
    assert.equal(got, machin(10_000));
  });
});
