import type { CallRecord } from '../../api/index.js';
import { formatFields, formatTable } from '../_output.js';
import type { Field } from '../_output.js';

/**
 * The `calls list` table, one call a row: missing values show as `-`, times to the second in UTC.
 * @example formatCallTable(await client.listCalls())
 */
export function formatCallTable(records: readonly CallRecord[]): string {
  const header = ['CALL ID', 'FUNCTION', 'STATUS', 'CODE', 'ATTEMPTS', 'QUEUED', 'DURATION', 'CALLBACK'];
  const rows = records.map((r) => [
    r.callId,
    r.function,
    r.status,
    r.statusCode === undefined ? '-' : String(r.statusCode),
    String(r.attempts),
    shortTime(r.timings.queued),
    r.timings.durationSeconds === undefined ? '-' : formatSeconds(r.timings.durationSeconds),
    r.callback?.status ?? '-',
  ]);
  return formatTable([header, ...rows]);
}

/** The `calls get` (and `calls wait`) layout: `Label: value` lines; optional parts only when set. */
export function formatCallRecord(r: CallRecord): string {
  const { timings, callback } = r;
  const fields: Field[] = [
    ['Call ID', r.callId],
    ['Function', r.function],
    ['Queue', r.queue],
    ['Status', r.status],
    ['Status code', r.statusCode === undefined ? '-' : String(r.statusCode)],
    ['Attempts', String(r.attempts)],
  ];
  if (r.error) fields.push(['Error', r.error]);
  fields.push(['Queued', timings.queued], ['Started', timings.started ?? '-'], ['Finished', timings.finished ?? '-']);
  fields.push(['Duration', timings.durationSeconds === undefined ? '-' : formatSeconds(timings.durationSeconds)]);
  if (callback) {
    const answered = callback.statusCode === undefined ? '' : `, answered ${callback.statusCode}`;
    fields.push(['Callback', `${callback.url} (${callback.status}, ${callback.attempts} attempt(s)${answered})`]);
    if (callback.error) fields.push(['Callback error', callback.error]);
  }
  if (r.parentCallId) fields.push(['Parent call', r.parentCallId]);
  if (r.step) fields.push(['Step', r.step]);
  const out = formatFields(fields);
  return r.steps?.length ? `${out}Steps:\n${indent(formatStepTable(r.steps))}` : out;
}

/**
 * A duration for people: `850ms`, `2.35s`, `1m05s`, `2h03m`.
 * @example formatSeconds(65) // '1m05s'
 */
export function formatSeconds(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 59_995) return `${seconds.toFixed(2)}s`;
  const whole = Math.round(seconds);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor((whole % 3600) / 60))}m`;
}

// --- internal ---

/** A workflow call's steps, one a row, a nested workflow's own steps under it (indented names). */
function formatStepTable(steps: readonly CallRecord[]): string {
  const rows = stepRows(steps, '');
  return formatTable([['STEP', 'CALL ID', 'FUNCTION', 'STATUS', 'CODE', 'ATTEMPTS', 'DURATION'], ...rows]);
}

function stepRows(steps: readonly CallRecord[], depth: string): string[][] {
  return steps.flatMap((s) => [
    [
      `${depth}${s.step ?? '-'}`,
      s.callId,
      s.function,
      s.status,
      s.statusCode === undefined ? '-' : String(s.statusCode),
      String(s.attempts),
      s.timings.durationSeconds === undefined ? '-' : formatSeconds(s.timings.durationSeconds),
    ],
    ...stepRows(s.steps ?? [], `${depth}  `),
  ]);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}

/** An ISO time to the second (`2026-11-28T01:13:39Z`); anything else as given. */
function shortTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
