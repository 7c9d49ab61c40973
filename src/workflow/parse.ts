import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { errors } from '../api/index.js';
import { byLine, lineAt, lineOf, schemaProblems, yamlProblems, type Path, type SchemaInfo } from '../stack/index.js';
import type { WorkflowDefinition, WorkflowStep } from './definition.js';
import { StepSchema, WorkflowSchema, type WorkflowFile } from './schema.js';

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
  const problems = result.success ? [] : schemaProblems(result.error.issues, doc, lines, WORKFLOW_SCHEMA);
  problems.push(...duplicateNames(input, doc, lines));
  if (!result.success || problems.length) throw errors.workflowInvalid(file, byLine(problems));
  return toDefinition(result.data, doc, lines);
}

// --- internal ---

const STEPS = ['workflow', 'steps'] as const;
const TOP_KEYS = Object.keys(WorkflowSchema.shape);
const WORKFLOW_KEYS = Object.keys(WorkflowSchema.shape.workflow.shape);
const STEP_KEYS = Object.keys(StepSchema.shape);
const RETRY_KEYS = ['attempts', 'min_wait', 'max_wait', 'codes'];

const WORKFLOW_SCHEMA: SchemaInfo = { known: knownKeys, schemaName: 'the workflow.yml format', root: 'workflow file' };

function knownKeys(at: Path): readonly string[] {
  if (at.length === 0) return TOP_KEYS;
  if (at.length === 1) return WORKFLOW_KEYS;
  if (at.length === 3) return STEP_KEYS;
  return at[3] === 'retry' ? RETRY_KEYS : [];
}

/** Two steps with one name: both are named, the second by its line, the first in the message. */
function duplicateNames(input: unknown, doc: Document, lines: LineCounter): string[] {
  const steps = (input as { workflow?: { steps?: unknown } } | null)?.workflow?.steps;
  if (!Array.isArray(steps)) return [];
  const problems: string[] = [];
  const first = new Map<string, number>();
  for (const [index, step] of steps.entries()) {
    const name: unknown = (step as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' && typeof name !== 'number') continue;
    const seen = first.get(String(name));
    if (seen === undefined) {
      first.set(String(name), index);
      continue;
    }
    const earlier = lineAt(doc, lines, [...STEPS, seen, 'name'], false);
    const path = [...STEPS, index, 'name'];
    problems.push(`workflow.steps[${index}].name: "${name}" is the name of steps[${seen}] too (line ${earlier}); step names must be unique${lineOf(doc, lines, path, false)}`);
  }
  return problems;
}

function toDefinition({ workflow }: WorkflowFile, doc: Document, lines: LineCounter): WorkflowDefinition {
  const steps = workflow.steps.map(
    (step, index): WorkflowStep => ({
      name: step.name,
      function: step.function,
      method: step.method,
      path: step.path,
      query: step.query,
      headers: step.headers,
      input: step.input,
      onError: step.on_error,
      timeoutMs: step.timeout,
      retry: step.retry,
      line: lineAt(doc, lines, [...STEPS, index], false) ?? 0,
    }),
  );
  return workflow.gateway_url === undefined ? { name: workflow.name, steps } : { name: workflow.name, gatewayUrl: workflow.gateway_url, steps };
}
