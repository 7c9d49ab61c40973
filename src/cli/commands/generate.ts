import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { StackFunction } from '../../stack/index.js';
import { contextOf, openStack } from '../_context.js';
import { UsageError } from '../_errors.js';
import type { CliIo } from '../_io.js';

/** `--api` values: OpenFaaS's Function custom resource, or plain Kubernetes objects. */
const APIS = ['openfaas.com/v1', 'apps/v1'] as const;
type Api = (typeof APIS)[number];

/** Flags of `sluice generate` (faas-cli's defaults: namespace openfaas-fn). */
export type GenerateOptions = {
  api: string;
  namespace: string;
};

/** A Kubernetes object as printed: plain data for the YAML writer. */
type Manifest = Record<string, unknown>;

/** The port OpenFaaS workloads listen on (reference §9.4). */
const FUNCTION_PORT = 8080;
/** Where OpenFaaS mounts a function's secrets, one file each. */
const SECRETS_PATH = '/var/openfaas/secrets';

/** Registers `sluice generate`. */
export function registerGenerate(program: Command, io: CliIo): void {
  program
    .command('generate')
    .description('print Kubernetes YAML for the stack file: OpenFaaS Function resources, or Deployments and Services')
    .option('--api <version>', `what to generate: ${APIS.join(' (Function resources) or ')} (Deployment + Service)`, 'openfaas.com/v1')
    .option('-n, --namespace <ns>', 'Kubernetes namespace of the objects', 'openfaas-fn')
    .action(async (opts: GenerateOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (!isApi(opts.api)) throw new UsageError(`--api ${opts.api}: use one of ${APIS.join(', ')}`);
      const stack = await openStack(ctx);
      ctx.out.text(generateManifests(stack.functions, opts.api, opts.namespace));
    });
}

/**
 * The YAML documents for `functions`, each starting with `---` (as faas-cli prints them), in stack order.
 * @example generateManifests(stack.functions, 'openfaas.com/v1', 'openfaas-fn')
 */
export function generateManifests(functions: readonly StackFunction[], api: Api, namespace: string): string {
  const manifests = functions.flatMap((fn) => (api === 'apps/v1' ? [deploymentOf(fn, namespace), serviceOf(fn, namespace)] : [functionResourceOf(fn, namespace)]));
  return manifests.map((manifest) => `---\n${stringify(manifest, { aliasDuplicateObjects: false })}`).join('');
}

// --- internal ---

function isApi(text: string): text is Api {
  return (APIS as readonly string[]).includes(text);
}

/** faas-cli's Function custom resource (schema/openfaas/v1/crd.go): empty fields left out. */
function functionResourceOf(fn: StackFunction, namespace: string): Manifest {
  const spec: Manifest = { name: fn.name, image: imageOf(fn) };
  if (hasKeys(fn.environment)) spec['environment'] = fn.environment;
  if (hasKeys(fn.labels)) spec['labels'] = fn.labels;
  if (hasKeys(fn.annotations)) spec['annotations'] = fn.annotations;
  if (hasKeys(fn.limits)) spec['limits'] = fn.limits;
  if (hasKeys(fn.requests)) spec['requests'] = fn.requests;
  if (fn.constraints?.length) spec['constraints'] = fn.constraints;
  if (fn.secrets?.length) spec['secrets'] = fn.secrets;
  if (fn.readOnlyRootFilesystem) spec['readOnlyRootFilesystem'] = true;
  return { apiVersion: 'openfaas.com/v1', kind: 'Function', metadata: { name: fn.name, namespace }, spec };
}

/** A Deployment shaped as faas-netes makes one: pods labelled faas_function, port 8080, secrets projected into one folder. */
function deploymentOf(fn: StackFunction, namespace: string): Manifest {
  const selector = { faas_function: fn.name };
  // fprocess travels as an env var: the watchdog in the image reads it from there.
  const env = Object.entries({ ...fn.environment, ...(fn.fprocess ? { fprocess: fn.fprocess } : {}) }).map(([name, value]) => ({ name, value }));
  const container: Manifest = {
    name: fn.name,
    image: imageOf(fn),
    ports: [{ name: 'http', containerPort: FUNCTION_PORT, protocol: 'TCP' }],
    ...(env.length ? { env } : {}),
    readinessProbe: { httpGet: { path: '/_/health', port: FUNCTION_PORT } },
  };
  const resources = { ...(hasKeys(fn.limits) ? { limits: fn.limits } : {}), ...(hasKeys(fn.requests) ? { requests: fn.requests } : {}) };
  if (hasKeys(resources)) container['resources'] = resources;
  if (fn.readOnlyRootFilesystem) container['securityContext'] = { readOnlyRootFilesystem: true };
  const podSpec: Manifest = { containers: [container] };
  if (fn.secrets?.length) {
    const volume = `${fn.name}-projected-secrets`;
    container['volumeMounts'] = [{ name: volume, mountPath: SECRETS_PATH, readOnly: true }];
    podSpec['volumes'] = [{ name: volume, projected: { sources: fn.secrets.map((name) => ({ secret: { name } })) } }];
  }
  const podMetadata: Manifest = { labels: { ...fn.labels, ...selector }, ...(hasKeys(fn.annotations) ? { annotations: fn.annotations } : {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: fn.name, namespace, labels: selector },
    spec: { replicas: 1, selector: { matchLabels: selector }, template: { metadata: podMetadata, spec: podSpec } },
  };
}

function serviceOf(fn: StackFunction, namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: fn.name, namespace, labels: { faas_function: fn.name } },
    spec: { selector: { faas_function: fn.name }, ports: [{ name: 'http', port: FUNCTION_PORT, targetPort: FUNCTION_PORT, protocol: 'TCP' }] },
  };
}

/** A stack entry may name no image (Sluice builds bundles); `NAME:latest` is what `sluice new` writes. */
function imageOf(fn: StackFunction): string {
  return fn.image ?? `${fn.name}:latest`;
}

function hasKeys(map: object | undefined): boolean {
  return map !== undefined && Object.keys(map).length > 0;
}
