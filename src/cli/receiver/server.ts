import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, SluiceError, errors, toSluiceError, verifyCallbackSignature } from '../../api/index.js';
import { readBuffer, sendError, sendJson } from '../../watchdog/index.js';
import { clientAddress, type AccessEntry } from './access-log.js';
import { messageName } from './names.js';
import { MessageStore, type MessageRecord } from './store.js';

/** Settings of {@link startReceiver}. */
export interface ReceiverOptions {
  /** TCP port; 0 for any free one (the receiver's `url` tells which). */
  readonly port: number;
  readonly bind: string;
  /** Absolute folder the messages are saved in; created when missing. */
  readonly dir: string;
  /** Key to check `X-Sluice-Signature` with; none, nothing is checked. */
  readonly key?: string;
  /** Largest body saved; 413 above. */
  readonly maxBodyBytes: number;
  /** Hears of each answered request. */
  readonly log: (entry: AccessEntry) => void;
  /** Hears of a request refused for its signature, and of failures the receiver survived. */
  readonly warn: (text: string) => void;
}

/** A running receiver. */
export interface Receiver {
  /** `http://<address>:<port>` it listens on. */
  readonly url: string;
  /** Stops taking connections and lets requests in flight finish (cut after 3 s). */
  close(): Promise<void>;
}

/**
 * Starts the callback receiver of the article (its Flask `pil-draft-client`), which doubles as a
 * request bin: `POST|PUT|PATCH /messages/<name>` saves the body as `<dir>/<name>`, a write to any
 * other path as `<dir>/requests/<seq>-<path>`, each with its headers in `<name>.headers.json`;
 * `GET /messages` lists them, `GET /messages/<name>` answers one, `GET /healthz` is 200.
 * A port in use is ERR_PORT_IN_USE.
 * @example const receiver = await startReceiver({ port: 5000, bind: '127.0.0.1', dir, maxBodyBytes, log, warn })
 */
export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const store = await MessageStore.open(opts.dir);
  const routes = new ReceiverRoutes(store, opts);
  const server = createServer(function receive(req, res) {
    void routes.serve(req, res);
  });
  const address = await listen(server, opts);
  server.on('error', (err) => opts.warn(`server error: ${err.message}`));
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, close: () => closeServer(server) };
}

// --- internal ---

/** Methods that save a request; GET and HEAD read. */
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
const MESSAGES = '/messages';
const STOP_GRACE_MS = 3000;

/** What the access log adds about a request beyond its line. */
type Outcome = Pick<AccessEntry, 'name' | 'size' | 'callId' | 'verified' | 'error'>;

class ReceiverRoutes {
  readonly #store: MessageStore;
  readonly #opts: ReceiverOptions;

  constructor(store: MessageStore, opts: ReceiverOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Answers one request, whatever happens (never throws), then logs it. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let outcome: Outcome = {};
    try {
      outcome = await this.#route(req, res);
    } catch (err) {
      const error = toSluiceError(err);
      if (error.status === 401 || error.status >= 500) this.#opts.warn(`${req.method} ${req.url}: ${reason(err)}`);
      sendError(res, error, 'json');
      outcome = { error: error.code };
    }
    const { method = '', url = '/', httpVersion } = req;
    this.#opts.log({ time: new Date(), remoteAddress: clientAddress(req.socket.remoteAddress), method, url, httpVersion, status: res.statusCode, ...outcome });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<Outcome> {
    const { method = '', url = '/' } = req;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const target = { path, query: query === -1 ? '' : url.slice(query + 1) };
    if (path === '/healthz') return this.#read(req, res, async () => void res.writeHead(200, { 'content-type': 'text/plain' }).end('OK'));
    if (path === MESSAGES || path.startsWith(`${MESSAGES}/`)) {
      const encoded = path.slice(MESSAGES.length + 1);
      if (encoded === '' && !WRITE_METHODS.has(method)) return this.#read(req, res, async () => sendJson(res, 200, await this.#store.list()));
      const name = messageName(encoded);
      if (name instanceof SluiceError) throw name;
      if (WRITE_METHODS.has(method)) return this.#save(req, res, target, () => name);
      return this.#read(req, res, () => this.#answerMessage(res, name));
    }
    if (WRITE_METHODS.has(method)) return this.#save(req, res, target, () => this.#store.nextRequestName(url));
    return this.#read(req, res, async () => {
      throw errors.notFound(method, path);
    });
  }

  /** A read-only route: GET and HEAD run `answer`, other methods get 405. */
  async #read(req: IncomingMessage, res: ServerResponse, answer: () => Promise<void>): Promise<Outcome> {
    if (!READ_METHODS.has(req.method ?? '')) {
      res.setHeader('allow', 'GET, HEAD');
      throw errors.methodNotAllowed(req.method ?? '', req.url ?? '/');
    }
    await answer();
    return {};
  }

  /** Reads the body, checks its signature, then saves it under the name `nameOf` gives. */
  async #save(req: IncomingMessage, res: ServerResponse, target: { path: string; query: string }, nameOf: () => string): Promise<Outcome> {
    const body = await readBuffer(req, { bytes: this.#opts.maxBodyBytes, setting: 'sluice receiver --max-body-size' });
    const verified = this.#verify(req, body);
    const record = recordOf(req, nameOf(), target, body.length, verified);
    await this.#store.save(record, body);
    sendJson(res, 200, { name: record.name, size: record.size, verified });
    return { name: record.name, size: record.size, callId: record.callId, verified };
  }

  /** True when the signature matches the key; false when there is no key; ERR_SIGNATURE_INVALID otherwise. */
  #verify(req: IncomingMessage, body: Buffer): boolean {
    const key = this.#opts.key;
    if (key === undefined) return false;
    const header = req.headers[SIGNATURE_HEADER];
    if (typeof header !== 'string' || header === '') throw errors.signatureInvalid('is missing');
    if (!verifyCallbackSignature(header, body, key)) {
      throw errors.signatureInvalid('does not match: signed with another key, the body was changed, or it is more than 5 minutes old');
    }
    return true;
  }

  async #answerMessage(res: ServerResponse, name: string): Promise<void> {
    const found = await this.#store.read(name);
    if (!found) throw errors.messageNotFound(name);
    res.writeHead(200, { 'content-type': found.contentType, 'content-length': found.body.length });
    res.end(found.body);
  }
}

function recordOf(req: IncomingMessage, name: string, target: { path: string; query: string }, size: number, verified: boolean): MessageRecord {
  const header = (key: string): string | null => {
    const value = req.headers[key];
    return typeof value === 'string' ? value : null;
  };
  const status = header('x-function-status');
  return {
    name,
    method: req.method ?? '',
    ...target,
    receivedAt: new Date().toISOString(),
    remoteAddress: clientAddress(req.socket.remoteAddress),
    size,
    contentType: header('content-type'),
    callId: header('x-call-id'),
    functionStatus: status !== null && /^\d{3}$/.test(status) ? Number(status) : null,
    verified,
    headers: req.headers,
  };
}

function reason(err: unknown): string {
  const cause = err instanceof SluiceError && err.cause !== undefined ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

async function listen(server: Server, opts: ReceiverOptions): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? errors.portInUse(`${opts.bind}:${opts.port}`, '--port') : err));
    server.listen(opts.port, opts.bind, resolve);
  });
  server.removeAllListeners('error');
  return server.address() as AddressInfo;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
  await closed;
  clearTimeout(cut);
}
