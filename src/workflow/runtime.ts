import path from 'node:path';
import type { Readable } from 'node:stream';
import { WORKFLOW_FAILED_STEP_HEADER, errors, parseQualifiedName } from '../api/index.js';
import { callBuffered, type AnswerLimit, type InGatewayRuntime, type Provider, type RuntimeSpec } from '../provider/index.js';
import type { HeaderList, Invocation, LogSink, ModeHandler, ResponseSink } from '../watchdog/index.js';
import { allSteps, type WorkflowDefinition } from './definition.js';
import { durableStepCaller, stepTimedOut, type DurableSteps } from './durable.js';
import { loadWorkflow } from './parse.js';
import { runWorkflow, type StepCaller, type WorkflowResult } from './runner.js';

/** Where a workflow function's definition is in its bundle: the handler folder's workflow.yml. */
const DEFINITION = path.join('function', 'workflow.yml');

/** Options of workflowRuntime. */
export interface WorkflowRuntimeOptions {
  /**
   * The largest answer a step may pass on: the gateway's `max_body_size`, since that answer is the
   * next step's request.
   */
  readonly maxAnswerBytes: number;
  /**
   * Where async calls of workflows run their steps as queued calls (durable.ts). Without it, an
   * async workflow call runs its steps in memory, as a sync one does: again from the first step
   * after a restart.
   */
  readonly durable?: DurableSteps;
}

/**
 * The `workflow` mode: functions of `lang: workflow` run in the gateway's process, calling their
 * steps' functions through the provider (no HTTP hop). Definitions are read and checked at deploy.
 */
export function workflowRuntime(provider: Provider, opts: WorkflowRuntimeOptions): InGatewayRuntime {
  const answerLimit: AnswerLimit = { bytes: opts.maxAnswerBytes, what: 'a workflow step may pass on (max_body_size)' };
  /** By bundle folder: a bundle never changes, a redeploy brings a new one. */
  const definitions = new Map<string, WorkflowDefinition>();
  return {
    async prepare(spec, when) {
      const def = await loadWorkflow(path.join(spec.cwd, DEFINITION), `${spec.name}/workflow.yml`);
      // At restore the step functions may come back after the workflow: they are checked per call then.
      if (when === 'deploy') checkSteps(spec.name, def, provider, (fn) => deployedDefinition(fn, provider, definitions));
      definitions.set(spec.cwd, def);
    },
    handler(spec: RuntimeSpec, log: LogSink): ModeHandler {
      const def = definitions.get(spec.cwd);
      if (!def) throw errors.upstreamFailed(spec.name, 'its workflow.yml was not read at deploy');
      const inMemory: StepCaller = (call, run, timeoutMs, signal) => callBuffered(provider, call, { timeoutMs, signal, answerLimit, timeoutError: () => stepTimedOut(call, run, timeoutMs) });
      const durable = opts.durable;
      return new WorkflowHandler(def, (inv) => (inv.queued && durable ? durableStepCaller(durable, inv.callId) : inMemory), log);
    },
  };
}

// --- internal ---

/** One replica of a workflow function: runs the steps, then writes the answer. */
class WorkflowHandler implements ModeHandler {
  readonly #def: WorkflowDefinition;
  readonly #callerFor: (inv: Invocation) => StepCaller;
  readonly #log: LogSink;

  constructor(def: WorkflowDefinition, callerFor: (inv: Invocation) => StepCaller, log: LogSink) {
    this.#def = def;
    this.#callerFor = callerFor;
    this.#log = log;
  }

  async invoke(inv: Invocation, sink: ResponseSink): Promise<void> {
    const body = await readAll(inv.body);
    const result = await runWorkflow(
      this.#def,
      { headers: inv.headers, body, callId: inv.callId },
      this.#callerFor(inv),
      { log: (line) => this.#log('stdout', line, inv.callId), signal: inv.signal },
    );
    sink.start(result.status, headerList(result));
    if (result.body.length) sink.write(result.body);
    sink.end();
  }

  async close(): Promise<void> {}
}

/**
 * Every step's function must be deployed, and no step may call back into the workflow: itself, or
 * through workflows it calls (`definitionOf`: a deployed workflow's definition, undefined for
 * other functions).
 */
function checkSteps(name: string, def: WorkflowDefinition, provider: Provider, definitionOf: (fn: string) => WorkflowDefinition | undefined): void {
  const problems: string[] = [];
  for (const { step, at } of allSteps(def)) {
    const target = parseQualifiedName(step.function);
    const where = `${at}.function (line ${step.line})`;
    if (target === name) problems.push(`${where}: "${step.function}" is this workflow itself, which would call itself forever`);
    else if (!provider.list().some((fn) => fn.name === target)) problems.push(`${where}: no function "${step.function}" is deployed; deploy it before the workflow`);
    else {
      const loop = pathBack(target, name, definitionOf, new Set());
      if (loop) problems.push(`${where}: "${step.function}" calls this workflow back (${[name, ...loop].join(' → ')}), which would never end`);
    }
  }
  if (problems.length) throw errors.workflowInvalid(`${name}/workflow.yml`, problems);
}

/** The definition of workflow `fn` as deployed now; undefined for another kind of function, or none. */
function deployedDefinition(fn: string, provider: Provider, definitions: ReadonlyMap<string, WorkflowDefinition>): WorkflowDefinition | undefined {
  try {
    return definitions.get(provider.service(fn).spec.cwd);
  } catch {
    return undefined; // not deployed (a step of an older workflow whose function was removed since)
  }
}

/** The workflows from `from` that lead back to `to` (`[from, …, to]`), or undefined when none does. */
function pathBack(from: string, to: string, definitionOf: (fn: string) => WorkflowDefinition | undefined, seen: Set<string>): string[] | undefined {
  if (seen.has(from)) return undefined;
  seen.add(from);
  const def = definitionOf(from);
  if (!def) return undefined;
  for (const { step } of allSteps(def)) {
    const next = parseQualifiedName(step.function);
    if (next === to) return [from, to];
    const rest = pathBack(next, to, definitionOf, seen);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

async function readAll(body: Buffer | Readable | null): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function headerList(result: WorkflowResult): HeaderList {
  const list: HeaderList = [];
  for (const [name, value] of Object.entries(result.headers)) list.push(name, value);
  list.push('content-length', String(result.body.length));
  if (result.failedStep !== undefined) list.push(WORKFLOW_FAILED_STEP_HEADER, result.failedStep);
  return list;
}
