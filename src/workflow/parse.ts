import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { errors } from '../api/index.js';
import type { z } from 'zod';
import { byLine, lineAt, schemaProblems, yamlProblems, type Path, type SchemaInfo } from '../stack/index.js';
import type { ChoiceCase, WorkflowDefinition, WorkflowStep } from './definition.js';
import { CaseSchema, StepSchema, WorkflowSchema, type WorkflowFile } from './schema.js';

/**
 * Reads and checks a workflow function's workflow.yml. Every problem is reported at once in one
 * ERR_WORKFLOW_INVALID, a missing file included; `shown` names the file in it.
 * @example const def = await loadWorkflow(path.join(dir, 'workflow.yml'), 'chain/workflow.yml')
 */
export async function loadWorkflow(file: string, shown: string = file): Promise<WorkflowDefinition> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw errors.workflowInvalid(shown, [missing ? 'file not found: a workflow function needs workflow.yml in its handler folder' : (err as Error).message]);
  }
  return parseWorkflow(text, shown);
}

/**
 * Parses workflow.yml text (reference §10.1's format plus Sluice's step keys) and checks it. Pure:
 * `file` names it in errors (e.g. 'chain/workflow.yml'). Throws errors.workflowInvalid listing
 * every problem, in line order, each as `key.path: what is wrong (line N)`.
 */
export function parseWorkflow(text: string, file: string): WorkflowDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: true });
  if (doc.errors.length) throw errors.workflowInvalid(file, yamlProblems(doc.errors));

  const input: unknown = doc.toJS() ?? {};
  const result = WorkflowSchema.safeParse(input);
  const issues = [...(result.success ? [] : result.error.issues), ...new ShapeCheck(doc, lines).file(input)];
  if (!result.success || issues.length) throw errors.workflowInvalid(file, byLine(schemaProblems(issues, doc, lines, WORKFLOW_SCHEMA)));
  return toDefinition(result.data, doc, lines);
}

// --- internal ---

const STEPS = ['workflow', 'steps'] as const;
const TOP_KEYS = Object.keys(WorkflowSchema.shape);
const WORKFLOW_KEYS = Object.keys(WorkflowSchema.shape.workflow.shape);
const STEP_KEYS = Object.keys(StepSchema.shape);
const CASE_KEYS = Object.keys(CaseSchema.shape);
const RETRY_KEYS = ['attempts', 'min_wait', 'max_wait', 'codes'];
const WHEN_KEYS: Readonly<Record<string, readonly string[]>> = { '': ['status', 'header', 'json'], header: ['name', 'matches'], json: ['path', 'equals', 'matches'] };

const WORKFLOW_SCHEMA: SchemaInfo = { known: knownKeys, schemaName: 'the workflow.yml format', root: 'workflow file' };

function knownKeys(at: Path): readonly string[] {
  if (at.length === 0) return TOP_KEYS;
  if (at.length === 1) return WORKFLOW_KEYS;
  return stepKeys(at.slice(2));
}

/** Keys of the map at `rest`, a path that starts at a step's index in a list of steps. */
function stepKeys(rest: Path): readonly string[] {
  const [, key, ...more] = rest;
  if (key === undefined) return STEP_KEYS;
  if (key === 'retry') return more.length ? [] : RETRY_KEYS;
  if (key === 'parallel') return more.length >= 2 ? stepKeys(more.slice(1)) : [];
  if (key !== 'choice' || !more.length) return [];
  const [, caseKey, ...inCase] = more;
  if (caseKey === undefined) return CASE_KEYS;
  if (caseKey === 'when') return inCase.length <= 1 ? (WHEN_KEYS[String(inCase[0] ?? '')] ?? []) : [];
  return inCase.length ? stepKeys(inCase) : [];
}

/** Keys that only a step with a `function` has. */
const CALL_KEYS = ['method', 'path', 'query', 'headers', 'on_error', 'timeout', 'retry', 'callback_url'];
const KINDS = ['function', 'parallel', 'choice'];

type RawMap = Record<string, unknown>;
const isMap = (value: unknown): value is RawMap => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The rules zod cannot see, checked on the file as written (at every depth): a step's kind and the
 * keys that go with it, a choice's cases, and step names unique across the whole workflow.
 */
class ShapeCheck {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #issues: z.core.$ZodIssue[] = [];
  /** Where each step name was first seen. */
  readonly #names = new Map<string, Path>();

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  file(input: unknown): z.core.$ZodIssue[] {
    const workflow = isMap(input) ? input.workflow : undefined;
    if (isMap(workflow)) this.#steps(workflow.steps, STEPS);
    return this.#issues;
  }

