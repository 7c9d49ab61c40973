/**
 * How `sluice logs` lays out one message, as faas-cli does (commands/logs_format.go): `plain`
 * is `<timestamp> <name> (<instance>) <text>`, `keyvalue` is `timestamp="…" name="…" instance="…"
 * text="…" ` (trailing blank included: faas-cli writes one), `json` is the gateway's line as is.
 * Timestamps are laid out with a Go layout (`--time-format`), since that is what faas-cli takes.
 */
import type { LogMessage } from '../../api/index.js';

/** `-o/--output` values (faas-cli's flags.LogFormat). */
export const LOG_FORMATS = ['plain', 'keyvalue', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Go's RFC3339 layout: faas-cli's default `--time-format` (whole seconds, `Z` for UTC). */
export const RFC3339 = '2006-01-02T15:04:05Z07:00';

/** The names faas-cli's `--time-format` accepts for Go's layout constants (flags/time_format.go). */
const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ansic: 'Mon Jan _2 15:04:05 2006',
  unixdate: 'Mon Jan _2 15:04:05 MST 2006',
  rubydate: 'Mon Jan 02 15:04:05 -0700 2006',
  rfc822: '02 Jan 06 15:04 MST',
  rfc822z: '02 Jan 06 15:04 -0700',
  rfc850: 'Monday, 02-Jan-06 15:04:05 MST',
  rfc1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  rfc1123z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  rfc3339: RFC3339,
  rfc3339nano: '2006-01-02T15:04:05.999999999Z07:00',
};

/**
 * Parses `--time-format`: a name of one of Go's layouts (any case), else the text as a Go layout.
 * '' means "no timestamp".
 * @example parseTimeFormat('RFC3339Nano') // '2006-01-02T15:04:05.999999999Z07:00'
 */
export function parseTimeFormat(text: string): string {
  return NAMED_LAYOUTS[text.toLowerCase()] ?? text;
}

/** What the plain and keyvalue layouts need of a message (a field missing from a line is ''). */
export type LogFields = Pick<LogMessage, 'name' | 'instance' | 'timestamp' | 'text'>;

/**
 * One line of the gateway's stream, laid out in `format`. A line that is not a JSON object with a
 * `text` (a proxy's notice, a gateway of another kind) is given back as is, so nothing is hidden.
 */
export function formatLogLine(line: string, format: LogFormat, timeFormat: string): string {
  if (format === 'json') return line;
  const fields = logFieldsOf(line);
  if (!fields) return line;
  return format === 'keyvalue' ? formatKeyValue(fields, timeFormat) : formatPlain(fields, timeFormat);
}

/** faas-cli's PlainFormatMessage with name and instance shown; the trailing newlines trimmed. */
export function formatPlain(msg: LogFields, timeFormat: string): string {
  const time = timeFormat === '' ? '' : `${timestampText(msg.timestamp, timeFormat)} `;
  return `${time}${msg.name} (${msg.instance}) ${msg.text}`.replace(/\n+$/, '');
}

/** faas-cli's KeyValueFormatMessage with name and instance shown; values are not escaped (faas-cli's neither). */
export function formatKeyValue(msg: LogFields, timeFormat: string): string {
  const time = timeFormat === '' ? '' : `timestamp="${timestampText(msg.timestamp, timeFormat)}" `;
  return `${time}name="${msg.name}" instance="${msg.instance}" text="${msg.text.replace(/\n+$/, '')}" `;
}

/** A parsed RFC 3339 time, kept as written: its wall clock in its own offset, nanoseconds exact. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** East of UTC, in seconds. */
  offset: number;
  /** `UTC` for a `Z` time; '' for a numeric offset (Go names no zone then). */
  zone: string;
}

