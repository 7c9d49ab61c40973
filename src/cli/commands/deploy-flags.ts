import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { assertFunctionName } from '../../api/index.js';
import type { StackFunction } from '../../stack/index.js';
import { keyValue, repeatable } from '../_args.js';
import { UsageError } from '../_errors.js';

/** faas-cli's deploy flags that change what is deployed or how (`deploy`, and `up`'s deploy). */
export type DeployFlags = {
  /** `-e K=V`, repeatable: wins over `environment` and `environment_file`. */
  env?: [string, string][];
  /** `-l K=V`, repeatable: wins over the stack's labels. */
  label?: [string, string][];
  /** `--annotation K=V`, repeatable: wins over the stack's annotations. */
  annotation?: [string, string][];
  /** `--secret NAME`, repeatable: added to the stack's `secrets`. */
  secret?: string[];
  /** `--constraint C`, repeatable: added to the stack's `constraints` (the gateway runs the function only if its node meets them). */
  constraint?: string[];
  /** `--readonly`: `readOnlyRootFilesystem: true` (false leaves the stack's `readonly_root_filesystem`). */
  readonly?: boolean;
  /** `--memory-limit`, `--cpu-limit`: win over the stack's `limits` (the gateway checks the quantities). */
  memoryLimit?: string;
  cpuLimit?: string;
  /** `--memory-request`, `--cpu-request`: win over the stack's `requests` (the gateway checks them, and keeps them as the function's share). */
  memoryRequest?: string;
  cpuRequest?: string;
  /** Remove the function first (when deployed), then create it. */
  replace?: boolean;
  /** `PUT`, then `POST` on 404 (default true); false: `POST` only, an existing function is a 409. */
  update?: boolean;
};

/** Adds the merge flags and `--replace`/`--update` to `deploy` or `up`. */
export function addDeployFlags(cmd: Command): Command {
  return cmd
    .option('-e, --env <key=value>', 'an environment variable, over the stack file\'s (repeatable)', repeatable(keyValue('-e KEY=value')))
    .option('-l, --label <key=value>', "a label, over the stack file's (repeatable)", repeatable(keyValue('-l com.openfaas.scale.min=2')))
    .option('--annotation <key=value>', "an annotation, over the stack file's (repeatable)", repeatable(keyValue('--annotation topic=orders')))
    .option('--secret <name>', "a secret to mount, added to the stack file's (repeatable)", repeatable(String))
    .option('--constraint <constraint>', "a placement constraint (node.platform.os == linux, kubernetes.io/arch=amd64), added to the stack file's (repeatable): the gateway's node must meet it", repeatable(nonEmpty('--constraint')))
    .option('--readonly [bool]', 'readOnlyRootFilesystem: true (--readonly=false keeps the stack file\'s setting)', parseBool)
    .option('--memory-limit <quantity>', "memory limit, over the stack file's limits.memory (e.g. 128Mi)", nonEmpty('--memory-limit'))
    .option('--cpu-limit <quantity>', "CPU limit, over the stack file's limits.cpu (e.g. 500m or 1)", nonEmpty('--cpu-limit'))
    .option('--memory-request <quantity>', "memory request, over the stack file's requests.memory (memory reclaimed from it last, e.g. 64Mi)", nonEmpty('--memory-request'))
    .option('--cpu-request <quantity>', "CPU request, over the stack file's requests.cpu (its CPU share under contention, e.g. 250m)", nonEmpty('--cpu-request'))
    .option('--replace', 'remove each function first if it is deployed, then create it')
    .option('--update [bool]', 'update in place if deployed, else create (default true; --update=false: create only, fail if it exists)', parseBool);
}

/** Checks the flag combination: `--replace` with an explicit `--update` (true) is a usage error, as in faas-cli. */
export function checkDeployFlags(flags: DeployFlags): void {
  if (flags.replace && flags.update === true) throw new UsageError('pass --replace or --update, not both (--replace --update=false is fine)');
}

/**
 * A stack function with the flags merged in, as faas-cli merges them: `-e`, `-l` and `--annotation`
 * win over the file's maps; `--secret` and `--constraint` are added to the file's lists (no
 * duplicates); `--readonly` sets `readOnlyRootFilesystem`; `--memory-limit`, `--cpu-limit`,
 * `--memory-request` and `--cpu-request` win over the file's `limits`/`requests`, the file's other
 * value kept. Quantities are sent as given: the gateway checks limits (a bad one is its 400).
 */
export function withDeployFlags(fn: StackFunction, flags: DeployFlags): StackFunction {
  const merged = (map: Record<string, string>, pairs: [string, string][] | undefined): Record<string, string> => ({ ...map, ...Object.fromEntries(pairs ?? []) });
  const out: StackFunction = {
    ...fn,
    environment: merged(fn.environment, flags.env),
    labels: merged(fn.labels, flags.label),
    annotations: merged(fn.annotations, flags.annotation),
  };
  const secrets = [...new Set([...(fn.secrets ?? []), ...(flags.secret ?? [])])];
  if (secrets.length) out.secrets = secrets;
  const constraints = [...new Set([...(fn.constraints ?? []), ...(flags.constraint ?? [])])];
  if (constraints.length) out.constraints = constraints;
  if (flags.readonly === true) out.readOnlyRootFilesystem = true;
  const limits = resources(fn.limits, flags.memoryLimit, flags.cpuLimit);
  if (limits) out.limits = limits;
  const requests = resources(fn.requests, flags.memoryRequest, flags.cpuRequest);
  if (requests) out.requests = requests;
  return out;
}

/**
 * The function `deploy --image IMAGE --name NAME [--fprocess CMD]` describes, without a stack file
 * (faas-cli's single-function deploy): `--image` and `--name` go together; `--fprocess` needs them.
 * Undefined when none of the three is given.
 */
export function imageFunction(opts: { image?: string; name?: string; fprocess?: string }): StackFunction | undefined {
  if (opts.image === undefined && opts.name === undefined) {
    if (opts.fprocess !== undefined) throw new UsageError('--fprocess needs --image and --name (it sets the process of a function deployed without a stack file)');
    return undefined;
  }
  if (opts.image === undefined || opts.name === undefined) throw new UsageError('to deploy without a stack file give both --image and --name');
  assertFunctionName(opts.name);
  const fn: StackFunction = { name: opts.name, image: opts.image, environment: {}, labels: {}, annotations: {} };
  if (opts.fprocess !== undefined) fn.fprocess = opts.fprocess;
  return fn;
}

/** A flag value that must not be empty (quantities, constraints), trimmed; what it means is the gateway's to check. `store deploy` shares it. */
export function nonEmpty(flag: string): (text: string) => string {
  return function parseNonEmpty(text) {
    const trimmed = text.trim();
    if (!trimmed) throw new InvalidArgumentError(`${flag} needs a value`);
    return trimmed;
  };
}

// --- internal ---

/** The stack's `limits` or `requests` with the flags' values over them; undefined when neither has any. */
function resources(
  file: { memory?: string; cpu?: string } | undefined,
  memory: string | undefined,
  cpu: string | undefined,
): { memory?: string; cpu?: string } | undefined {
  const out = { ...file };
  if (memory !== undefined) out.memory = memory;
  if (cpu !== undefined) out.cpu = cpu;
  return out.memory === undefined && out.cpu === undefined ? undefined : out;
}

/** A Go bool flag's value: `--update=false`, `--update false`; bare `--update` is true. */
function parseBool(text: string): boolean {
  if (/^(true|1|t)$/i.test(text)) return true;
  if (/^(false|0|f)$/i.test(text)) return false;
  throw new InvalidArgumentError('use true or false');
}
