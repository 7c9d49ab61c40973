import { cgiEnv } from './cgi-env.js';
import { exitText, spawnCall, type ProcessModeOptions } from './spawn-call.js';
import type { ModeHandler } from './types.js';

/**
 * serializing mode (of-watchdog): one process per call, the whole of stdout buffered, then one
 * answer — so a failure can still be told: a non-zero exit answers 500 with the error text.
 */
export function createSerializingMode(opts: ProcessModeOptions): ModeHandler {
  const contentType = opts.config.contentType ?? 'application/octet-stream';
  return {
    async invoke(inv, sink) {
      const { child, exited } = spawnCall(opts, inv, inv.body, { ...opts.env, ...cgiEnv(inv) });
      const stdout: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      const { code, signal } = await exited;
      const failed = code !== 0;
      if (failed) opts.log('stderr', `process ${exitText(code, signal)}`, inv.callId);
      const body = failed ? Buffer.from(`${exitText(code, signal)}\n`) : Buffer.concat(stdout);
      sink.start(failed ? 500 : 200, ['content-type', failed ? 'text/plain; charset=utf-8' : contentType, 'content-length', String(body.length)]);
      sink.write(body);
      sink.end();
    },
    close: async () => {},
  };
}
