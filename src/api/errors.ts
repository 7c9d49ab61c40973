/**
 * The one error registry. Every failure a user can see is a `SluiceError` with a stable `code`, an
 * HTTP `status` and a message that says what to do next. Codes are documented in docs/errors.md; a
 * test keeps the two in step.
 */
export class SluiceError extends Error {
  override readonly name = 'SluiceError';
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.status = status;
  }

  /** What crosses the wire: never the stack, never the cause. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

type Factory<A extends unknown[]> = ((...args: A) => SluiceError) & { readonly code: string };

function define<A extends unknown[]>(code: string, status: number, message: (...args: A) => string): Factory<A> {
  const factory = (...args: A): SluiceError => new SluiceError(code, status, message(...args));
  return Object.assign(factory, { code });
}

/** The registry: code → factory. Grouped by who raises them. */
export const errors = {
  // --- configuration ---
  configInvalid: define('ERR_CONFIG_INVALID', 500, (problems: string[]) => `invalid configuration:\n  ${problems.join('\n  ')}`),

  // --- requests (4xx) ---
  badJson: define('ERR_BAD_JSON', 400, (detail: string) => `request body is not valid JSON: ${detail}`),
  badRequest: define('ERR_BAD_REQUEST', 400, (detail: string) => detail),
  invalidName: define(
    'ERR_INVALID_NAME',
    400,
    (name: string) =>
      `invalid function name "${name}": use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
  ),
  wrongNamespace: define('ERR_WRONG_NAMESPACE', 400, (ns: string, want: string) => `namespace "${ns}" does not exist: namespace must be: ${want}`),
  functionNotFound: define('ERR_FUNCTION_NOT_FOUND', 404, (name: string) => `function "${name}" not found: deploy it first, or see \`sluice list\``),
  logQueryInvalid: define('ERR_LOG_QUERY_INVALID', 422, (detail: string) => `could not parse the log request: ${detail}`),
  secretNotFound: define('ERR_SECRET_NOT_FOUND', 404, (name: string) => `secret "${name}" not found: create it with \`sluice secret create ${name}\`, or see \`sluice secret list\``),
  secretExists: define('ERR_SECRET_EXISTS', 409, (name: string) => `secret "${name}" already exists: change its value with PUT /system/secrets (\`sluice secret update ${name}\`, or \`create --replace\`)`),
  secretInUse: define('ERR_SECRET_IN_USE', 409, (name: string, functions: string[]) => `secret "${name}" is used by ${functions.map((f) => `"${f}"`).join(', ')}: remove it from their secrets and deploy them again first`),
  secretsMissing: define('ERR_SECRETS_MISSING', 400, (name: string, missing: string[]) => `function "${name}" names secret(s) that do not exist: ${missing.join(', ')} — create them first with \`sluice secret create NAME\``),
  invalidSecret: define('ERR_INVALID_SECRET', 400, (detail: string) => detail),
  functionExists: define('ERR_FUNCTION_EXISTS', 409, (name: string) => `function "${name}" already exists: use PUT /system/functions to update it`),
  bundleNotFound: define('ERR_BUNDLE_NOT_FOUND', 400, (digest: string) => `bundle ${digest} was not uploaded: PUT it to /system/bundles first`),
  badBundle: define('ERR_BAD_BUNDLE', 400, (detail: string) => `the bundle could not be unpacked: ${detail}`),
  workflowInvalid: define('ERR_WORKFLOW_INVALID', 400, (file: string, problems: string[]) => `${file} has errors:\n  ${problems.join('\n  ')}`),
  notFound: define('ERR_ROUTE_NOT_FOUND', 404, (method: string, path: string) => `no route for ${method} ${path}`),
  methodNotAllowed: define('ERR_METHOD_NOT_ALLOWED', 405, (method: string, path: string) => `method ${method} is not allowed on ${path}`),
  bodyTooLarge: define('ERR_BODY_TOO_LARGE', 413, (limit: number, setting: string) => `request body is larger than the limit of ${limit} bytes (${setting})`),
  requestTimeout: define('ERR_REQUEST_TIMEOUT', 408, (seconds: number) => `the request body was not received within ${seconds}s (read_timeout)`),
  concurrencyLimit: define('ERR_CONCURRENCY_LIMIT', 429, (max: number) => `Concurrent request limit exceeded. Max concurrent requests: ${max}`),
  fileNotFound: define('ERR_FILE_NOT_FOUND', 404, (path: string) => `no file at ${path}`),

  // --- auth ---
  unauthorized: define('ERR_UNAUTHORIZED', 401, () => 'invalid credentials: log in with `sluice login` (the admin password is in the gateway\'s auth folder, named when it started)'),
  tooManyAuthFailures: define('ERR_TOO_MANY_AUTH_FAILURES', 429, (seconds: number) => `too many failed logins from this address: try again in ${seconds}s`),

  // --- async calls ---
  callbackUrlInvalid: define(
    'ERR_CALLBACK_URL_INVALID',
    400,
    (url: string, detail: string) => `X-Callback-Url "${url}" is not usable: ${detail} — give an absolute http:// or https:// URL the gateway can reach`,
  ),
  callNotFound: define('ERR_CALL_NOT_FOUND', 404, (callId: string) => `no async call "${callId}": it never existed, or its record expired (result_ttl); see \`sluice calls list\``),
  resultNotReady: define(
    'ERR_RESULT_NOT_READY',
    409,
    (callId: string, status: string) => `call "${callId}" is ${status} and has no result yet: add ?wait=30s to wait for it, or \`sluice calls wait ${callId}\``,
  ),
  resultGone: define(
    'ERR_RESULT_GONE',
    410,
    (callId: string, status: string) => `call "${callId}" is ${status} and has no stored result: it was cancelled, or its answer was larger than 32 MiB; \`sluice calls get ${callId}\` shows what happened`,
  ),
  callIdTaken: define(
    'ERR_CALL_ID_TAKEN',
    409,
    (callId: string, step: string) => `the call id "${callId}" of workflow step "${step}" is taken by another call (an X-Call-Id a client chose): call the workflow again with another X-Call-Id`,
  ),
  callNotCancellable: define('ERR_CALL_NOT_CANCELLABLE', 409, (callId: string, status: string) => `call "${callId}" is ${status}: only a queued call can be cancelled`),
  queueUnavailable: define('ERR_QUEUE_UNAVAILABLE', 503, (detail: string) => `the async queue could not store the call: ${detail} — nothing was accepted; retry`),

  // --- function runtime (5xx) ---
  noReplica: define('ERR_NO_REPLICA', 503, (name: string, seconds: number) => `no replica of "${name}" became ready within ${seconds}s: see the gateway log for why it fails to start`),
  replicaCrashing: define(
    'ERR_REPLICA_CRASHING',
    503,
    (name: string, detail: string) => `function "${name}" keeps crashing as it starts: ${detail} — fix it and deploy again (\`sluice up\`); the gateway log has its whole output`,
  ),
  constraintsUnmet: define(
    'ERR_CONSTRAINTS_UNMET',
    503,
    (name: string, reasons: string) =>
      `function "${name}" has no replica: its constraints match no node (${reasons}) — deploy it again with constraints this node meets, or give the gateway the label it needs (node_labels)`,
  ),
  killedProcess: define('ERR_KILLED_PROCESS', 408, () => 'Killed process.'),
  upstreamTimeout: define('ERR_UPSTREAM_TIMEOUT', 504, (name: string, seconds: number) => `function "${name}" did not finish within ${seconds}s (its exec_timeout, write_timeout or the X-Timeout header)`),
  stepTimeout: define('ERR_STEP_TIMEOUT', 504, (step: string, name: string, seconds: number) => `workflow step "${step}" (function "${name}") did not answer within ${seconds}s, the step's timeout in workflow.yml`),
  upstreamFailed: define('ERR_UPSTREAM_FAILED', 502, (name: string, detail: string) => `function "${name}" failed: ${detail}`),
  spawnFailed: define('ERR_SPAWN_FAILED', 502, (name: string, detail: string) => `function "${name}" could not be started: ${detail}`),
  portInUse: define(
    'ERR_PORT_IN_USE',
    500,
    (address: string, setting = '--port (env port)') => `${address} is already in use: stop the other server or choose another with ${setting}`,
  ),
  shuttingDown: define('ERR_SHUTTING_DOWN', 503, () => 'shutting down: retry against another node or replica, or after the restart'),

  // --- scaling ---
  alertsFailed: define(
    'ERR_ALERTS_FAILED',
    500,
    (failures: string[]) => `${failures.length} alert(s) could not be acted on (the others were):\n  ${failures.join('\n  ')}`,
  ),

  // --- sluice receiver ---
  signatureInvalid: define(
    'ERR_SIGNATURE_INVALID',
    401,
    (detail: string) => `X-Sluice-Signature ${detail}; nothing was saved — give the gateway the receiver's key (SLUICE_CALLBACK_KEY), or run the receiver without one`,
  ),
  messageNotFound: define('ERR_MESSAGE_NOT_FOUND', 404, (name: string) => `no message "${name}" was received: GET /messages lists those that were`),
  messageNotSaved: define('ERR_MESSAGE_NOT_SAVED', 507, (name: string, detail: string) => `message "${name}" could not be saved: ${detail}; the receiver keeps running`),

  // --- client side (CLI, stack files, templates) ---
  stackInvalid: define('ERR_STACK_INVALID', 400, (file: string, problems: string[]) => `${file} has errors:\n  ${problems.join('\n  ')}`),
  templateNotFound: define('ERR_TEMPLATE_NOT_FOUND', 400, (lang: string, available: string[]) => `template "${lang}" not found; available: ${available.join(', ')}`),
  buildFailed: define('ERR_BUILD_FAILED', 400, (name: string, detail: string) => `building "${name}" failed: ${detail}`),
  gatewayUnreachable: define('ERR_GATEWAY_UNREACHABLE', 503, (url: string, detail: string) => `cannot reach the gateway at ${url} (${detail}): is \`sluice serve\` running? Set --gateway or OPENFAAS_URL`),
  internal: define('ERR_INTERNAL', 500, () => 'internal error: see the gateway log'),
} as const;

/** Turns anything thrown into a SluiceError, keeping the original as `cause` for the log. */
export function toSluiceError(err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  const wrapped = errors.internal();
  return new SluiceError(wrapped.code, wrapped.status, wrapped.message, { cause: err });
}
