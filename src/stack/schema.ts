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

/** Keys of the OpenFaaS function schema that Sluice accepts but does not use yet (reference §8.3). */
export const IGNORED_FUNCTION_KEYS = [
  'namespace',
  'skip_build',
  'environment_file',
  'constraints',
  'requests',
  'readonly_root_filesystem',
  'build_args',
  'build_options',
  'build_secrets',
  'platforms',
] as const;

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
    secrets: z
      .array(z.string({ error: expected('a secret name') }), { error: expected('a list of secret names') })
      .nullable()
      .transform((value) => value ?? [])
      .optional(),
    /** `memory: 128Mi`, `cpu: 500m`: enforced per replica where the host allows. */
    limits: z
      .strictObject({ memory: scalar.optional(), cpu: scalar.optional() }, { error: expected('a map of memory and cpu') })
      .nullable()
      .optional(),
    ...ignored,
  },
  { error: expected('a map') },
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
    /** `configuration.templates` / `copy`: accepted, not used yet. */
    configuration: z.unknown().optional(),
    functions: z.record(z.string(), FunctionSchema, { error: expected('a map of functions') }),
  },
  { error: expected('a map') },
);
/** The validated stack file, before it becomes a `Stack`. */
export type StackInput = z.infer<typeof StackSchema>;
