import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Pins each module's public face (style rule 5, h3 test/unit/package.test.ts) and checks the
 * layering rule of architecture.md §2. A change to an export list is meant to show up in review:
 * update the snapshot here in the same change.
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('public API', () => {
  const faces = [
    {
      face: 'api',
      load: () => import('../../src/api/index.js'),
      exports: [
        'BUNDLE_ANNOTATION',
        'BundleManifest',
        'CALL_STATUSES',
        'DEFAULT_NAMESPACE',
        'DeleteFunctionRequest',
        'FINISHED',
        'FunctionDeployment',
        'FunctionResources',
        'IDEMPOTENCY_WINDOW_MS',
        'MANIFEST_FILE',
        'PrometheusAlert',
        'RuntimeMode',
        'SIGNATURE_HEADER',
        'ScaleServiceRequest',
        'Secret',
        'SluiceError',
        'VERSION',
        'WORKFLOW_FAILED_STEP_HEADER',
        'assertFunctionName',
        'assertNamespace',
        'assertSecretName',
        'canonicalHeaderKey',
        'decodeQueueRequest',
        'encodeQueueRequest',
        'errors',
        'goUrl',
        'parseInvokedName',
        'parseJson',
        'parseQualifiedName',
        'queueHeader',
        'signCallback',
        'toSluiceError',
        'verifyCallbackSignature',
      ],
    },
    {
      face: 'config',
      load: () => import('../../src/config/index.js'),
      exports: [
        'formatSeconds',
        'isLabelKey',
        'isLabelValue',
        'loadConfig',
        'parseDuration',
        'parseSize',
        'parseStatusCodes',
        'retryWait',
      ],
    },
    {
      face: 'stack',
      load: () => import('../../src/stack/index.js'),
      exports: [
        'appendStackFunction',
        'byLine',
        'envsubst',
        'lineAt',
        'lineOf',
        'loadStack',
        'parseStack',
        'schemaProblems',
        'yamlProblems',
      ],
    },
    {
      face: 'watchdog',
      load: () => import('../../src/watchdog/index.js'),
      exports: [
        'CallSignal',
        'ClientGone',
        'ReplicaUnreachable',
        'addressOf',
        'canConnect',
        'createMode',
        'exitMessage',
        'limited',
        'lineSplitter',
        'proxyUpgrade',
        'readBuffer',
        'readText',
        'sendError',
        'sendErrorOnSocket',
        'sendJson',
        'sendStatus',
        'serveCall',
        'watchdogConfig',
        'watchdogProcess',
      ],
    },
    {
      face: 'queue',
      load: () => import('../../src/queue/index.js'),
      exports: ['enqueueCall', 'openAsyncBackend', 'queuedRecord', 'submitCall'],
    },
    {
      face: 'provider',
      load: () => import('../../src/provider/index.js'),
      exports: ['Autoscaler', 'Provider', 'RESULT_LIMIT', 'callBuffered', 'metricName', 'scaleForAlert'],
    },
    {
      face: 'builder',
      load: () => import('../../src/builder/index.js'),
      exports: ['buildFunction', 'deploymentFor', 'findTemplate', 'listTemplates', 'packBundle', 'pullStackTemplates', 'pullTemplates', 'scaffoldFunction'],
    },
    {
      face: 'worker',
      load: () => import('../../src/worker/index.js'),
      exports: ['AsyncMetrics', 'CallbackClient', 'DEFAULT_QUEUE', 'Worker', 'gatewayInvoker', 'localInvoker', 'queueFor', 'queueOf'],
    },
    {
      face: 'workflow',
      load: () => import('../../src/workflow/index.js'),
      exports: ['JOIN_MODES', 'NO_RETRY', 'RETRY_DEFAULTS', 'STEP_METHODS', 'StepWatch', 'allSteps', 'loadWorkflow', 'parseWorkflow', 'runWorkflow', 'workflowRuntime'],
    },
    {
      face: 'gateway',
      load: () => import('../../src/gateway/index.js'),
      exports: ['BasicAuth', 'PASSWORD_FILE', 'createGateway', 'createMetricsServer', 'loadCredentials'],
    },
  ];

  for (const { face, load, exports } of faces) {
    it(`src/${face}/index.ts exports exactly its snapshot`, async () => {
      assert.deepEqual(Object.keys(await load()).sort(), exports);
    });
  }
});

