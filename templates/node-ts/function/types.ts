/**
 * The handler contract of the node-ts template: the same `(event, context)` shape as the OpenFaaS
 * node20 template, so handlers move between the two unchanged.
 */

/** The request as the handler sees it. */
export interface FunctionEvent<TBody = unknown> {
  /**
   * The parsed body: a Buffer when RAW_BODY=true; otherwise a string for text/* (and for a missing
   * Content-Type), an object for application/json and application/x-www-form-urlencoded, and a
   * Buffer for any other type.
   */
  body: TBody;
  /** Request headers with lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** HTTP method, upper-case. */
  method: string;
  /** Query string; a key given more than once maps to an array. */
  query: Record<string, string | string[]>;
  /** Request path without the query string, e.g. `/orders/42`. */
  path: string;
}

/** Header values the handler may set: arrays send the header once per value. */
export type HeaderValues = Record<string, string | number | readonly string[] | undefined>;

/** How the handler shapes its response. Methods that set something return the context for chaining. */
export interface FunctionContext {
  /** The response status (200 unless set). */
  status(): number;
  /** Sets the response status. */
  status(code: number): FunctionContext;
  /** The response headers set so far. */
  headers(): HeaderValues;
  /** Replaces the whole response header map. */
  headers(values: HeaderValues): FunctionContext;
  /** Sends `value` now, as if the handler had returned it; later results are ignored. */
  succeed(value: unknown): void;
  /** Sends `err.toString()` now with status 500 (unless an error status was set). */
  fail(err: unknown): void;
  /**
   * The value of a secret the function lists under `secrets:` in stack.yml, as text without its
   * trailing newline. Read from SLUICE_SECRETS_DIR (Sluice), else /var/openfaas/secrets (OpenFaaS).
   * Throws, naming the secret, when it is not there.
   */
  secret(name: string): string;
}

/**
 * What `handler.ts` exports by default. The resolved value is the response body: strings and Buffers
 * as they are, objects and arrays as JSON, `undefined` as an empty body.
 */
export type Handler<TBody = unknown> = (event: FunctionEvent<TBody>, context: FunctionContext) => unknown;
