import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerAddress } from './connect-probe.js';

/**
 * Relays an `Upgrade` request (WebSocket and the like) to an http-mode function, as of-watchdog's
 * streaming reverse proxy does: the request head goes to the function's server as it came (with
 * `path` as the target), then bytes flow both ways untouched until either side closes. No deadline:
 * an upgraded connection lives as long as its two ends want, or until the server stops: it is in
 * `open` meanwhile (a server's close() no longer sees it), for the server to destroy then.
 */
export function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, address: ServerAddress, path: string, open: Set<Duplex>): void {
  open.add(client);
  client.once('close', () => open.delete(client));
  const upstream = 'socketPath' in address ? connect(address.socketPath) : connect(address.port, address.host);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  upstream.once('error', () => {
    if (upstream.bytesRead === 0 && client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else close();
  });
  client.once('error', close);
  upstream.once('connect', () => {
    const lines = [`${req.method} ${path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(client).once('finish', () => upstream.destroy());
    client.pipe(upstream).once('finish', () => client.destroy());
  });
}
