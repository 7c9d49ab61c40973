/** One answered request, as the receiver logs it. */
export interface AccessEntry {
  readonly time: Date;
  readonly remoteAddress: string;
  readonly method: string;
  /** The request target as received: path and query, still percent-encoded. */
  readonly url: string;
  readonly httpVersion: string;
  readonly status: number;
  /** Where a saved request went. */
  readonly name?: string;
  readonly size?: number;
  readonly callId?: string | null;
  readonly verified?: boolean;
  /** Why the request was refused (the error's code). */
  readonly error?: string;
}

/**
 * The line Flask's development server (Werkzeug) logs, which the article's receiver printed:
 * `10.3.158.67 - - [11/Jul/2021 21:57:07] "POST /messages/x.jpg HTTP/1.1" 200 -`. Local time, as
 * Python's `log_date_time_string`; the size is always `-`, as Werkzeug writes it.
 */
export function werkzeugLine(entry: AccessEntry): string {
  const t = entry.time;
  const date = `${pad(t.getDate())}/${MONTHS[t.getMonth()]}/${t.getFullYear()} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  return `${entry.remoteAddress} - - [${date}] "${entry.method} ${entry.url} HTTP/${entry.httpVersion}" ${entry.status} -`;
}

/** The same entry as one JSON object a script can read (`--json`). */
export function jsonLine(entry: AccessEntry): string {
  return JSON.stringify({ event: 'request', ...entry, time: entry.time.toISOString() });
}

/** The client's address without the `::ffff:` an IPv4 client gets on a dual-stack socket. */
export function clientAddress(address: string | undefined): string {
  if (address === undefined) return '-';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

// --- internal ---

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
