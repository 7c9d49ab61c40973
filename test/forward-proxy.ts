import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ForwardProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `METHOD absolute-URL` of every request relayed, and `CONNECT host:port` of every tunnel. */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A real forward HTTP proxy on a free loopback port, as a corporate one behaves: absolute-URI
 * requests are relayed, CONNECT opens a tunnel, and with `credentials` ("user:pass") anything
 * without the matching Proxy-Authorization gets 407.
 */
export async function startForwardProxy(opts: { credentials?: string } = {}): Promise<ForwardProxy> {
  const seen: string[] = [];
  const authorized = (auth: string | undefined): boolean =>
    opts.credentials === undefined || auth === `Basic ${Buffer.from(opts.credentials).toString('base64')}`;
  const server = http.createServer((req, res) => {
    if (!authorized(req.headers['proxy-authorization'])) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':') as [string, string];
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
