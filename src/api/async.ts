/**
 * Wire types of async calls: the message a queue carries (OpenFaaS `QueueRequest`, reference §2.3,
 * plus Sluice's own fields) and the call record `GET /system/calls/{id}` answers with.
 */

/** Go's `url.URL` as `encoding/json` writes it: how OpenFaaS serialises `CallbackUrl`. */
export interface GoUrl {
  Scheme: string;
  Opaque: string;
  User: null;
  Host: string;
  Path: string;
  RawPath: string;
  OmitHost: boolean;
  ForceQuery: boolean;
  RawQuery: string;
  Fragment: string;
  RawFragment: string;
}

/**
 * One queued call. Go-style keys and a base64 `Body`, so a consumer written for OpenFaaS reads it;
 * the `Sluice*` keys are Sluice's additions.
 */
export interface QueueRequest {
  /** The original request headers (incl. X-Call-Id, X-Start-Time, X-Callback-Url). */
  Header: Record<string, string[]>;
  Host: string;
  /** base64; empty when the body is in the blob store (`SluiceBodyRef`). */
  Body: string;
  Method: string;
  /** The path after `/async-function/<name>`, '' when there is none. */
  Path: string;
  QueryString: string;
  /** `name` or `name.namespace`, as called. */
  Function: string;
  QueueName?: string;
  CallbackUrl?: GoUrl;
  /** The call id (also in `Header['X-Call-Id']`). */
  SluiceCallId: string;
  /** Where a body above the inline limit was stored, instead of `Body`. */
  SluiceBodyRef?: string;
}

/** How long an `Idempotency-Key` maps to its first call. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export const CALL_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** A finished call can change no more (except its callback's delivery). */
export const FINISHED: ReadonlySet<CallStatus> = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

export type CallbackStatus = 'pending' | 'delivered' | 'failed';

/**
 * The header of a workflow's answer naming the step that stopped it. That step was retried by its
 * own policy already, so the queue does not run the workflow call again for it: a rerun would only
 * replay the steps' stored answers.
 */
export const WORKFLOW_FAILED_STEP_HEADER = 'x-workflow-failed-step';

/** What `GET /system/calls/{callId}` answers: everything known about one async call. */
export interface CallRecord {
  callId: string;
  /** The function's name, without namespace. */
  function: string;
  /** The named queue it went through. */
  queue: string;
  status: CallStatus;
  /** Runs of the function so far. */
  attempts: number;
  /** The function's HTTP status (of the last attempt). */
  statusCode?: number;
  /** Why the call failed or was dead-lettered, when the status code alone does not say. */
  error?: string;
  timings: {
    /** ISO 8601 times. */
    queued: string;
    started?: string;
    finished?: string;
    /** Seconds of the last run. */
    durationSeconds?: number;
  };
  callback?: {
    url: string;
    status: CallbackStatus;
    attempts: number;
    statusCode?: number;
    error?: string;
  };
  /** Set when the record is a step of a workflow call: that call's id. */
  parentCallId?: string;
  /** The step's name in workflow.yml, when the record is a step of a workflow call. */
  step?: string;
  /** The records of this workflow call's steps, oldest first (`GET /system/calls/{id}` only). */
  steps?: CallRecord[];
}

/** A call's stored response (`GET /system/calls/{id}/result`). */
export interface CallResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}
