import { openSqliteBackend } from './sqlite-backend.js';
import type { AsyncBackend } from './types.js';

/**
 * The backend a node uses: JetStream when given a NATS URL (several nodes share it), else the
 * embedded SQLite one in `dir`. JetStream's client is loaded only when asked for.
 */
export async function openAsyncBackend(natsUrl: string | undefined, dir: string): Promise<AsyncBackend> {
  if (natsUrl === undefined) return openSqliteBackend(dir);
  const { openJetStreamBackend } = await import('./jetstream-backend.js');
  return openJetStreamBackend(natsUrl);
}
