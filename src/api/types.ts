import { z } from 'zod';

/** The one namespace a single Sluice installation serves (OpenFaaS CE's default). */
export const DEFAULT_NAMESPACE = 'openfaas-fn';

/** DNS-1123 label, as the OpenFaaS providers check function names. */
export const FUNCTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_NAME_LENGTH = 63;

/** Annotation that ties a deployment to an uploaded bundle (content digest). */
export const BUNDLE_ANNOTATION = 'com.sluice.bundle';

const stringMap = z.record(z.string(), z.string());

export const FunctionResources = z.object({
  memory: z.string().optional(),
  cpu: z.string().optional(),
});
export type FunctionResources = z.infer<typeof FunctionResources>;

/** OpenFaaS FunctionDeployment: exact JSON keys (reference §5.2). */
export const FunctionDeployment = z.object({
  service: z.string({ error: 'service is required' }).min(1, 'service is required'),
  image: z.string({ error: 'image is required' }).min(1, 'image is required'),
  namespace: z.string().optional(),
  envProcess: z.string().optional(),
  envVars: stringMap.optional(),
  constraints: z.array(z.string()).optional(),
  secrets: z.array(z.string()).optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  limits: FunctionResources.optional(),
  requests: FunctionResources.optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
});
export type FunctionDeployment = z.infer<typeof FunctionDeployment>;

/** A secret's name: a DNS-1123 subdomain, as Kubernetes names secrets (so a file name too: no `/`). */
export const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
export const MAX_SECRET_NAME_LENGTH = 253;

/** OpenFaaS Secret (reference §5.2): `rawValue` (base64) wins over `value`. */
export const Secret = z.object({
  name: z.string({ error: 'name is required' }).min(1, 'name is required'),
  namespace: z.string().optional(),
  value: z.string().optional(),
  rawValue: z.string().optional(),
});
export type Secret = z.infer<typeof Secret>;

/** What `GET /system/secrets` lists: never a value. */
export interface SecretName {
  name: string;
  namespace: string;
}

/** OpenFaaS FunctionStatus: the deployment with `name` instead of `service`, plus live counts. */
export interface FunctionStatus {
  name: string;
  image: string;
  namespace: string;
  envProcess?: string;
  envVars?: Record<string, string>;
  constraints?: string[];
  secrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: FunctionResources;
  requests?: FunctionResources;
  readOnlyRootFilesystem?: boolean;
  invocationCount?: number;
  /** Omitted when 0, as OpenFaaS does (omit-if-empty): clients treat missing as 0. */
  replicas?: number;
  availableReplicas?: number;
  createdAt: string;
}

export const ScaleServiceRequest = z.object({
  serviceName: z.string().optional(),
  replicas: z.number({ error: 'replicas must be a number' }).int('replicas must be a whole number').min(0, 'replicas cannot be negative'),
  namespace: z.string().optional(),
});
export type ScaleServiceRequest = z.infer<typeof ScaleServiceRequest>;

export const DeleteFunctionRequest = z.object({
  functionName: z.string({ error: 'functionName is required' }).min(1, 'functionName is required'),
  namespace: z.string().optional(),
});
export type DeleteFunctionRequest = z.infer<typeof DeleteFunctionRequest>;

/**
 * AlertManager's webhook body, as OpenFaaS's `POST /system/alert` reads it (reference §1.4, §5.4).
 * Only `alerts[].status` and `alerts[].labels.function_name` are used; other fields are ignored. An
 * alert without `function_name` (another rule's, e.g. `service_down`) scales nothing.
 */
export const PrometheusAlert = z.object({
  status: z.string().optional(),
  receiver: z.string().optional(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved'], { error: 'status must be "firing" or "resolved"' }),
      labels: z.object({ alertname: z.string().optional(), function_name: z.string().optional() }).optional(),
    }),
    { error: 'alerts must be a list of AlertManager alerts' },
  ),
});
export type PrometheusAlert = z.infer<typeof PrometheusAlert>;

export interface VersionInfo {
  sha: string;
  release: string;
}

export interface GatewayInfo {
  provider: { provider: string; orchestration: string; version: VersionInfo };
  version: VersionInfo;
  arch: string;
}

/** One line of a function's output, as `GET /system/logs` streams it (reference §7). */
export interface LogMessage {
  name: string;
  namespace: string;
  /** The replica (process) that printed it. */
  instance: string;
  /** When the gateway received it, RFC 3339 with milliseconds. */
  timestamp: string;
  text: string;
}

/** Answer of `PUT /system/bundles`: the content digest to name in the deployment's annotation. */
export interface BundleUploaded {
  bundle: string;
  size: number;
}
