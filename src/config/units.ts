const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const MS_PER_UNIT: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as the watchdogs do: a plain integer is seconds, else a Go duration (`10s`,
 * `1m30s`, `500ms`). Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    if (match.index !== consumed) return undefined;
    total += Number(match[1]) * (MS_PER_UNIT[match[2] as string] as number);
    consumed += match[0].length;
  }
  return consumed > 0 && consumed === trimmed.length ? total : undefined;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(|b|k|kb|ki|kib|m|mb|mi|mib|g|gb|gi|gib)$/i;
const SIZE_FACTOR: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, ki: 1024, kib: 1024, m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3,
};

/** Parses a byte size: plain bytes, or with a unit (`64Mi`, `10MB`, `512k`). Undefined when invalid. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * (SIZE_FACTOR[(match[2] as string).toLowerCase()] as number));
}

/** Seconds as the watchdogs print them in X-Duration-Seconds (Go's `%f`). */
export function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(6);
}
