import { z } from 'zod';

/**
 * How a function runs (reference §4, of-watchdog and classic watchdog): `http` one long-lived HTTP
 * server; `streaming`, `serializing` and `fork` (classic watchdog) one process per call; `static`
 * files, no process. `workflow` (Sluice, `lang: workflow`): no process either, the gateway runs the
 * steps of the handler's workflow.yml itself, so a standalone watchdog refuses it.
 */
export const RuntimeMode = z.enum(['http', 'streaming', 'serializing', 'fork', 'static', 'workflow']);
export type RuntimeMode = z.infer<typeof RuntimeMode>;

/** File name of the manifest at the root of every bundle. */
export const MANIFEST_FILE = 'function.json';

/**
 * `function.json` at the root of a bundle: what the provider needs to start replicas. Written by
 * `sluice build` from the template's template.yml and the stack entry.
 */
export const BundleManifest = z.object({
  name: z.string(),
  lang: z.string(),
  mode: RuntimeMode,
  /** Command line, split on spaces (no shell), run in the bundle folder; '' in workflow mode. */
  fprocess: z.string(),
  /** Template defaults (exec_timeout, RAW_BODY…); the deployment's envVars override them. */
  environment: z.record(z.string(), z.string()).default({}),
});
export type BundleManifest = z.infer<typeof BundleManifest>;