describe('layering (architecture.md §2)', () => {
  /**
   * Layer of each module (a folder under src/, or server.ts). A module imports only strictly lower
   * layers.
   */
  const LAYER: Readonly<Record<string, number>> = {
    api: 0,
    config: 0,
    stack: 1,
    queue: 1,
    watchdog: 1,
    provider: 2,
    builder: 2,
    worker: 3,
    workflow: 3,
    gateway: 4,
    cli: 5,
    server: 5,
  };

  /** Imports allowed beyond the rules, as `from -> to` (src-relative). */
  const ALLOWED = new Set([
    // config turns env into typed config and reports ERR_CONFIG_INVALID from the error registry.
    'config -> api',
    // `sluice serve` runs the composition root in process (src/cli/README.md).
    'cli/commands/serve.ts -> server.js',
    // `sluice worker` runs a queue worker node in process, the same way.
    'cli/commands/worker.ts -> server.js',
    // `sluice watchdog` runs the watchdog's own executable, the one a container image runs.
    'cli/main.ts -> watchdog/standalone/main.js',
  ]);

  const imports = collectImports();

  it('finds the source files and their relative imports', () => {
    // Guards the scan itself: a broken pattern would make the checks below pass on nothing.
    assert.ok(imports.some((i) => i.file === 'gateway/proxy.ts' && i.target === 'api/index.js'));
    assert.ok(imports.some((i) => i.file === 'cli/commands/serve.ts' && i.target === 'server.js'), 'dynamic import() is seen');
    assert.ok(imports.some((i) => i.file === 'cli/commands/serve.ts' && i.target === 'config/index.js'), 'multi-level ../ is resolved');
    assert.ok(!imports.some((i) => i.file.endsWith('.test.ts')), 'test files are skipped');
  });

  it('places every module in a layer', () => {
    const modules = new Set(imports.flatMap((i) => [i.from, i.to]));
    for (const entry of readdirSync(SRC, { withFileTypes: true })) {
      if (entry.isDirectory()) modules.add(entry.name);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) modules.add(entry.name.replace(/\.ts$/, ''));
    }
    const unplaced = [...modules].filter((m) => !(m in LAYER));
    assert.deepEqual(unplaced, [], 'modules missing from LAYER: add them with their layer from architecture.md §2');
  });

  it('imports another module only through its index.js', () => {
    const violations = imports
      .filter((i) => i.from !== i.to)
      .filter((i) => i.target !== `${i.to}/index.js` && !ALLOWED.has(`${i.file} -> ${i.target}`))
      .map((i) => `${i.file} imports ${i.specifier} (${i.target})`);
    assert.deepEqual(violations, []);
  });

  it('imports only modules of a strictly lower layer', () => {
    const violations = imports
      .filter((i) => i.from !== i.to)
      .filter((i) => !((LAYER[i.to] ?? Infinity) < (LAYER[i.from] ?? -Infinity)))
      .filter((i) => !ALLOWED.has(`${i.from} -> ${i.to}`) && !ALLOWED.has(`${i.file} -> ${i.target}`))
      .map((i) => `${i.file} (${i.from}, layer ${LAYER[i.from]}) imports ${i.target} (${i.to}, layer ${LAYER[i.to]})`);
    assert.deepEqual(violations, []);
  });

  it('never imports from outside src/', () => {
    const violations = imports.filter((i) => i.target.startsWith('..')).map((i) => `${i.file} imports ${i.specifier}`);
    assert.deepEqual(violations, []);
  });
});

// --- internal ---

interface Import {
  /** The importing file, relative to src/. */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** The imported file, relative to src/. */
  readonly target: string;
  /** Module of the importing file and of the target: first path segment, or the file name for src/*.ts. */
  readonly from: string;
  readonly to: string;
}

/** Every relative import of every non-test .ts file under src/. */
function collectImports(): Import[] {
  // `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`.
  const SPECIFIER = /(?:\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'));
  const found: Import[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] as string;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      found.push({ file, specifier, target, from: moduleOf(file), to: moduleOf(target) });
    }
  }
  return found;
}

function moduleOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file.replace(/\.(ts|js)$/, '') : file.slice(0, slash);
}
