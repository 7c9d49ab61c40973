import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import type { Registry as MetricsRegistry } from 'prom-client';
import {
  DEFAULT_NAMESPACE,
  DeleteFunctionRequest,
  FunctionDeployment,
  ScaleServiceRequest,
  VERSION,
  assertNamespace,
  parseJson,
  parseQualifiedName,
  type GatewayInfo,
} from '../api/index.js';
import type { Provider } from '../provider/index.js';
import { limited, readText, sendJson, sendStatus, type BodyLimit } from '../watchdog/index.js';
import type { AsyncBackend } from '../queue/index.js';
import type { AsyncMetrics, Worker } from '../worker/index.js';
import { alertRoutes } from './alert-routes.js';
import { callsRoutes } from './calls-routes.js';
import { streamLogs } from './logs-routes.js';
import { sendHealthy, sendMetrics } from './metrics.js';
import { secretsRoutes } from './secrets-routes.js';
import { decodeSegment } from './internal/decode.js';

/** JSON bodies of /system routes are small; bundles have their own limit (max_bundle_size). */
const JSON_LIMIT: BodyLimit = { bytes: 1024 * 1024, setting: 'the 1 MiB limit of /system JSON bodies' };

export interface SystemContext {
  readonly provider: Provider;
  readonly maxBundleSize: number;
  readonly backend: AsyncBackend;
  /** Absent on a gateway that only accepts async calls (`sluice serve --no-worker`). */
  readonly worker?: Worker;
  /** What `GET /metrics` serves. */
  readonly metrics: MetricsRegistry;
  readonly asyncMetrics: AsyncMetrics;
}

const bundleLimit = (ctx: SystemContext): BodyLimit => ({ bytes: ctx.maxBundleSize, setting: 'max_bundle_size' });

type Handler = (ctx: SystemContext, req: IncomingMessage, res: ServerResponse, params: RouteParams) => Promise<void> | void;

export interface RouteParams {
  /** The `{name}` path segment, when the route has one. */
  readonly name: string;
  readonly query: URLSearchParams;
}

/** The OpenFaaS /system API (reference §1.2, §5) plus Sluice's bundle upload. Path → method → handler. */
export const systemRoutes: Record<string, Record<string, Handler>> = {
  '/system/functions': {
    GET: (ctx, _req, res, { query }) => {
      assertNamespace(query.get('namespace'));
      sendJson(res, 200, ctx.provider.list());
    },
    POST: (ctx, req, res) => deploy(ctx, req, res, 'create'),
    PUT: (ctx, req, res) => deploy(ctx, req, res, 'update'),
    DELETE: async (ctx, req, res, { query }) => {
      const body = parseJson(DeleteFunctionRequest, await readText(req, JSON_LIMIT));
      assertNamespace(body.namespace ?? query.get('namespace'));
      await ctx.provider.remove(parseQualifiedName(body.functionName));
      sendStatus(res, 202);
    },
  },
  '/system/function/{name}': {
    GET: (ctx, _req, res, { name, query }) => {
      assertNamespace(query.get('namespace'));
      sendJson(res, 200, ctx.provider.status(parseQualifiedName(name)));
    },
  },
  '/system/scale-function/{name}': {
    POST: async (ctx, req, res, { name, query }) => {
      const body = parseJson(ScaleServiceRequest, await readText(req, JSON_LIMIT));
      assertNamespace(body.namespace ?? query.get('namespace'));
      await ctx.provider.scale(parseQualifiedName(name), body.replicas);
      sendStatus(res, 202);
    },
  },
  '/system/bundles': {
    POST: async (ctx, req, res) => sendJson(res, 201, await ctx.provider.bundles.put(limited(req, bundleLimit(ctx)))),
  },
  '/system/info': {
    GET: (_ctx, _req, res) => sendJson(res, 200, gatewayInfo()),
  },
  '/system/namespaces': {
    GET: (_ctx, _req, res) => sendJson(res, 200, [DEFAULT_NAMESPACE]),
  },
  ...alertRoutes,
  ...callsRoutes,
  ...secretsRoutes,
  '/system/logs': {
    GET: (ctx, _req, res, { query }) => streamLogs(ctx.provider, res, query),
  },
  '/metrics': {
    GET: (ctx, _req, res) => sendMetrics(res, ctx.metrics, ctx.provider.metrics.text()),
  },
  '/healthz': {
    GET: (_ctx, _req, res) => sendHealthy(res),
  },
};

async function deploy(ctx: SystemContext, req: IncomingMessage, res: ServerResponse, mode: 'create' | 'update'): Promise<void> {
  const dep = parseJson(FunctionDeployment, await readText(req, JSON_LIMIT));
  await ctx.provider.deploy(dep, mode);
  sendStatus(res, 202);
}

function gatewayInfo(): GatewayInfo {
  const version = { sha: 'unknown', release: VERSION };
  return { provider: { provider: 'sluice', orchestration: 'process', version }, version, arch: os.arch() };
}

/** Finds the route of a /system (or /healthz) path: exact paths first, then `{name}` ones. */
export function matchSystemRoute(pathname: string): { methods: Record<string, Handler>; name: string } | undefined {
  const exact = systemRoutes[pathname];
  if (exact) return { methods: exact, name: '' };
  // `/prefix/{name}` or `/prefix/{name}/suffix`: the name is one segment, never empty.
  const segments = pathname.split('/');
  for (const at of [segments.length - 1, segments.length - 2]) {
    if (at < 2) continue;
    const pattern = systemRoutes[[...segments.slice(0, at), '{name}', ...segments.slice(at + 1)].join('/')];
    const name = decodeSegment(segments[at] as string);
    if (pattern && name) return { methods: pattern, name };
  }
  return undefined;
}
