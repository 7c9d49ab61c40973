import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { JoinMode } from './definition.js';
import type { WorkflowResult } from './runner.js';

/** One branch's answer, under its name. */
export interface BranchAnswer {
  readonly name: string;
  readonly answer: WorkflowResult;
}

/** A join that could not be made: what to answer (502) instead. */
export interface JoinProblem {
  readonly problem: true;
  readonly status: number;
  readonly body: Buffer;
}

/**
 * Joins a parallel step's answers, in definition order, into one 200 answer:
 * - `json`: `{"<branch>": <value>, …}`: a JSON answer as its value, a text/* one (or valid UTF-8
 *   with no Content-Type) as a string; any other answer cannot be held, and the join is a JoinProblem;
 * - `multipart`: `multipart/mixed`, one part per branch with its Content-Type (application/octet-stream when it had none) and
 *   `Content-Disposition: inline; name="<branch>"`;
 * - `auto`: json when every answer is JSON or text, else multipart.
 */
export function fanIn(mode: JoinMode, parts: readonly BranchAnswer[]): WorkflowResult | JoinProblem {
  if (mode === 'multipart') return multipart(parts);
  const values = parts.map(({ answer }) => asJsonValue(answer));
  const binary = values.findIndex((value) => value === undefined);
  if (binary < 0) return json(parts.map((part, i) => [part.name, values[i]?.value]));
  if (mode === 'auto') return multipart(parts);
  const { name, answer } = parts[binary] as BranchAnswer;
  const what = answer.headers['content-type'] ?? 'no Content-Type';
  const message = `branch ${name} answered ${what}, which a json join cannot hold (it holds JSON and text): use join: multipart or auto\n`;
  return { problem: true, status: 502, body: Buffer.from(message) };
}

// --- internal ---

/** The value a json join holds for an answer: parsed JSON, text, or undefined when neither. */
function asJsonValue(answer: WorkflowResult): { value: unknown } | undefined {
  const encoding = answer.headers['content-encoding'];
  if ((encoding !== undefined && encoding !== 'identity') || !isUtf8(answer.body)) return undefined;
  const type = (answer.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const isJson = type === 'application/json' || type.endsWith('+json');
  const text = answer.body.toString('utf8');
  if (isJson) {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { value: text };
    }
  }
  // Many functions answer text with no type at all (a handler that returns a string): valid UTF-8 reads as text then.
  return type.startsWith('text/') || type === '' ? { value: text } : undefined;
}

/** Built by hand so that the keys keep definition order (an object would put "1" before "a"). */
function json(entries: readonly [string, unknown][]): WorkflowResult {
  const body = `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`).join(',')}}`;
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
}

/** RFC 2046 §5.1: the boundary must not occur in any part, so a (most unlikely) clash picks another. */
function multipart(parts: readonly BranchAnswer[]): WorkflowResult {
  let boundary: string;
  do boundary = `sluice-${randomBytes(12).toString('hex')}`;
  while (parts.some(({ answer }) => answer.body.includes(boundary)));
  const chunks: Buffer[] = [];
  for (const { name, answer } of parts) {
    const head = [`--${boundary}`, `Content-Type: ${answer.headers['content-type'] ?? 'application/octet-stream'}`];
    if (answer.headers['content-encoding'] !== undefined) head.push(`Content-Encoding: ${answer.headers['content-encoding']}`);
    head.push(`Content-Disposition: inline; name="${name}"`, '', '');
    chunks.push(Buffer.from(head.join('\r\n')), answer.body, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { status: 200, headers: { 'content-type': `multipart/mixed; boundary=${boundary}` }, body: Buffer.concat(chunks) };
}
