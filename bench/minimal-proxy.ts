/**
 * The floor of Sluice's design, for the sync benchmark: the least a node:http server can do to relay
 * a call to a replica's Unix socket with undici's dispatch — no routing, ids, limits or timeouts.
 */
import { createServer } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const socketPath = process.argv[2] as string;
const pool = new Pool('http://localhost', { socketPath, connections: null, headersTimeout: 0, bodyTimeout: 0 });

const server = createServer((req, res) => {
  const headers = { ...req.headers };
  delete headers.connection;
  pool.dispatch({ method: req.method as Dispatcher.HttpMethod, path: req.url as string, headers: headers as Record<string, string>, body: req }, {
    onRequestStart() {},
    onResponseStart(controller, status, upstream) {
      const { connection: _c, 'keep-alive': _k, ...rest } = upstream;
      res.writeHead(status, rest as Record<string, string>);
      res.on('drain', () => controller.resume());
    },
    onResponseData(controller, chunk) {
      if (!res.write(chunk)) controller.pause();
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError(_controller, err) {
      res.destroy(err);
    },
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
