import { connect } from 'node:net';

/** Where a function's server listens: a Unix socket, or a TCP host and port. */
export type ServerAddress = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** The address of an `upstream_url` (`http://127.0.0.1:5000`). */
export function addressOf(url: string): ServerAddress {
  const { hostname, port, protocol } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || (protocol === 'https:' ? 443 : 80)) };
}

/** Does something accept connections there? (A server that is up, before any HTTP.) */
export function canConnect(address: ServerAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = 'socketPath' in address ? connect(address.socketPath) : connect(address.port, address.host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
