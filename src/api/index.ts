// Errors
export { SluiceError, errors, toSluiceError } from './errors.js';

// Wire types and schemas
export {
  BUNDLE_ANNOTATION,
  DEFAULT_NAMESPACE,
  DeleteFunctionRequest,
  FunctionDeployment,
  FunctionResources,
  PrometheusAlert,
  ScaleServiceRequest,
  Secret,
} from './types.js';
export type { BundleUploaded, FunctionStatus, GatewayInfo, LogMessage, SecretName, VersionInfo } from './types.js';

// Async calls
export { CALL_STATUSES, FINISHED, IDEMPOTENCY_WINDOW_MS, WORKFLOW_FAILED_STEP_HEADER } from './async.js';
export type { CallRecord, CallResult, CallStatus, CallbackStatus, GoUrl, QueueRequest } from './async.js';
export { canonicalHeaderKey, decodeQueueRequest, encodeQueueRequest, goUrl, queueHeader } from './queue-request.js';

// Bundles
export { BundleManifest, MANIFEST_FILE, RuntimeMode } from './bundle.js';

// Names
export { assertFunctionName, assertNamespace, assertSecretName, parseInvokedName, parseQualifiedName } from './names.js';
export { parseJson } from './parse.js';
export { VERSION } from './version.js';

// Callback signatures: the worker signs, receivers (the CLI's `sluice receiver` among them) verify
export { SIGNATURE_HEADER, signCallback, verifyCallbackSignature } from './signature.js';
export type { VerifyOptions } from './signature.js';
