import { isIP } from 'node:net';

/**
 * A parsed `NO_PROXY`, the rules the OpenFaaS docs give for the queue-worker:
 * - a comma-separated list; spaces around entries and empty entries are ignored; case does not matter;
 * - a name matches the host itself or any subdomain: `local` matches `local` and `a.local`;
 *   with a leading dot only subdomains: `.local` matches `a.local`, not `local` (as Go does);
 * - an IP address matches only that address (IPv6 with or without brackets);
 * - `host:port` (`[v6]:port`) matches only that port; a URL without a port has its scheme's default;
 * - a single `*` entry means every host (no proxy at all);
 * - not supported, and listed in `ignored`: `*.local` wildcards and CIDR ranges (`10.0.0.0/8`).
 * `localhost` and loopback addresses are proxied unless listed (unlike Go's net/http).
 */
export class NoProxyList {
  /** Entries that match nothing because their form is not supported. */
  readonly ignored: readonly string[];
  readonly #all: boolean;
  readonly #entries: readonly NoProxyEntry[];

  private constructor(all: boolean, entries: NoProxyEntry[], ignored: string[]) {
    this.#all = all;
    this.#entries = entries;
    this.ignored = ignored;
  }

  static parse(value: string): NoProxyList {
    const entries: NoProxyEntry[] = [];
    const ignored: string[] = [];
    let all = false;
    for (const raw of value.split(',')) {
      const item = raw.trim().toLowerCase();
      if (item === '*') all = true;
      else if (item) {
        const entry = parseEntry(item);
        if (entry) entries.push(entry);
        else ignored.push(item);
      }
    }
    return new NoProxyList(all, entries, ignored);
  }

  /** Whether `url` is reached directly, without a proxy. */
  bypasses(url: URL): boolean {
    if (this.#all) return true;
    const host = unbracket(url.hostname.toLowerCase());
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const ip = isIP(host) !== 0;
    for (const entry of this.#entries) {
      if (entry.port !== 0 && entry.port !== port) continue;
      if (host === entry.host && !entry.subdomainsOnly) return true;
      if (!ip && !entry.ip && host.endsWith(`.${entry.host}`)) return true;
    }
    return false;
  }
}

// --- internal ---

interface NoProxyEntry {
  readonly host: string;
  /** 0: any port. */
  readonly port: number;
  readonly ip: boolean;
  /** A leading dot: `.local` matches `a.local`, not `local`. */
  readonly subdomainsOnly: boolean;
}

function parseEntry(item: string): NoProxyEntry | undefined {
  if (item.startsWith('*') || item.includes('/')) return undefined;
  let host = item;
  let port = 0;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2] ? Number(bracketed[2]) : 0;
  } else if (item.indexOf(':') !== -1 && item.indexOf(':') === item.lastIndexOf(':')) {
    const [name, digits] = item.split(':') as [string, string];
    if (!/^\d{1,5}$/.test(digits)) return undefined;
    host = name;
    port = Number(digits);
  } // more than one ':' and no brackets: a bare IPv6 address
  const subdomainsOnly = host.startsWith('.');
  if (subdomainsOnly) host = host.slice(1);
  if (!host || port > 65535) return undefined;
  return { host, port, ip: isIP(host) !== 0, subdomainsOnly };
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
