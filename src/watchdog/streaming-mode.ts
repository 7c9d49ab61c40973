import { cgiEnv } from './cgi-env.js';
import { exitText, spawnCall, type ProcessModeOptions } from './spawn-call.js';
import { lineSplitter } from './lines.js';
import type { Invocation, ModeHandler, ResponseSink } from './types.js';

const KEPT_STDERR_LINES = 20;

/**
 * streaming mode (of-watchdog's default): one process per call, the body piped to stdin, stdout
 * streamed to the client as it is written, at the client's pace (a 100 MB answer is never held in
 * memory). Status 200 goes out with the first byte, so a later failure can only be logged — but a
 * process that fails before writing anything answers 500 with its stderr, not an empty 200.
 */
export function createStreamingMode(opts: ProcessModeOptions): ModeHandler {
  const contentType = opts.config.contentType ?? 'application/octet-stream';
  return {
    invoke: (inv, sink) => streamOnce(opts, contentType, inv, sink),
    close: async () => {},
  };
}

async function streamOnce(opts: ProcessModeOptions, contentType: string, inv: Invocation, sink: ResponseSink): Promise<void> {
  const stderr: string[] = [];
  const keep = lineSplitter((line) => {
    if (stderr.push(line) > KEPT_STDERR_LINES) stderr.shift();
    opts.log('stderr', line, inv.callId);
  }, opts.config.logBufferSize);
  const { child, exited } = spawnCall(opts, inv, inv.body, { ...opts.env, ...cgiEnv(inv) }, (chunk) => keep.write(chunk));
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (!started) {
      started = true;
      sink.start(200, ['content-type', contentType]);
      sink.onDrain(() => child.stdout.resume());
    }
    if (!sink.write(chunk)) child.stdout.pause();
  });
  const { code, signal } = await exited;
  keep.end();
  if (code !== 0) opts.log('stderr', `process ${exitText(code, signal)}`, inv.callId);
  if (!started) {
    const failed = code !== 0;
    const body = failed ? Buffer.from(`${exitText(code, signal)}\n${stderr.join('\n')}\n`) : Buffer.alloc(0);
    sink.start(failed ? 500 : 200, ['content-type', failed ? 'text/plain; charset=utf-8' : contentType, 'content-length', String(body.length)]);
    sink.write(body);
  }
  sink.end();
}
