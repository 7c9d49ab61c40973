import path from 'node:path';
import { z } from 'zod';

/** A zod error callback: "required" when the key is missing, else what was expected. */
function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : `expected ${what}`);
}

/** YAML scalars become strings (`PORT: 8080`, `DEBUG: true`), as faas-cli reads them into string maps. */
const scalar = z
  .union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number or boolean' })
  .transform((value) => (value === null ? '' : String(value)));

/** A map of strings; an empty YAML value (`environment:`) is an empty map. */
const stringMap = z
  .record(z.string(), scalar, { error: expected('a map of strings') })
  .nullable()
  .transform((value) => value ?? {});

/** `memory` and `cpu` quantities (`limits`, `requests`): checked by the gateway at deploy. */
const resources = z
  .strictObject({ memory: scalar.optional(), cpu: scalar.optional() }, { error: expected('a map of memory and cpu') })
  .nullable()
  .optional();

/** A list of strings; an empty YAML value is an empty list. */
function stringList(item: string, list: string) {
  return z
    .array(z.string({ error: expected(item) }), { error: expected(list) })
    .nullable()
    .transform((value) => value ?? [])
    .optional();
}

/**
 * Keys of the OpenFaaS function schema that Sluice accepts but does not use (reference §8.3), so a
 * faas-cli stack file loads as is. `build_args`, `build_options`, `build_secrets` and `platforms`
 * feed `docker build`: Sluice builds a bundle with esbuild and npm, with no Dockerfile to pass them
 * to (the template's package.json says what a function needs). `namespace`: one installation serves
 * one namespace. `skip_build`: a function without `lang` is never built anyway.
 */
export const IGNORED_FUNCTION_KEYS = ['namespace', 'skip_build', 'build_args', 'build_options', 'build_secrets', 'platforms'] as const;

const ignored = Object.fromEntries(IGNORED_FUNCTION_KEYS.map((key) => [key, z.unknown().optional()]));

/** One entry under `functions:`. Strict: a key outside the OpenFaaS schema is a typo worth reporting. */
export const FunctionSchema = z.strictObject(
  {
    lang: z.string({ error: expected('a string') }).optional(),
    handler: z.string({ error: expected('a string') }).optional(),
    image: z.string({ error: expected('a string') }).optional(),
    fprocess: z.string({ error: expected('a string') }).optional(),
    environment: stringMap.optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
    /** Names of secrets (`sluice secret create`), mounted for the function. */
    secrets: stringList('a secret name', 'a list of secret names'),
    /** `memory: 128Mi`, `cpu: 500m`: enforced per replica where the host allows. */
    limits: resources,
    /** As `limits`: each replica's share under contention where the host allows, not a bound (one machine: nothing to schedule). */
    requests: resources,
    /** YAML files of `environment:` maps, relative to the stack file; merged over `environment`, later files winning. */
    environment_file: stringList('a file name', 'a list of file names'),
    /** Placement constraints (`node.platform.os == linux`, `kubernetes.io/arch=amd64`): sent in the deployment; the gateway's node must meet them. */
    constraints: stringList('a string', 'a list of strings'),
    /** Sent in the deployment as `readOnlyRootFilesystem` and shown back. */
    readonly_root_filesystem: z.boolean({ error: expected('true or false') }).nullable().optional(),
    ...ignored,
  },
  { error: expected('a map') },
);

/**
 * One `configuration.templates` entry: a template the stack's functions use and where to pull it
 * from (a git URL, `URL#ref`, or a folder relative to the stack file). Without `source`, faas-cli
 * asks its template store; Sluice has none, so the name must be a template it already has.
 */
const TemplateSourceSchema = z.strictObject(
  {
    name: z.string({ error: expected('a template name') }).superRefine((name, ctx) => {
      // It names a folder under template/: a path there would write elsewhere.
      if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
        ctx.addIssue({ code: 'custom', message: `"${name}" is not a template name (a folder name)` });
      }
    }),
    source: z.string({ error: expected('a git URL or a folder') }).optional(),
  },
  { error: expected('a map with name and source') },
);

/**
 * A `configuration.copy` entry, checked as written: relative, inside the stack file's folder and not
 * that whole folder (faas-cli's rule). The builder checks again on disk: that it exists, and that no
 * symlink leads out.
 */
const copyPath = z.string({ error: expected('a path') }).superRefine((value, ctx) => {
  const problem = copyPathProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** What is wrong with a `configuration.copy` path as written, if anything. */
function copyPathProblem(value: string): string | undefined {
  if (value.trim() === '') return 'expected a path';
  if (path.isAbsolute(value)) return `${value} must be relative to the stack file's folder`;
  const normal = path.normalize(value);
  if (normal === '.' || normal === './') return `${value} is the stack file's whole folder: name the folders or files to copy`;
  if (normal === '..' || normal.startsWith(`..${path.sep}`)) return `${value} is outside the stack file's folder`;
  return undefined;
}

/** `configuration:`: templates to pull (`sluice template pull stack`, and build when one is missing) and paths copied into every build. */
export const ConfigurationSchema = z.strictObject(
  {
    templates: z
      .array(TemplateSourceSchema, { error: expected('a list of templates (name, source)') })
      .nullable()
      .transform((value) => value ?? [])
      .superRefine((templates, ctx) => {
        const seen = new Set<string>();
        for (const [i, { name }] of templates.entries()) {
          if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `template "${name}" is listed twice`, path: [i, 'name'] });
          seen.add(name);
        }
      })
      .optional(),
    /** Paths relative to the stack file, copied into each function's build under `function/`. */
    copy: z
      .array(copyPath, { error: expected('a list of paths') })
      .nullable()
      .transform((value) => value ?? [])
      .optional(),
  },
  { error: expected('a map of templates and copy') },
);

/** The whole stack file. `version: 1.0` reads as the number 1, so both spellings are accepted. */
export const StackSchema = z.strictObject(
  {
    version: z.union([z.literal(1), z.literal('1.0')], { error: 'must be 1.0' }).optional(),
    provider: z.strictObject(
      {
        name: z.literal('openfaas', { error: (issue) => (issue.input === undefined ? 'required' : 'must be "openfaas"') }),
        gateway: z.string({ error: expected('a string') }).optional(),
        /** Swarm-era key, still in the go-sdk schema: accepted, ignored. */
        network: z.unknown().optional(),
      },
      { error: expected('a map') },
    ),
    configuration: ConfigurationSchema.nullable().optional(),
    functions: z.record(z.string(), FunctionSchema, { error: expected('a map of functions') }),
  },
  { error: expected('a map') },
);
/** The validated stack file, before it becomes a `Stack`. */
export type StackInput = z.infer<typeof StackSchema>;

/** An `environment_file` entry: faas-cli's EnvironmentFile, one `environment:` map. */
export const EnvironmentFileSchema = z.strictObject({ environment: stringMap.optional() }, { error: expected('a map with an environment: map') });
