/** One function of a stack file, with its maps defaulted to `{}`. */
export interface StackFunction {
  /** The key under `functions:`: a DNS-1123 label. */
  name: string;
  /** Template name (a folder of ./template or of Sluice's templates). */
  lang?: string;
  /** Handler folder as written in the file, relative to the stack file's folder. */
  handler?: string;
  image?: string;
  /** Overrides the template's fprocess. */
  fprocess?: string;
  environment: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Secrets the function reads (`secrets:`), in file order. */
  secrets?: string[];
  /** `limits:` as written: Kubernetes quantities, checked by the gateway at deploy. */
  limits?: { memory?: string; cpu?: string };
  /** `requests:` as written: checked by the gateway at deploy, kept as the function's share under contention. */
  requests?: { memory?: string; cpu?: string };
  /** `constraints:`, in file order: sent in the deployment; the gateway runs the function only if its node meets them. */
  constraints?: string[];
  /** `readonly_root_filesystem:`: sent in the deployment as `readOnlyRootFilesystem`. */
  readOnlyRootFilesystem?: boolean;
  /**
   * `environment_file:` as written (relative to the stack file). `loadStack` has already merged
   * their maps into `environment`; `parseStack`, which reads no files, has not.
   */
  environmentFiles?: string[];
}

/** One `configuration.templates` entry. */
export interface StackTemplate {
  /** The template's folder name: what a function's `lang` names. */
  name: string;
  /** A git URL (`URL#ref` for a branch or tag) or a folder relative to the stack file; none: a template Sluice already has. */
  source?: string;
}

/** A parsed, validated stack.yml. */
export interface Stack {
  /** Absolute path of the stack file. */
  file: string;
  /** Absolute folder of the stack file: handler paths are relative to it. */
  dir: string;
  /** Always "1.0" when present. */
  version?: string;
  provider: { name: 'openfaas'; gateway?: string };
  /** In file order. */
  functions: StackFunction[];
  /** `configuration.templates`: pulled by `sluice template pull stack`, and by build when a function's is missing. */
  templates?: StackTemplate[];
  /**
   * `configuration.copy` as written: paths relative to `dir` (checked to stay inside it), copied into
   * every function's build at `function/<path>` so handlers can share code.
   */
  copy?: string[];
}
