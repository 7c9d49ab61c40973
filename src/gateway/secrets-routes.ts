import type { IncomingMessage, ServerResponse } from 'node:http';
import { Secret, assertNamespace, errors, parseJson } from '../api/index.js';
import { readText, sendJson, sendStatus, type BodyLimit } from '../watchdog/index.js';
import type { SystemContext } from './system-routes.js';

/** A secret's JSON, value included: small. */
const SECRET_LIMIT: BodyLimit = { bytes: 1024 * 1024, setting: 'the 1 MiB limit of a secret' };
/** Go's standard base64, as faas-cli encodes `rawValue`: padded, no line breaks. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Handler = (ctx: SystemContext, req: IncomingMessage, res: ServerResponse, params: { readonly query: URLSearchParams }) => Promise<void>;

/** `/system/secrets` (reference §5.6): list names, create, replace, delete; values are never answered. */
export const secretsRoutes: Record<string, Record<string, Handler>> = {
  '/system/secrets': {
    GET: async (ctx, _req, res, { query }) => {
      assertNamespace(query.get('namespace'));
      sendJson(res, 200, await ctx.provider.secrets.list());
    },
    POST: (ctx, req, res) => put(ctx, req, res, 'create'),
    PUT: (ctx, req, res) => put(ctx, req, res, 'replace'),
    DELETE: async (ctx, req, res) => {
      const body = await secretOf(req);
      await ctx.provider.removeSecret(body.name);
      sendStatus(res, 202);
    },
  },
};

async function put(ctx: SystemContext, req: IncomingMessage, res: ServerResponse, mode: 'create' | 'replace'): Promise<void> {
  const body = await secretOf(req);
  await ctx.provider.putSecret(body.name, valueOf(body), mode);
  sendStatus(res, 202);
}

async function secretOf(req: IncomingMessage): Promise<Secret> {
  const body = parseJson(Secret, await readText(req, SECRET_LIMIT));
  assertNamespace(body.namespace);
  return body;
}

/** `rawValue` (base64) wins over `value`, as in OpenFaaS. */
function valueOf(body: Secret): Buffer {
  if (body.rawValue !== undefined) {
    if (!BASE64.test(body.rawValue)) throw errors.invalidSecret(`rawValue of secret "${body.name}" is not base64 (standard alphabet, padded)`);
    return Buffer.from(body.rawValue, 'base64');
  }
  if (body.value !== undefined) return Buffer.from(body.value);
  throw errors.invalidSecret(`secret "${body.name}" has no value: give "value" (text) or "rawValue" (base64)`);
}
