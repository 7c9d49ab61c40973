import { errors } from '../api/index.js';
import { createForkMode } from './fork-mode.js';
import { createHttpMode } from './http-mode.js';
import { createSerializingMode } from './serializing-mode.js';
import type { ProcessModeOptions } from './spawn-call.js';
import { createStaticMode } from './static-mode.js';
import { createStreamingMode } from './streaming-mode.js';
import type { ModeHandler } from './types.js';

/** What a mode needs: the function's settings, and for http mode where its process listens. */
export interface ModeOptions extends ProcessModeOptions {
  /** http mode: the replica's Unix socket; without it, the config's `upstream_url`. */
  readonly socketPath?: string;
}

/** The one place a mode is chosen (of-watchdog's `buildRequestHandler`). */
export function createMode(opts: ModeOptions): ModeHandler {
  const { config } = opts;
  switch (config.mode) {
    case 'http': {
      const upstream = opts.socketPath !== undefined ? { socketPath: opts.socketPath } : config.upstreamUrl !== undefined ? { url: config.upstreamUrl } : undefined;
      if (!upstream) throw errors.configInvalid(['upstream_url: required in http mode without a socket (where fprocess listens, e.g. http://127.0.0.1:5000)']);
      return createHttpMode({ name: opts.name, upstream, bufferBody: config.bufferHttp });
    }
    case 'streaming':
      return createStreamingMode(opts);
    case 'serializing':
      return createSerializingMode(opts);
    case 'fork':
      return createForkMode(opts);
    case 'static':
      return createStaticMode(opts.name, config.staticPath);
    case 'workflow':
      throw errors.configInvalid(['mode=workflow: a workflow runs inside sluice serve (deploy it with lang: workflow), not under a watchdog']);
  }
}
