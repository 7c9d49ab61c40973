import { errors } from '../api/index.js';
import { formatSeconds } from '../config/index.js';
import { canonicalHeader, cgiEnv } from './cgi-env.js';
import { readAll } from './request-body.js';
import { exitText, spawnCall, type ProcessModeOptions } from './spawn-call.js';
import type { Invocation, ModeHandler, ResponseSink } from './types.js';

/** The methods the classic watchdog runs a function for; others get 405. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * fork mode, the classic watchdog: one process per call and all of its output buffered. stderr joins
 * the answer (`combine_output`, default on) or only the log; exit 0 → 200, otherwise 500 with
 * `exit status N` and the output. `cgi_headers`, `marshal_request`, `write_debug`, `debug_headers`
 * and `content_type` behave as there; `exec_timeout` answers `408 Killed process.` (see deadline.ts).
 * Each call logs the classic watchdog's two lines, `Forking fprocess.` and `Wrote N Bytes - Duration:
 * S seconds`, which OpenFaaS users (and its certifier's logs test) look for in `faas-cli logs`.
 */
export function createForkMode(opts: ProcessModeOptions): ModeHandler {
  return {
    invoke: (inv, sink) => runOnce(opts, inv, sink),
    close: async () => {},
  };
}

async function runOnce(opts: ProcessModeOptions, inv: Invocation, sink: ResponseSink): Promise<void> {
  const { config } = opts;
  if (!METHODS.has(inv.method)) throw errors.methodNotAllowed(inv.method, inv.path);
  if (config.debugHeaders) opts.log('stderr', `request headers: ${JSON.stringify(inv.headers)}`, inv.callId);
  const stdin = config.marshalRequest ? await marshal(inv) : inv.body;
  const env = config.cgiHeaders ? { ...opts.env, ...cgiEnv(inv) } : { ...opts.env };
  const started = performance.now();
  opts.log('stderr', 'Forking fprocess.', inv.callId);
  const output: Buffer[] = [];
  const collect = (chunk: Buffer): number => output.push(chunk);
  const { child, exited } = spawnCall(opts, inv, stdin, env, config.combineOutput ? collect : undefined);
  child.stdout.on('data', collect);
  const { code, signal } = await exited;
  const result = Buffer.concat(output);
  const ok = code === 0;
  if (config.writeDebug) result.toString('utf8').split('\n').filter(Boolean).forEach((line) => opts.log('stdout', line, inv.callId));
  if (ok) opts.log('stderr', `${config.writeDebug ? '' : `Wrote ${result.length} Bytes - `}Duration: ${formatSeconds(performance.now() - started)} seconds`, inv.callId);
  const body = ok ? result : Buffer.concat([Buffer.from(`${exitText(code, signal)}\n`), result]);
  const type = ok ? (config.contentType ?? inv.headers['content-type'] ?? 'text/plain; charset=utf-8') : 'text/plain; charset=utf-8';
  const headers = ['content-type', type, 'content-length', String(body.length)];
  if (config.debugHeaders) opts.log('stderr', `response headers: ${JSON.stringify(headers)}`, inv.callId);
  sink.start(ok ? 200 : 500, headers);
  sink.write(body);
  sink.end();
}

/** `marshal_request`: the classic watchdog's JSON of the request, headers canonical, body base64. */
async function marshal(inv: Invocation): Promise<Buffer> {
  const header: Record<string, string[]> = {};
  for (const key in inv.headers) {
    const value = inv.headers[key];
    if (value !== undefined) header[canonicalHeader(key, '-')] = Array.isArray(value) ? value : [value];
  }
  const body = inv.body === null ? Buffer.alloc(0) : Buffer.isBuffer(inv.body) ? inv.body : await readAll(inv.body, inv.signal);
  return Buffer.from(JSON.stringify({ header, body: { raw: body.toString('base64') } }));
}
