import { z } from 'zod';
import { parseQualifiedName } from '../api/index.js';
import { parseDuration } from '../config/index.js';
import { NO_RETRY, RETRY_DEFAULTS, STEP_METHODS, type StepMethod, type StepRetry } from './definition.js';

/**
 * The zod schema of workflow.yml (reference §10.1, plus Sluice's step keys; docs/workflows.md).
 * Strict at every level, so a typo is reported with a "did you mean". Values come out converted:
 * methods upper-case, durations in ms, header names lower-case, queries encoded, defaults filled.
 */

/** A zod error callback: "required" when the key is missing, else what was expected. */
function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : `expected ${what}`);
}

/** Reports `message` on the value being transformed (or on `path` under it). */
function fail(ctx: z.core.$RefinementCtx, message: string, path: PropertyKey[] = []): never {
  ctx.addIssue({ code: 'custom', message, path });
  return z.NEVER;
}

/** A step's or the workflow's name: numbers read as text (`name: 2`). */
const label = z
  .union([z.string(), z.number()], { error: expected('a string') })
  .transform((value, ctx) => (String(value) === '' ? fail(ctx, 'must not be empty') : String(value)));

/** `name` or `name.namespace`, checked as the gateway checks route names. */
const functionName = z.string({ error: expected('a function name') }).transform((value, ctx) => {
  try {
    parseQualifiedName(value);
    return value;
  } catch (err) {
    return fail(ctx, (err as Error).message);
  }
});

const method = z.string({ error: expected('an HTTP method') }).transform((value, ctx): StepMethod => {
  const upper = value.toUpperCase();
  return STEP_METHODS.find((m) => m === upper) ?? fail(ctx, `"${value}" is not one of ${STEP_METHODS.join(', ')}`);
});

const path = z.string({ error: expected('a path') }).transform((value, ctx) => {
  if (!value.startsWith('/')) return fail(ctx, `"${value}" must start with "/" (e.g. /thumbnail)`);
  return value.includes('?') ? fail(ctx, `"${value}" has a "?": put the query string in "query"`) : value;
});

const scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string or number' }).transform(String);

/** `size=200&mode=L` (no leading '?') or a map `{size: 200}`, encoded. */
const query = z
  .union([z.string(), z.record(z.string(), scalar)], { error: expected('a string or a map') })
  .transform((value, ctx) => {
    if (typeof value !== 'string') return new URLSearchParams(value).toString();
    return value.startsWith('?') ? fail(ctx, `"${value}": leave out the leading "?"`) : value;
  });

/** RFC 9110 §5.6.2 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const headerValue = z
  .union([z.string(), z.number()], { error: 'expected a string or number' })
  .transform((value, ctx) => (/[\r\n\0]/.test(String(value)) ? fail(ctx, 'must not contain line breaks') : String(value)));

/** Header names lower-cased, as node hands them to functions. An empty `headers:` is no headers. */
const headers = z
  .record(z.string().regex(TOKEN), headerValue, {
    error: (issue) => (issue.code === 'invalid_key' ? `"${String(issue.input)}" is not a valid header name` : expected('a map of headers')(issue)),
  })
  .nullable()
  .transform((map) => Object.fromEntries(Object.entries(map ?? {}).map(([name, value]) => [name.toLowerCase(), value])));

/** `500ms`, `30s`, `2m` or plain seconds (`30`), in ms. */
const duration = z.union([z.string(), z.number()], { error: expected('a duration') }).transform((value, ctx) => {
  return parseDuration(String(value)) ?? fail(ctx, `"${value}" is not a duration: use e.g. 500ms, 30s, 2m, or plain seconds`);
});

const ATTEMPTS = 'must be a whole number from 1 to 10';
const CODE = 'must be an HTTP status code from 100 to 599';
const statusCode = z.number({ error: CODE }).int({ error: CODE }).min(100, { error: CODE }).max(599, { error: CODE });

/** A `retry:` block: keys it leaves out come from RETRY_DEFAULTS; an empty one is all defaults. */
const retry = z
  .strictObject(
    {
      attempts: z.number({ error: expected('a whole number from 1 to 10') }).int({ error: ATTEMPTS }).min(1, { error: ATTEMPTS }).max(10, { error: ATTEMPTS }).optional(),
      min_wait: duration.optional(),
      max_wait: duration.optional(),
      codes: z.array(statusCode, { error: expected('a list of HTTP status codes') }).optional(),
    },
    { error: expected('a map') },
  )
  .nullable()
  .transform((input, ctx): StepRetry => {
    const out = {
      attempts: input?.attempts ?? RETRY_DEFAULTS.attempts,
      minWaitMs: input?.min_wait ?? RETRY_DEFAULTS.minWaitMs,
      maxWaitMs: input?.max_wait ?? RETRY_DEFAULTS.maxWaitMs,
      codes: input?.codes ?? [...RETRY_DEFAULTS.codes],
    };
    if (out.maxWaitMs >= out.minWaitMs) return out;
    if (input?.max_wait !== undefined) return fail(ctx, `${shown(out.maxWaitMs)} is less than min_wait (${shown(out.minWaitMs)})`, ['max_wait']);
    return fail(ctx, `${shown(out.minWaitMs)} is more than max_wait (${shown(out.maxWaitMs)} by default): set max_wait too`, ['min_wait']);
  });

/** A duration in messages: `5s`, `1500ms`. */
function shown(ms: number): string {
  return ms % 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** Keys issue 6 plans for later: named so that a file using them is told so, not "unknown key". */
const planned = z.never({ error: 'not supported yet (planned)' }).optional();

export const StepSchema = z.strictObject(
  {
    name: label,
    function: functionName,
    method: method.default('POST'),
    path: path.default('/'),
    query: query.default(''),
    headers: headers.default({}),
    input: z.enum(['previous', 'original'], { error: 'must be "previous" or "original"' }).default('previous'),
    on_error: z.enum(['stop', 'continue'], { error: 'must be "stop" or "continue"' }).default('stop'),
    timeout: duration.default(0),
    retry: retry.default(NO_RETRY),
    parallel: planned,
    choice: planned,
    callback_url: planned,
    async: planned,
  },
  { error: expected('a map (one step)') },
);

/** The whole file. */
export const WorkflowSchema = z.strictObject(
  {
    workflow: z.strictObject(
      {
        name: label,
        /** The article's runner called steps through it; Sluice keeps it for show only. */
        gateway_url: z.string({ error: expected('a URL') }).optional(),
        steps: z
          .array(StepSchema, { error: (issue) => (issue.input === undefined ? 'required' : issue.input === null ? 'must list at least one step' : 'expected a list of steps') })
          .min(1, { error: 'must list at least one step' }),
      },
      { error: expected('a map') },
    ),
  },
  { error: expected('a map') },
);
/** The validated file, before it becomes a `WorkflowDefinition`. */
export type WorkflowFile = z.infer<typeof WorkflowSchema>;
