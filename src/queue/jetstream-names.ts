/**
 * Names of everything the JetStream backend keeps on a NATS server, derived from one namespace, and
 * the encoding that makes any queue name or call id safe inside them.
 */

/** Streams, subjects and buckets of one Sluice installation. */
export interface JetStreamNames {
  readonly namespace: string;
  /** The work-queue stream of every named queue. */
  readonly queueStream: string;
  /** Where given-up messages wait for a redrive. */
  readonly deadStream: string;
  readonly callsBucket: string;
  readonly idempotencyBucket: string;
  /** Call results' status and headers (and their body when it is small). */
  readonly resultsBucket: string;
  /** Object store for result bodies too large for one message. */
  readonly largeResultsBucket: string;
  readonly blobsBucket: string;
  queueSubject(queue: string): string;
  /** Every queue's subject: the queue stream's one subject filter. */
  readonly allQueueSubjects: string;
  deadSubject(queue: string): string;
  /** All dead letters: a wildcard over every queue's dead subject. */
  readonly allDeadSubjects: string;
  /** The durable consumer that feeds `queue`. */
  consumerName(queue: string): string;
}

/**
 * `sluice` unless told otherwise: another namespace lets two installations (or two tests) share a
 * server without seeing each other's calls.
 */
export const DEFAULT_NAMESPACE = 'sluice';

/** Lower-case so the upper-cased stream names stay distinct per namespace. */
const NAMESPACE = /^[a-z0-9][a-z0-9-]*$/;

export function jetStreamNames(namespace = DEFAULT_NAMESPACE): JetStreamNames {
  if (!NAMESPACE.test(namespace)) throw new Error(`invalid JetStream namespace "${namespace}": lower-case letters, digits and -`);
  const upper = namespace.toUpperCase().replaceAll('-', '_');
  return {
    namespace,
    queueStream: `${upper}_QUEUE`,
    deadStream: `${upper}_DEAD`,
    callsBucket: `${namespace}-calls`,
    idempotencyBucket: `${namespace}-idempotency`,
    resultsBucket: `${namespace}-results`,
    largeResultsBucket: `${namespace}-results-large`,
    blobsBucket: `${namespace}-blobs`,
    queueSubject: (queue) => `${namespace}.queue.${encodeToken(queue)}`,
    allQueueSubjects: `${namespace}.queue.>`,
    deadSubject: (queue) => `${namespace}.dead.${encodeToken(queue)}`,
    allDeadSubjects: `${namespace}.dead.>`,
    consumerName: (queue) => `q-${encodeToken(queue)}`,
  };
}

/**
 * The header carrying a message's id (the call id). Not Nats-Msg-Id alone: a redriven message needs
 * a fresh Nats-Msg-Id to pass the duplicate window, but keeps its id. URI-encoded, as a caller's id
 * could hold what a header value cannot.
 */
export const ID_HEADER = 'Sluice-Id';

export const encodeHeader = (value: string): string => encodeURIComponent(value);
export const decodeHeader = (value: string): string => decodeURIComponent(value);

/** Kept as they are; everything else is escaped. Valid in subjects, consumer names and KV keys. */
const PLAIN = /^[A-Za-z0-9-]$/;

/**
 * One subject token (or consumer name, or KV key) for any string, reversibly. Queue names are
 * OpenFaaS annotation values and call ids come from callers (X-Call-Id), so either may hold `.`,
 * `*`, `>`, spaces or any Unicode: every UTF-8 byte outside [A-Za-z0-9-] becomes `_` and two hex
 * digits (`_` itself too, so the mapping is one-to-one). The empty string, which no escape can
 * produce, becomes a lone `_`.
 */
export function encodeToken(value: string): string {
  if (value === '') return '_';
  let out = '';
  for (const char of value) {
    if (PLAIN.test(char)) out += char;
    else for (const byte of Buffer.from(char)) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeToken(token: string): string {
  if (token === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '_') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString();
}
