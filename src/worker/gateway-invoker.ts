import { Agent, request } from 'undici';
import { SluiceError, errors, type FunctionStatus, type QueueRequest } from '../api/index.js';
import type { Invoker } from './invoker.js';
import { queueOf } from './queues.js';
import { RESULT_LIMIT } from '../provider/index.js';
import { invocationHeaders, type RunOutcome } from './run-call.js';

/** Answer headers of the hop itself, or the gateway's own per-call ones: not part of the function's answer. */
const NOT_THE_FUNCTIONS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date', 'x-duration-seconds', 'x-served-by', 'x-sluice-error']);
/** How long a function's annotations are reused before the gateway is asked again. */
const ANNOTATIONS_TTL_MS = 5000;

/**
 * The worker of `sluice worker`: runs calls through a gateway's sync route
 * (`/function/<name>/<path>?<query>`, as OpenFaaS's queue-worker does), and learns about functions
 * from its /system API. The gateway may be a load balancer in front of several nodes.
 */
export function gatewayInvoker(gatewayUrl: string, authorization?: string): Invoker & { close(): Promise<void> } {
  const base = gatewayUrl.replace(/\/+$/, '');
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const cache = new Map<string, { at: number; annotations: Record<string, string> | undefined }>();
  const system = async <T>(path: string): Promise<T | undefined> => {
    // The gateway's credentials go to its /system API only, never to functions.
    const res = await request(`${base}${path}`, { dispatcher: agent, ...(authorization ? { headers: { authorization } } : {}) });
    if (res.statusCode === 404) return void (await res.body.dump());
    if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}: ${await res.body.text()}`);
    return (await res.body.json()) as T;
  };
  return {
    run: (req, body, timeoutMs) => viaGateway(base, agent, req, body, timeoutMs),
    annotations: async (name) => {
      const hit = cache.get(name);
      if (hit && Date.now() - hit.at < ANNOTATIONS_TTL_MS) return hit.annotations;
      const status = await system<FunctionStatus>(`/system/function/${encodeURIComponent(name)}`).catch(() => undefined);
      cache.set(name, { at: Date.now(), annotations: status?.annotations });
      return status?.annotations;
    },
    queues: async () => ((await system<FunctionStatus[]>('/system/functions')) ?? []).map((fn) => queueOf(fn.annotations)),
    close: () => agent.close(),
  };
}

async function viaGateway(base: string, agent: Agent, req: QueueRequest, body: Buffer, timeoutMs: number): Promise<RunOutcome> {
  const started = performance.now();
  const seconds = (): number => Number(((performance.now() - started) / 1000).toFixed(6));
  const url = `${base}/function/${req.Function}${req.Path}${req.QueryString ? `?${req.QueryString}` : ''}`;
  try {
    const res = await request(url, {
      method: req.Method as 'POST',
      headers: invocationHeaders(req, body.length),
      body: body.length ? body : null,
      dispatcher: agent,
      ...(timeoutMs > 0 ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > RESULT_LIMIT) throw errors.upstreamFailed(req.Function, `its response is larger than the ${RESULT_LIMIT} bytes an async call keeps`);
      chunks.push(chunk);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !NOT_THE_FUNCTIONS.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const answer = Buffer.concat(chunks, size);
    const code = res.headers['x-sluice-error'];
    // The gateway's own error (no replica, timeout…) is not the function's answer: retried like one in process.
    const error = typeof code === 'string' ? new SluiceError(code, res.statusCode, answer.toString('utf8').trim()) : undefined;
    return { status: res.statusCode, headers, body: answer, seconds: seconds(), ...(error ? { error } : {}) };
  } catch (err) {
    const error = err instanceof SluiceError ? err : (err as Error).name === 'TimeoutError' ? errors.upstreamTimeout(req.Function, timeoutMs / 1000) : errors.gatewayUnreachable(base, (err as Error).message);
    return { status: error.status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${error.message}\n`), seconds: seconds(), error };
  }
}