  #steps(steps: unknown, at: Path): void {
    if (!Array.isArray(steps)) return;
    for (const [index, step] of steps.entries()) if (isMap(step)) this.#step(step, [...at, index]);
  }

  #step(step: RawMap, at: Path): void {
    this.#name(step.name, at);
    const kinds = KINDS.filter((key) => step[key] !== undefined);
    const [kind, second] = kinds;
    if (kind === undefined) this.#add([...at, 'function'], 'required (or parallel, or choice)');
    if (second !== undefined) this.#add([...at, second], `a step has one of function, parallel and choice; this one has ${kinds.join(' and ')}`);
    if (kind !== undefined && kind !== 'function') {
      for (const key of CALL_KEYS) if (step[key] !== undefined) this.#add([...at, key], `only a step with a function has ${key}; this is a ${kind} step`);
    }
    if (kind !== undefined && kind !== 'parallel' && step.join !== undefined) this.#add([...at, 'join'], 'only a parallel step has join');
    if (isMap(step.parallel)) {
      if (!Object.keys(step.parallel).length) this.#add([...at, 'parallel'], 'must name at least one branch');
      for (const [branch, steps] of Object.entries(step.parallel)) this.#steps(steps, [...at, 'parallel', branch]);
    }
    if (Array.isArray(step.choice)) this.#cases(step.choice, [...at, 'choice']);
  }

  /** Each case has `when` and `steps`, or `otherwise` alone, and only the last may be `otherwise`. */
  #cases(cases: unknown[], at: Path): void {
    for (const [index, one] of cases.entries()) {
      if (!isMap(one)) continue;
      const here = [...at, index];
      if (one.otherwise === undefined) {
        if (one.when === undefined) this.#add([...here, 'when'], 'required (or otherwise, in the last case)');
        if (one.steps === undefined) this.#add([...here, 'steps'], 'required');
      } else if (one.when !== undefined || one.steps !== undefined) {
        this.#add([...here, 'otherwise'], 'a case has when and steps, or otherwise alone');
      } else if (index !== cases.length - 1) {
        this.#add([...here, 'otherwise'], 'must be the last case: there is one otherwise at most, after every when');
      }
      this.#steps(one.steps, [...here, 'steps']);
      this.#steps(one.otherwise, [...here, 'otherwise']);
    }
  }

  /** Two steps with one name: both are named, the second by its line, the first in the message. */
  #name(name: unknown, at: Path): void {
    if (typeof name !== 'string' && typeof name !== 'number') return;
    const seen = this.#names.get(String(name));
    if (seen === undefined) {
      this.#names.set(String(name), at);
      return;
    }
    const earlier = lineAt(this.#doc, this.#lines, [...seen, 'name'], false);
    this.#add([...at, 'name'], `"${name}" is the name of ${shownPath(seen.slice(1))} too (line ${earlier}); step names must be unique`);
  }

  #add(path: Path, message: string): void {
    this.#issues.push({ code: 'custom', path: [...path], message, input: undefined });
  }
}

/** `steps[0].parallel.grey[1]`: list indexes in brackets. */
function shownPath(path: Path): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
}

type StepFile = z.infer<typeof StepSchema>;
type CaseFile = z.infer<typeof CaseSchema>;

function toDefinition({ workflow }: WorkflowFile, doc: Document, lines: LineCounter): WorkflowDefinition {
  const steps = toSteps(workflow.steps, STEPS, (at) => lineAt(doc, lines, at, false) ?? 0);
  return workflow.gateway_url === undefined ? { name: workflow.name, steps } : { name: workflow.name, gatewayUrl: workflow.gateway_url, steps };
}

/** The steps of a checked file, each with its line (`lineOf`), at every depth. */
function toSteps(steps: readonly StepFile[], at: Path, lineOf: (at: Path) => number): WorkflowStep[] {
  return steps.map((step, index): WorkflowStep => {
    const here = [...at, index];
    const common = { name: step.name, input: step.input, line: lineOf(here) };
    if (step.parallel) {
      const branches = Object.entries(step.parallel).map(([name, list]) => ({ name, steps: toSteps(list, [...here, 'parallel', name], lineOf) }));
      return { kind: 'parallel', ...common, branches, join: step.join };
    }
    if (step.choice) return { kind: 'choice', ...common, ...toCases(step.choice, [...here, 'choice'], lineOf) };
    const { method, path, query, headers, on_error: onError, timeout: timeoutMs, retry, callback_url: callbackUrl } = step;
    const call = { kind: 'call' as const, ...common, function: step.function ?? '', method, path, query, headers, onError, timeoutMs, retry };
    return callbackUrl === undefined ? call : { ...call, callbackUrl };
  });
}

function toCases(list: readonly CaseFile[], at: Path, lineOf: (at: Path) => number): { cases: ChoiceCase[]; otherwise?: WorkflowStep[] } {
  const cases: ChoiceCase[] = [];
  for (const [index, one] of list.entries()) {
    if (one.otherwise) return { cases, otherwise: toSteps(one.otherwise, [...at, index, 'otherwise'], lineOf) };
    if (one.when && one.steps) cases.push({ when: one.when, steps: toSteps(one.steps, [...at, index, 'steps'], lineOf) });
  }
  return { cases };
}
