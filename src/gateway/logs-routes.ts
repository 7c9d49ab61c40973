import type { ServerResponse } from 'node:http';
import { assertNamespace, errors, parseQualifiedName, type LogMessage } from '../api/index.js';
import type { LogQuery, Provider } from '../provider/index.js';

/** A follower that does not read what it asked for is dropped past this much unsent output. */
const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * `GET /system/logs?name=&namespace=&instance=&tail=&follow=&since=` (reference §7): the function's
 * kept lines as NDJSON, oldest first, then with `follow=true` each new line as it comes, until the
 * client goes away (or the gateway stops). A removed function's kept lines stay readable.
 */
export async function streamLogs(provider: Provider, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const { follow, ...wanted } = parseLogQuery(query);
  if (!provider.has(wanted.name) && !provider.logs.has(wanted.name)) throw errors.functionNotFound(wanted.name);
  // Follow before reading, so no line falls between the two; the read's lines go first, then these.
  const early: LogMessage[] = [];
  let send: (message: LogMessage) => void = (m) => early.push(m);
  const stop = follow ? provider.logs.follow(wanted.name, wanted.instance, (m) => send(m)) : undefined;
  try {
    const kept = await provider.logs.read(wanted);
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
    res.write(kept.map(line).join(''));
    if (!stop) return void res.end();
    send = (m) => {
      if (res.writableLength > MAX_UNSENT_BYTES) return void res.destroy();
      res.write(line(m));
    };
    // Lines that came while the files were read may be in what was read: send the others.
    const from = early[0]?.timestamp ?? '~';
    const seen = new Set(kept.filter((m) => m.timestamp >= from).map(identity));
    for (const m of early) if (!seen.has(identity(m))) send(m);
    await new Promise<void>((resolve) => res.once('close', resolve));
  } finally {
    stop?.();
  }
}

/** The query, checked: every bad part is a 422 naming it, as OpenFaaS answers a log request it cannot parse. */
export function parseLogQuery(query: URLSearchParams): LogQuery & { follow: boolean } {
  // Repeated keys: the last one wins, as Go's query parsing is read by OpenFaaS.
  const last = (key: string): string | undefined => query.getAll(key).at(-1);
  const name = last('name');
  if (!name) throw errors.logQueryInvalid('name is required: GET /system/logs?name=FUNCTION');
  assertNamespace(last('namespace') ?? null);
  const out: { name: string; instance?: string; since?: Date; tail?: number; follow: boolean } = { name: parseQualifiedName(name), follow: false };
  const instance = last('instance');
  if (instance) out.instance = instance;
  const tail = last('tail');
  if (tail !== undefined && tail !== '') {
    if (!/^-?\d+$/.test(tail)) throw errors.logQueryInvalid(`tail=${tail} is not a whole number`);
    if (Number(tail) > 0) out.tail = Number(tail);
  }
  const since = last('since');
  if (since !== undefined && since !== '') {
    const time = Date.parse(since);
    if (!/^\d{4}-\d\d-\d\dT/.test(since) || Number.isNaN(time)) throw errors.logQueryInvalid(`since=${since} is not an RFC 3339 time, e.g. 2026-12-05T21:40:00Z`);
    out.since = new Date(time);
  }
  const follow = last('follow');
  if (follow !== undefined && follow !== '') {
    if (!/^(true|false|1|0)$/i.test(follow)) throw errors.logQueryInvalid(`follow=${follow} is not true or false`);
    out.follow = /^(true|1)$/i.test(follow);
  }
  return out;
}

function identity(m: LogMessage): string {
  return `${m.timestamp}\0${m.instance}\0${m.text}`;
}

function line(message: LogMessage): string {
  return `${JSON.stringify(message)}\n`;
}
