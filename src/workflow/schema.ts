import { z } from 'zod';
import { parseQualifiedName } from '../api/index.js';
import { parseDuration } from '../config/index.js';
import { JOIN_MODES, NO_RETRY, RETRY_DEFAULTS, STEP_METHODS, type Condition, type StatusClass, type StepMethod, type StepRetry } from './definition.js';

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

/** Where a step's own answer is posted in an async run: an absolute http(s) URL, as X-Callback-Url. */
const callbackUrl = z.string({ error: expected('a URL') }).transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(ctx, `"${value}" is not an absolute URL`);
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : fail(ctx, `"${value}": use an http:// or https:// URL`);
});

/**
 * The architecture's early `async: true` per step: every step of an async run goes through the queue
 * already, so the key is refused with what to do instead.
 */
const asyncKey = z.never({ error: 'not needed: call the workflow at /async-function/{name} and every step runs as a queued call of its own' }).optional();

const STATUS = 'expected a status code (100 to 599), "2xx" (any of 1xx to 5xx), or a list of them';
const STATUS_CLASSES: readonly string[] = ['1xx', '2xx', '3xx', '4xx', '5xx'] satisfies StatusClass[];

/** `404`, `"4xx"` or a list of them: a status matches when it is any of them. */
const status = z
  .union([z.number(), z.string(), z.array(z.union([z.number(), z.string()]))], { error: STATUS })
  .transform((value, ctx) => {
    const list = Array.isArray(value) ? value : [value];
    const valid = (p: number | string): boolean => (typeof p === 'number' ? Number.isInteger(p) && p >= 100 && p <= 599 : STATUS_CLASSES.includes(p));
    return list.length && list.every(valid) ? (list as (number | StatusClass)[]) : fail(ctx, STATUS);
  });

/** A JavaScript regular expression, compiled here so that a bad one is reported at deploy. */
const regex = z.string({ error: expected('a regular expression') }).transform((value, ctx) => {
  try {
    return new RegExp(value);
  } catch (err) {
    return fail(ctx, (err as Error).message);
  }
});

const headerTest = z.strictObject(
  {
    name: z.string({ error: expected('a header name') }).regex(TOKEN, { error: 'is not a valid header name' }).transform((name) => name.toLowerCase()),
    matches: regex,
  },
  { error: expected('a map: {name, matches}') },
);

/** `a.b.0.c`: keys and list indexes. */
const jsonPath = z.union([z.string(), z.number()], { error: expected('a dotted path, e.g. items.0.kind') }).transform((value, ctx) => {
  const parts = String(value).split('.');
  return parts.every(Boolean) ? parts : fail(ctx, `"${value}" has an empty part: write e.g. items.0.kind`);
});

const jsonTest = z
  .strictObject(
    {
      path: jsonPath,
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number, boolean or null' }).optional(),
      matches: regex.optional(),
    },
    { error: expected('a map: {path, equals} or {path, matches}') },
  )
  .transform((test, ctx): Condition => {
    if (test.matches !== undefined && test.equals !== undefined) return fail(ctx, 'has both equals and matches: use one');
    if (test.matches !== undefined) return { kind: 'json', path: test.path, matches: test.matches };
    return test.equals !== undefined ? { kind: 'json', path: test.path, equals: test.equals } : fail(ctx, 'needs equals or matches');
  });

/** A case's `when`: exactly one test of the previous answer. */
const condition = z
  .strictObject({ status: status.optional(), header: headerTest.optional(), json: jsonTest.optional() }, { error: expected('a map: {status}, {header} or {json}') })
  .transform((when, ctx): Condition => {
    const keys = Object.keys(when);
    if (keys.length !== 1) return fail(ctx, keys.length ? `has ${keys.join(' and ')}: a case tests one thing` : 'needs one of status, header, json');
    if (when.status) return { kind: 'status', status: when.status };
    return when.header ? { kind: 'header', ...when.header } : (when.json as Condition);
  });

/** A list of steps: the workflow's, a branch's, a case's. */
const stepList = (): z.ZodArray<typeof StepSchema> =>
  z
    .array(StepSchema, { error: (issue) => (issue.input === undefined ? 'required' : issue.input === null ? 'must list at least one step' : 'expected a list of steps') })
    .min(1, { error: 'must list at least one step' });

/** A branch's name: a JSON key and a multipart part's name, and part of X-Workflow-Failed-Step. */
const BRANCH = /^[A-Za-z0-9_-]+$/;

/** One case of a choice: `when` and `steps`, or `otherwise` (checked in parse.ts, with the file's lines). */
export const CaseSchema = z.strictObject(
  {
    when: condition.optional(),
    get steps() {
      return stepList().optional();
    },
    get otherwise() {
      return stepList().optional();
    },
  },
  { error: expected('a map (one case: when and steps, or otherwise)') },
);

/**
 * One step. Which of `function`, `parallel` and `choice` it has, and which keys go with that, is
 * checked in parse.ts on the file itself: zod sees only the keys that parsed.
 */
export const StepSchema = z.strictObject(
  {
    name: label,
    function: functionName.optional(),
    method: method.default('POST'),
    path: path.default('/'),
    query: query.default(''),
    headers: headers.default({}),
    input: z.enum(['previous', 'original'], { error: 'must be "previous" or "original"' }).default('previous'),
    on_error: z.enum(['stop', 'continue'], { error: 'must be "stop" or "continue"' }).default('stop'),
    timeout: duration.default(0),
    retry: retry.default(NO_RETRY),
    get parallel() {
      return z
        .record(z.string().regex(BRANCH), stepList(), {
          error: (issue) => (issue.code === 'invalid_key' ? `"${String(issue.input)}" is not a branch name: use letters, digits, '-' and '_'` : issue.input === null ? 'must name at least one branch' : expected('a map of branches')(issue)),
        })
        .optional();
    },
    join: z.enum(JOIN_MODES, { error: `must be one of ${JOIN_MODES.join(', ')}` }).default('auto'),
    get choice() {
      return z
        .array(CaseSchema, { error: (issue) => (issue.input === null ? 'must list at least one case' : expected('a list of cases')(issue)) })
        .min(1, { error: 'must list at least one case' })
        .optional();
    },
    callback_url: callbackUrl.optional(),
    async: asyncKey,
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
        steps: stepList(),
      },
      { error: expected('a map') },
    ),
  },
  { error: expected('a map') },
);
/** The validated file, before it becomes a `WorkflowDefinition`. */
export type WorkflowFile = z.infer<typeof WorkflowSchema>;