const RFC3339_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 time as Go's time.Parse does: the clock stays in the offset it was written in
 * (Go formats a parsed time in its own zone, not the machine's). Undefined when it is not one.
 */
export function parseRfc3339(text: string): WallTime | undefined {
  const m = RFC3339_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 02-30 over to 03-02: a date that does not come back unchanged is not a date.
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const nanos = Number((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  const sign = m[9] === '-' ? -1 : 1;
  const offset = m[8] ? 0 : sign * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  return { year, month, day, hour, minute, second, nanos, offset, zone: m[8] ? 'UTC' : '' };
}

/**
 * Formats a time with a Go layout (the reference time `Mon Jan 2 15:04:05 MST 2006`), as Go's
 * time.Format does: every standard chunk of nextStdChunk, the rest copied as is.
 * @example formatGoTime(parseRfc3339('2009-11-10T23:00:00.5Z')!, '2006-01-02 15:04:05.000') // '2009-11-10 23:00:00.500'
 */
export function formatGoTime(t: WallTime, layout: string): string {
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const chunk = nextChunk(rest);
    out += chunk.prefix;
    if (chunk.std === undefined) break;
    out += formatChunk(t, chunk.std);
    rest = chunk.suffix;
  }
  return out;
}

// --- internal ---

/** The fields of a JSON log message, or undefined when the line is not one. */
function logFieldsOf(line: string): LogFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  if (typeof record['text'] !== 'string') return undefined;
  const field = (key: string): string => (typeof record[key] === 'string' ? (record[key] as string) : '');
  return { name: field('name'), instance: field('instance'), timestamp: field('timestamp'), text: record['text'] };
}

/** The timestamp in the layout; one that does not parse as RFC 3339 is shown as sent. */
function timestampText(timestamp: string, layout: string): string {
  const time = parseRfc3339(timestamp);
  return time ? formatGoTime(time, layout) : timestamp;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** One standard chunk of a Go layout: a name for the field, or a fraction with its digits. */
type Std =
  | 'year' | 'longYear' | 'month' | 'longMonth' | 'numMonth' | 'zeroMonth' | 'weekDay' | 'longWeekDay'
  | 'day' | 'underDay' | 'zeroDay' | 'underYearDay' | 'zeroYearDay' | 'hour' | 'hour12' | 'zeroHour12'
  | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond' | 'PM' | 'pm' | 'tz'
  | { tz: 'iso' | 'num'; colon: boolean; minutes: boolean; seconds: boolean }
  | { frac: '0' | '9'; digits: number; separator: string };

const ZERO_X: readonly Std[] = ['zeroMonth', 'zeroDay', 'zeroHour12', 'zeroMinute', 'zeroSecond', 'year'];

/** Numeric zone chunks, longest first so that `-070000` is not read as `-0700` + `00`. */
const ZONES: readonly (readonly [string, { colon: boolean; minutes: boolean; seconds: boolean }])[] = [
  ['07:00:00', { colon: true, minutes: true, seconds: true }],
  ['070000', { colon: false, minutes: true, seconds: true }],
  ['07:00', { colon: true, minutes: true, seconds: false }],
  ['0700', { colon: false, minutes: true, seconds: false }],
  ['07', { colon: false, minutes: false, seconds: false }],
];

/** Go's nextStdChunk: the literal text before the first standard chunk, the chunk, what follows. */
function nextChunk(layout: string): { prefix: string; std?: Std; suffix: string } {
  for (let i = 0; i < layout.length; i++) {
    const at = (s: string): boolean => layout.startsWith(s, i);
    const found = (std: Std, length: number, prefixEnd = i): { prefix: string; std: Std; suffix: string } => ({
      prefix: layout.slice(0, prefixEnd),
      std,
      suffix: layout.slice(i + length),
    });
    const lowerAfter = (n: number): boolean => /^[a-z]/.test(layout.slice(i + n));
    switch (layout[i]) {
      case 'J':
        if (at('January')) return found('longMonth', 7);
        if (at('Jan') && !lowerAfter(3)) return found('month', 3);
        break;
      case 'M':
        if (at('Monday')) return found('longWeekDay', 6);
        if (at('Mon') && !lowerAfter(3)) return found('weekDay', 3);
        if (at('MST')) return found('tz', 3);
        break;
      case '0': {
        const next = layout.charCodeAt(i + 1) - 49; // '1' → 0
        if (next >= 0 && next <= 5) return found(ZERO_X[next] as Std, 2);
        if (at('002')) return found('zeroYearDay', 3);
        break;
      }
      case '1':
        return at('15') ? found('hour', 2) : found('numMonth', 1);
      case '2':
        return at('2006') ? found('longYear', 4) : found('day', 1);
      case '_':
        if (at('_2006')) return { prefix: layout.slice(0, i + 1), std: 'longYear', suffix: layout.slice(i + 5) };
        if (at('_2')) return found('underDay', 2);
        if (at('__2')) return found('underYearDay', 3);
        break;
      case '3':
        return found('hour12', 1);
      case '4':
        return found('minute', 1);
      case '5':
        return found('second', 1);
      case 'P':
        if (at('PM')) return found('PM', 2);
        break;
      case 'p':
        if (at('pm')) return found('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const [shape, parts] of ZONES) {
          if (layout.startsWith(shape, i + 1)) return found({ tz: layout[i] === 'Z' ? 'iso' : 'num', ...parts }, shape.length + 1);
        }
        break;
      case '.':
      case ',': {
        const digit = layout[i + 1];
        if (digit !== '0' && digit !== '9') break;
        let j = i + 1;
        while (layout[j] === digit) j++;
        if (/^[0-9]/.test(layout.slice(j))) break;
        return found({ frac: digit, digits: j - i - 1, separator: layout[i] as string }, j - i);
      }
      default:
        break;
    }
  }
  return { prefix: layout, suffix: '' };
}

/** One chunk of `t`, as Go's appendFormat writes it. */
function formatChunk(t: WallTime, std: Std): string {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const date = new Date(Date.UTC(t.year, t.month - 1, t.day));
  const yearDay = Math.round((date.getTime() - Date.UTC(t.year, 0, 1)) / 86_400_000) + 1;
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  if (typeof std === 'object') return 'frac' in std ? fraction(t.nanos, std) : zoneText(t.offset, std);
  switch (std) {
    case 'year': return pad(t.year % 100, 2);
    case 'longYear': return pad(t.year, 4);
    case 'month': return (MONTHS[t.month - 1] as string).slice(0, 3);
    case 'longMonth': return MONTHS[t.month - 1] as string;
    case 'numMonth': return String(t.month);
    case 'zeroMonth': return pad(t.month, 2);
    case 'weekDay': return (DAYS[date.getUTCDay()] as string).slice(0, 3);
    case 'longWeekDay': return DAYS[date.getUTCDay()] as string;
    case 'day': return String(t.day);
    case 'underDay': return String(t.day).padStart(2, ' ');
    case 'zeroDay': return pad(t.day, 2);
    case 'underYearDay': return String(yearDay).padStart(3, ' ');
    case 'zeroYearDay': return pad(yearDay, 3);
    case 'hour': return pad(t.hour, 2);
    case 'hour12': return String(hour12);
    case 'zeroHour12': return pad(hour12, 2);
    case 'minute': return String(t.minute);
    case 'zeroMinute': return pad(t.minute, 2);
    case 'second': return String(t.second);
    case 'zeroSecond': return pad(t.second, 2);
    case 'PM': return t.hour >= 12 ? 'PM' : 'AM';
    case 'pm': return t.hour >= 12 ? 'pm' : 'am';
    case 'tz': return t.zone !== '' ? t.zone : zoneText(t.offset, { tz: 'num', colon: false, minutes: true, seconds: false });
  }
}

/** `.000` keeps that many digits; `.999` drops trailing zeros, and the separator too when none is left. */
function fraction(nanos: number, std: { frac: '0' | '9'; digits: number; separator: string }): string {
  let digits = String(nanos).padStart(9, '0').slice(0, std.digits);
  if (std.frac === '9') digits = digits.replace(/0+$/, '');
  return digits === '' ? '' : `${std.separator}${digits}`;
}

/** A numeric zone; the `Z…` chunks write `Z` for UTC (Go's ISO 8601 special case). */
function zoneText(offset: number, std: { tz: 'iso' | 'num'; colon: boolean; minutes: boolean; seconds: boolean }): string {
  if (offset === 0 && std.tz === 'iso') return 'Z';
  const abs = Math.abs(offset);
  const two = (n: number): string => String(n).padStart(2, '0');
  let text = `${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 3600))}`;
  if (std.minutes) text += `${std.colon ? ':' : ''}${two(Math.floor(abs / 60) % 60)}`;
  if (std.seconds) text += `${std.colon ? ':' : ''}${two(abs % 60)}`;
  return text;
}
